#include "app/seesaw/run_setup_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardItemModel>
#include <QVBoxLayout>


#include "app/seesaw/column_mapping_dialog.h"
#include "app/seesaw/method_form.h"
#include "app/seesaw/number_box.h"
#include "train/run_validation.h"
#include "util/error.h"

namespace seesaw::app {
namespace {

constexpr const char* kFileSource = "file";
// The largest whole number a double holds exactly, and so the most a whole-number box can hold.
constexpr double kWholeDoubleMax = 9007199254740992.0;

// The boxes take what a user types, a negative learning rate or zero included, and Start refuses
// what the run config refuses, naming the field: a box that dropped a minus sign or reverted a 0
// would run something the user did not ask for.
// A whole-number field takes 1.5 or -5 as typed as well; config() refuses them by name.
NumberBox* numberBox(double step) { return new NumberBox(step); }

// A line edit with a "..." button that asks for a file.
QWidget* withBrowse(QLineEdit* edit, QPushButton* browse)
{
  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(edit, 1);
  layout->addWidget(browse);
  return row;
}

// "user uid, item iid; tasks click (binary), like (binary); timestamp ts; 2 dense, 1 categorical".
QString describeColumns(const ColumnMapping& m)
{
  if (m.user.empty() && m.item.empty() && m.tasks.empty()) return {};
  QStringList tasks;
  for (const TaskMapping& t : m.tasks)
    tasks << QStringLiteral("%1 (%2)").arg(QString::fromStdString(t.name), t.type == TaskType::Binary ? QStringLiteral("binary") : QStringLiteral("regression"));
  QStringList parts{QStringLiteral("user %1, item %2").arg(QString::fromStdString(m.user), QString::fromStdString(m.item)),
                    tasks.isEmpty() ? QStringLiteral("no task") : QStringLiteral("tasks %1").arg(tasks.join(QStringLiteral(", ")))};
  if (!m.timestamp.empty()) parts << QStringLiteral("timestamp %1").arg(QString::fromStdString(m.timestamp));
  if (!m.dense.empty() || !m.categorical.empty()) parts << QStringLiteral("%1 dense, %2 categorical").arg(m.dense.size()).arg(m.categorical.size());
  return parts.join(QStringLiteral("; "));
}

}  // namespace

RunSetupDialog::RunSetupDialog(RunConfig config, QString tracePath, QWidget* parent)
    : QDialog(parent), base_(std::move(config)), source_(new QComboBox), dataPath_(new QLineEdit), browseData_(new QPushButton(tr("..."))),
      columns_(new QPushButton(tr("Columns..."))), split_(new QComboBox), validFraction_(numberBox(0.05)),
      testFraction_(numberBox(0.05)), splitSeed_(numberBox(1)), model_(new QComboBox), method_(new MethodForm), steps_(numberBox(100)), epochs_(numberBox(0.5)),
      batch_(numberBox(64)), lr_(numberBox(1e-4)), optimizer_(new QComboBox), device_(new QComboBox),
      window_(numberBox(10)), processes_(numberBox(1)), trace_(new QLineEdit(tracePath)), columnsSummary_(new QLabel), problem_(new QLabel)
{
  setWindowTitle(tr("New run"));
  // Named after their config fields, for tests and accessibility tools.
  source_->setObjectName(QStringLiteral("data.source"));
  dataPath_->setObjectName(QStringLiteral("data.path"));
  split_->setObjectName(QStringLiteral("data.split.method"));
  validFraction_->setObjectName(QStringLiteral("data.split.valid"));
  testFraction_->setObjectName(QStringLiteral("data.split.test"));
  splitSeed_->setObjectName(QStringLiteral("data.split.seed"));
  model_->setObjectName(QStringLiteral("model.type"));
  steps_->setObjectName(QStringLiteral("train.steps"));
  epochs_->setObjectName(QStringLiteral("train.epochs"));
  batch_->setObjectName(QStringLiteral("train.batch_size"));
  lr_->setObjectName(QStringLiteral("train.lr"));
  optimizer_->setObjectName(QStringLiteral("train.optimizer"));
  device_->setObjectName(QStringLiteral("train.device"));
  processes_->setObjectName(QStringLiteral("processes"));
  processes_->setValue(1);
  processes_->setToolTip(tr("data-parallel ranks on this machine, each on its share of the cores (seesaw-train --nproc, "
                            "docs/distributed.md); 1 trains inside the app, where a run can be paused, steered and checkpointed"));
  window_->setObjectName(QStringLiteral("train.user_snapshot_every"));
  trace_->setObjectName(QStringLiteral("trace"));
  columns_->setObjectName(QStringLiteral("columns"));
  problem_->setObjectName(QStringLiteral("problem"));
  for (const auto& name : presetNames()) source_->addItem(tr("preset: %1").arg(QString::fromStdString(name)), QString::fromStdString(name));
  source_->addItem(tr("CSV/TSV file"), QString::fromLatin1(kFileSource));
  split_->addItem(tr("random rows"), int(SplitMethod::Random));
  split_->addItem(tr("by time, per user"), int(SplitMethod::TimePerUser));
  split_->setToolTip(tr("data.split.method: random rows, or each user's latest rows for validation and test "
                        "(needs a timestamp column)"));
  validFraction_->setToolTip(tr("fraction of the rows for validation (data.split.valid)"));
  testFraction_->setToolTip(tr("fraction of the rows for the test (data.split.test)"));
  splitSeed_->setToolTip(tr("seed of the random split (data.split.seed)"));
  for (ModelType t : {ModelType::SharedBottom, ModelType::MMoE, ModelType::PLE}) model_->addItem(QString::fromStdString(modelTypeName(t)), int(t));
  for (OptimizerType o : {OptimizerType::Adam, OptimizerType::AdamW, OptimizerType::SGD}) optimizer_->addItem(QString::fromStdString(optimizerName(o)), int(o));
  for (const char* d : {"auto", "cpu", "cuda"}) device_->addItem(QString::fromLatin1(d));
  steps_->setZeroText(tr("by epochs"));
  steps_->setToolTip(tr("training steps (train.steps); 0 trains for the epochs below"));
  epochs_->setToolTip(tr("epochs of training data when steps is 0 (train.epochs)"));
  lr_->setToolTip(tr("learning rate (train.lr)"));
  window_->setZeroText(tr("none"));
  window_->setToolTip(tr("steps per per-user geometry window (train.user_snapshot_every); 0 records no per-user snapshots"));
  trace_->setPlaceholderText(tr("runs/<date>-<name>-<method>.h5"));
  dataPath_->setPlaceholderText(tr("the data file (kuairand, census and CSV/TSV sources)"));
  problem_->setWordWrap(true);
  columnsSummary_->setObjectName(QStringLiteral("columns-summary"));
  columnsSummary_->setWordWrap(true);
  problem_->setStyleSheet(QStringLiteral("color: #b2182b"));

  auto* dataForm = new QFormLayout;
  dataForm->addRow(tr("dataset"), source_);
  dataForm->addRow(tr("file"), withBrowse(dataPath_, browseData_));
  dataForm->addRow(QString(), columns_);
  dataForm->addRow(QString(), columnsSummary_);
  dataForm->addRow(tr("split"), split_);
  dataForm->addRow(tr("validation"), validFraction_);
  dataForm->addRow(tr("test"), testFraction_);
  dataForm->addRow(tr("split seed"), splitSeed_);
  auto* dataBox = new QGroupBox(tr("Data"));
  dataBox->setLayout(dataForm);
  auto* method = new QFormLayout;
  method->addRow(tr("model"), model_);
  method->addRow(method_);
  auto* methodBox = new QGroupBox(tr("Model and gradient method"));
  methodBox->setLayout(method);
  auto* browseTrace = new QPushButton(tr("..."));
  auto* train = new QFormLayout;
  train->addRow(tr("steps"), steps_);
  train->addRow(tr("epochs"), epochs_);
  train->addRow(tr("batch size"), batch_);
  train->addRow(tr("learning rate"), lr_);
  train->addRow(tr("optimizer"), optimizer_);
  train->addRow(tr("device"), device_);
  train->addRow(tr("per-user window"), window_);
  train->addRow(tr("processes"), processes_);
  train->addRow(tr("trace"), withBrowse(trace_, browseTrace));
  auto* trainBox = new QGroupBox(tr("Training"));
  trainBox->setLayout(train);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
  QPushButton* start = buttons->addButton(tr("Start"), QDialogButtonBox::AcceptRole);
  start->setDefault(true);
  start->setObjectName(QStringLiteral("start"));
  // The main window's Start shortcut starts what this dialog sets up (the window's own cannot
  // reach past a modal dialog).
  start->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  start->setToolTip(tr("Start (Ctrl+R)"));
  load_ = buttons->addButton(tr("Load config..."), QDialogButtonBox::ActionRole);
  QPushButton* save = buttons->addButton(tr("Save config..."), QDialogButtonBox::ActionRole);
  auto* columns = new QHBoxLayout;
  columns->addWidget(dataBox);
  columns->addWidget(methodBox);
  columns->addWidget(trainBox);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(columns);
  layout->addWidget(problem_);
  layout->addWidget(buttons);

  connect(buttons, &QDialogButtonBox::accepted, this, &RunSetupDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &RunSetupDialog::reject);
  connect(load_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load run config"), QString(), tr("Run config (*.json)"));
    if (!path.isEmpty()) loadConfigFile(path);
  });
  connect(save, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save run config"), QStringLiteral("run.json"), tr("Run config (*.json)"));
    if (!path.isEmpty()) saveConfigFile(path);
  });
  connect(browseData_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Data file"), QString(), tr("Delimited text (*.csv *.tsv *.gz *.txt);;Any file (*)"));
    if (!path.isEmpty()) dataPath_->setText(path);
  });
  connect(browseTrace, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Trace file"), trace_->text(), tr("Seesaw trace (*.h5)"));
    if (!path.isEmpty()) trace_->setText(path);
  });
  connect(columns_, &QPushButton::clicked, this, &RunSetupDialog::editColumns);
  connect(source_, qOverload<int>(&QComboBox::activated), this, &RunSetupDialog::sourceChanged);
  setConfig(base_);
}

