#include "app/seesaw/runs_panel.h"

#include <QColorDialog>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "app/seesaw/run_label.h"
#include "config/run_config.h"
#include "widgets/comparison.h"
#include "widgets/run_store.h"

namespace seesaw::app {
namespace {

QString number(double v) { return QString::number(v, 'g', 4); }

// "lr 0.001, batch 512, 300 steps, tau 0.5": what sets one run apart from another.
QString settingsOf(const widgets::RunStore& store)
{
  QStringList parts;
  try {
    const RunConfig c = parseRunConfig(store.info().configJson, "the run's config", "");
    parts << QStringLiteral("lr %1").arg(number(c.train.lr)) << QStringLiteral("batch %1").arg(c.train.batchSize);
    for (const auto& [name, value] : c.method.params) parts << QStringLiteral("%1 %2").arg(QString::fromStdString(name), number(value));
  } catch (const std::exception&) {
    parts << QStringLiteral("batch %1").arg(store.info().batchSize);  // a foreign config: what the run info says
  }
  parts << QStringLiteral("%1 steps").arg(store.info().totalSteps);
  if (!store.info().branch.checkpoint.empty()) parts << QStringLiteral("branch from step %1").arg(store.info().branch.step);
  return parts.join(QStringLiteral(", "));
}

// "loss is_click 0.41, like 0.12; AUC is_click 0.71, like 0.66 (step 300)".
QString lastValues(const widgets::RunStore& store)
{
  if (store.stepCount() == 0) return {};
  QStringList loss, auc;
  for (int k = 0; k < store.tasks(); ++k) {
    loss << QStringLiteral("%1 %2").arg(store.taskName(k), number(store.loss(k).back()));
    const auto& a = store.valid().auc[static_cast<size_t>(k)];
    if (!a.isEmpty()) auc << QStringLiteral("%1 %2").arg(store.taskName(k), number(a.back()));
  }
  QString text = QStringLiteral("loss %1").arg(loss.join(QStringLiteral(", ")));
  if (!auc.isEmpty()) text += QStringLiteral("; AUC %1 (step %2)").arg(auc.join(QStringLiteral(", "))).arg(store.valid().step.back());
  return text;
}

}  // namespace

RunsPanel::RunsPanel(widgets::Comparison& comparison, QWidget* parent)
    : QWidget(parent), comparison_(comparison), table_(new QTableWidget)
{
  table_->setColumnCount(Columns);
  table_->setHorizontalHeaderLabels({tr("shown"), tr("colour"), tr("name"), tr("method"), tr("settings"), tr("last values"), tr("trace")});
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setToolTip(tr("uncheck a run to hide it in the overlay; double-click its colour to change it, its name to rename it "
                        "(both kept beside the trace, in <trace>.label.json)"));
  auto* add = new QPushButton(tr("Add a run..."));
  add->setObjectName(QStringLiteral("add-run"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(table_, 1);
  layout->addWidget(add, 0, Qt::AlignLeft);
  connect(add, &QPushButton::clicked, this, [this] {
    const QString trace = QFileDialog::getOpenFileName(this, tr("Add a run"), QFileInfo(traces_.value(0)).absolutePath(),
                                                       tr("Seesaw trace (*.h5);;All files (*)"));
    if (!trace.isEmpty()) Q_EMIT addRunRequested(trace);
  });
  connect(table_, &QTableWidget::itemChanged, this, &RunsPanel::edited);
  connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int run, int column) {
    if (column != Colour) return;
    const QColor chosen = QColorDialog::getColor(comparison_.runs().at(static_cast<size_t>(run)).color, this, tr("Colour of the run"));
    QString error;
    if (chosen.isValid() && !recolor(run, chosen, &error)) QMessageBox::warning(this, tr("Cannot keep the colour"), error);
  });
  connect(&comparison_, &widgets::Comparison::runsChanged, this, [this] {
    if (!applying_) rebuild();
  });
  rebuild();
}

void RunsPanel::rebuild()
{
  const QSignalBlocker block(table_);
  const auto& runs = comparison_.runs();
  table_->setRowCount(static_cast<int>(runs.size()));
  for (int i = 0; i < static_cast<int>(runs.size()); ++i) {
    const widgets::ComparedRun& r = runs[static_cast<size_t>(i)];
    auto* shown = new QTableWidgetItem;
    shown->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    shown->setCheckState(r.visible ? Qt::Checked : Qt::Unchecked);
    auto* colour = new QTableWidgetItem;
    colour->setFlags(Qt::ItemIsEnabled);
    colour->setBackground(r.color);
    auto* name = new QTableWidgetItem(r.name);
    name->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable);
    table_->setItem(i, Shown, shown);
    table_->setItem(i, Colour, colour);
    table_->setItem(i, Name, name);
    for (int c : {Method, Settings, Last, Trace}) {
      auto* item = new QTableWidgetItem;
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
      table_->setItem(i, c, item);
    }
    table_->item(i, Trace)->setText(traces_.value(i));
    // The run's description once it is read; the last values as a trace being written grows.
    connect(r.store, &widgets::RunStore::runBegan, this, &RunsPanel::rebuild, Qt::UniqueConnection);
    connect(r.store, &widgets::RunStore::grown, this, &RunsPanel::refreshValues, Qt::UniqueConnection);
    if (!r.store->started()) continue;
    table_->item(i, Method)->setText(QString::fromStdString(r.store->info().method));
    table_->item(i, Settings)->setText(settingsOf(*r.store));
  }
  refreshValues();
  table_->resizeColumnsToContents();
}

void RunsPanel::refreshValues()
{
  const QSignalBlocker block(table_);
  const auto& runs = comparison_.runs();
  for (int i = 0; i < static_cast<int>(runs.size()) && i < table_->rowCount(); ++i)
    table_->item(i, Last)->setText(lastValues(*runs[static_cast<size_t>(i)].store));
}

void RunsPanel::edited(QTableWidgetItem* item)
{
  QString error;
  if (item->column() == Shown) setShown(item->row(), item->checkState() == Qt::Checked);
  else if (item->column() == Name && !rename(item->row(), item->text().trimmed(), &error)) QMessageBox::warning(this, tr("Cannot keep the name"), error);
}

void RunsPanel::setLook(int run, const QString& name, const QColor& color, bool visible)
{
  applying_ = true;
  comparison_.setRunLook(run, name, color, visible);
  applying_ = false;
}

bool RunsPanel::rename(int run, const QString& name, QString* error)
{
  const widgets::ComparedRun& r = comparison_.runs().at(static_cast<size_t>(run));
  const QString shown = name.isEmpty() ? QFileInfo(traces_.value(run)).completeBaseName() : name;
  setLook(run, shown, r.color, r.visible);
  {
    const QSignalBlocker block(table_);
    table_->item(run, Name)->setText(shown);
  }
  return saveLabel(run, error);
}

bool RunsPanel::recolor(int run, const QColor& color, QString* error)
{
  const widgets::ComparedRun& r = comparison_.runs().at(static_cast<size_t>(run));
  setLook(run, r.name, color, r.visible);
  table_->item(run, Colour)->setBackground(color);
  return saveLabel(run, error);
}

void RunsPanel::setShown(int run, bool shown)
{
  const widgets::ComparedRun& r = comparison_.runs().at(static_cast<size_t>(run));
  setLook(run, r.name, r.color, shown);
  const QSignalBlocker block(table_);
  table_->item(run, Shown)->setCheckState(shown ? Qt::Checked : Qt::Unchecked);
}

bool RunsPanel::saveLabel(int run, QString* error)
{
  const widgets::ComparedRun& r = comparison_.runs().at(static_cast<size_t>(run));
  const QString trace = traces_.value(run);
  const bool named = r.name != QFileInfo(trace).completeBaseName();
  return writeRunLabel(trace, RunLabel{named ? r.name : QString(), r.color}, error);
}

}  // namespace seesaw::app