void RunSetupDialog::setConfig(const RunConfig& config)
{
  base_ = config;
  const bool preset = config.data.source != kFileSource && source_->findData(QString::fromStdString(config.name)) >= 0;
  source_->setCurrentIndex(source_->findData(preset ? QString::fromStdString(config.name) : QString::fromLatin1(kFileSource)));
  dataPath_->setText(QString::fromStdString(config.data.path));
  split_->setCurrentIndex(split_->findData(int(config.data.split.method)));
  validFraction_->setValue(config.data.split.validFraction);
  testFraction_->setValue(config.data.split.testFraction);
  splitSeed_->setValue(static_cast<double>(config.data.split.seed));
  model_->setCurrentIndex(model_->findData(int(config.model.type)));
  method_->setMethod(config.method.name, config.method.params);
  steps_->setValue(static_cast<double>(config.train.steps));
  epochs_->setValue(config.train.epochs);
  batch_->setValue(static_cast<double>(config.train.batchSize));
  lr_->setValue(config.train.lr);
  optimizer_->setCurrentIndex(optimizer_->findData(int(config.train.optimizer)));
  device_->setCurrentText(QString::fromStdString(config.train.device));
  window_->setValue(static_cast<double>(config.train.userSnapshotEvery));
  const bool file = config.data.source == kFileSource;
  columns_->setEnabled(file);
  columnsSummary_->setText(file ? describeColumns(config.data.columns) : QString());
  fitSplitToColumns(false);
  problem_->clear();
}

void RunSetupDialog::fitSplitToColumns(bool choose)
{
  const bool timestamps = base_.data.source != kFileSource || !base_.data.columns.timestamp.empty();
  auto* model = qobject_cast<QStandardItemModel*>(split_->model());
  QStandardItem* time = model->item(split_->findData(int(SplitMethod::TimePerUser)));
  time->setEnabled(timestamps);
  time->setToolTip(timestamps ? QString() : tr("map a timestamp column (Columns...) to split by time"));
  if (choose && !timestamps && split_->currentData().toInt() == int(SplitMethod::TimePerUser))
    split_->setCurrentIndex(split_->findData(int(SplitMethod::Random)));
}

void RunSetupDialog::lockForBranch()
{
  for (QWidget* w : std::initializer_list<QWidget*>{source_, dataPath_, browseData_, columns_, split_, validFraction_, testFraction_,
                                                    splitSeed_, model_, batch_, optimizer_, load_}) {
    w->setEnabled(false);
    w->setToolTip(tr("a branch continues its checkpoint's state: this stays as the checkpoint has it"));
  }
  processes_->setValue(1);
  processes_->setEnabled(false);
  processes_->setToolTip(tr("a branch trains inside the app (seesaw-train --branch --nproc N continues a checkpoint in ranks)"));
}

int RunSetupDialog::processes() const { return static_cast<int>(processes_->wholeValue("processes", 1, 256)); }

void RunSetupDialog::setProcesses(int processes) { processes_->setValue(processes); }

void RunSetupDialog::sourceChanged()
{
  const std::string source = source_->currentData().toString().toStdString();
  if (source == kFileSource) {
    base_.data.source = kFileSource;
    base_.name = "file";
    columns_->setEnabled(true);
    columnsSummary_->setText(describeColumns(base_.data.columns));
    fitSplitToColumns(true);
    return;
  }
  // A preset brings its own data, model and training settings; the trace path stays.
  setConfig(presetConfig(source));
}

QDoubleSpinBox* RunSetupDialog::parameterBox(const QString& name) const { return method_->parameterBox(name); }

void RunSetupDialog::editColumns()
{
  ColumnMappingDialog dialog(dataPath_->text(), base_.data.columns, this);
  if (dialog.exec() == QDialog::Accepted) {
    base_.data.columns = dialog.mapping();
    columnsSummary_->setText(describeColumns(base_.data.columns));
    fitSplitToColumns(true);
  }
}

RunConfig RunSetupDialog::config() const
{
  RunConfig c = base_;
  c.data.path = dataPath_->text().toStdString();
  c.data.split.method = static_cast<SplitMethod>(split_->currentData().toInt());
  c.data.split.validFraction = validFraction_->value();
  c.data.split.testFraction = testFraction_->value();
  // A seed beyond 2^53 shows rounded in the box: it is kept as loaded unless the box is changed.
  if (splitSeed_->value() != static_cast<double>(base_.data.split.seed))
    c.data.split.seed = static_cast<uint64_t>(splitSeed_->wholeValue("config field data.split.seed", 0, kWholeDoubleMax));
  c.model.type = static_cast<ModelType>(model_->currentData().toInt());
  c.method.name = method_->method();
  c.method.params = method_->params();
  c.train.steps = steps_->wholeValue("config field train.steps", -kWholeDoubleMax, kWholeDoubleMax);
  c.train.epochs = epochs_->value();
  c.train.batchSize = batch_->wholeValue("config field train.batch_size", -kWholeDoubleMax, kWholeDoubleMax);
  c.train.lr = lr_->value();
  c.train.optimizer = static_cast<OptimizerType>(optimizer_->currentData().toInt());
  c.train.device = device_->currentText().toStdString();
  c.train.userSnapshotEvery = window_->wholeValue("config field train.user_snapshot_every", -kWholeDoubleMax, kWholeDoubleMax);
  return c;
}

QString RunSetupDialog::tracePath() const { return trace_->text(); }

QString RunSetupDialog::problem() const
{
  try {
    const RunConfig c = config();
    if (c.data.source == kFileSource && c.data.columns.tasks.empty()) return tr("choose the file's columns (Columns...)");
    validate(c);
    if (processes() > 1 && c.train.device == "cuda")
      return tr("processes: data-parallel ranks run on the CPU (Gloo) in this build; choose device cpu, or 1 process");
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

void RunSetupDialog::showProblem(const QString& problem) { problem_->setText(problem); }

void RunSetupDialog::accept()
{
  const QString why = problem();
  showProblem(why);
  if (why.isEmpty()) QDialog::accept();
}

bool RunSetupDialog::loadConfigFile(const QString& path)
{
  try {
    const RunConfig loaded = loadRunConfigFile(path.toStdString());
    validate(loaded);
    setConfig(loaded);
    return true;
  } catch (const std::exception& e) {
    showProblem(QString::fromStdString(e.what()));
    if (isVisible()) QMessageBox::warning(this, tr("Run config refused"), QString::fromStdString(e.what()));
    return false;
  }
}

bool RunSetupDialog::saveConfigFile(const QString& path)
{
  std::string json;
  try {
    json = toJsonString(config()) + "\n";
  } catch (const std::exception& e) {
    showProblem(QString::fromStdString(e.what()));
    return false;
  }
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(QByteArray::fromStdString(json)) < 0) {
    showProblem(tr("%1: cannot write: %2").arg(path, file.errorString()));
    return false;
  }
  return true;
}

}  // namespace seesaw::app
