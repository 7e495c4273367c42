#include "app/seesaw/column_mapping_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

#include "data/delimited_loader.h"

namespace seesaw::app {
namespace {

const char* const kRoleNames[] = {"-", "user", "item", "categorical", "dense", "timestamp", "task (binary)", "task (regression)"};

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

bool nameIsOneOf(const std::string& column, std::initializer_list<const char*> names)
{
  const QString lower = QString::fromStdString(column).toLower();
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return lower == QLatin1String(n); });
}

// Every preview value of the column is 0 or 1 (and there is one): a label, so a task.
bool holdsZeroOne(const std::vector<std::vector<std::string>>& rows, size_t column)
{
  bool any = false;
  for (const auto& row : rows) {
    if (column >= row.size()) return false;
    if (row[column] != "0" && row[column] != "1") return false;
    any = true;
  }
  return any;
}


}  // namespace

ColumnMappingDialog::ColumnMappingDialog(QString path, ColumnMapping initial, QWidget* parent)
    : QDialog(parent), path_(std::move(path)), base_(std::move(initial)), header_(new QCheckBox(tr("the first line names the columns"))),
      delimiter_(new QComboBox), table_(new QTableWidget), message_(new QLabel)
{
  setWindowTitle(tr("Columns of %1").arg(path_));
  delimiter_->addItem(tr("guess"), 0);
  delimiter_->addItem(tr("comma"), int(','));
  delimiter_->addItem(tr("tab"), int('\t'));
  delimiter_->addItem(tr("semicolon"), int(';'));
  delimiter_->setCurrentIndex(std::max(0, delimiter_->findData(int(base_.delimiter))));
  header_->setChecked(base_.header);
  message_->setWordWrap(true);
  auto* options = new QHBoxLayout;
  options->addWidget(header_);
  options->addWidget(new QLabel(tr("delimiter")));
  options->addWidget(delimiter_);
  options->addStretch();
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Choose what each column holds: one user column, one item column and at least one task.")));
  layout->addLayout(options);
  layout->addWidget(table_, 1);
  layout->addWidget(message_);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &ColumnMappingDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &ColumnMappingDialog::reject);
  connect(header_, &QCheckBox::toggled, this, &ColumnMappingDialog::loadPreview);
  connect(delimiter_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ColumnMappingDialog::loadPreview);
  resize(900, 520);
  loadPreview();
}

void ColumnMappingDialog::loadPreview()
{
  ColumnMapping options = base_;
  options.header = header_->isChecked();
  options.delimiter = static_cast<char>(delimiter_->currentData().toInt());
  table_->clear();
  columns_.clear();
  DelimitedPreview preview;
  try {
    preview = previewDelimited(path_.toStdString(), options, kPreviewRows);
  } catch (const std::exception& e) {
    message_->setText(QString::fromStdString(e.what()));
    table_->setRowCount(0);
    table_->setColumnCount(0);
    return;
  }
  message_->clear();
  columns_ = preview.columns;
  baseTasks_.clear();
  for (const TaskMapping& t : base_.tasks) {
    std::vector<std::string> candidates = {t.column};
    candidates.insert(candidates.end(), t.alternatives.begin(), t.alternatives.end());
    for (const std::string& column : candidates)
      if (contains(columns_, column)) {
        baseTasks_.emplace(column, t);
        break;
      }
  }
  const int n = static_cast<int>(columns_.size());
  table_->setColumnCount(n);
  table_->setRowCount(1 + static_cast<int>(preview.rows.size()));
  QStringList headers;
  for (const auto& c : columns_) headers << QString::fromStdString(c);
  table_->setHorizontalHeaderLabels(headers);
  QStringList rows{tr("holds")};
  for (size_t r = 0; r < preview.rows.size(); ++r) rows << QString::number(r + 1);
  table_->setVerticalHeaderLabels(rows);
  const std::vector<Role> guessed = guessRoles(preview);
  for (int c = 0; c < n; ++c) {
    auto* role = new QComboBox;
    for (const char* name : kRoleNames) role->addItem(tr(name));
    const std::string& name = columns_[static_cast<size_t>(c)];
    Role initial = guessed[static_cast<size_t>(c)];
    if (name == base_.user) initial = Role::User;
    else if (name == base_.item) initial = Role::Item;
    else if (contains(base_.categorical, name)) initial = Role::Categorical;
    else if (contains(base_.dense, name)) initial = Role::Dense;
    else if (name == base_.timestamp) initial = Role::Timestamp;
    if (const auto task = baseTasks_.find(name); task != baseTasks_.end())
      initial = task->second.type == TaskType::Binary ? Role::BinaryTask : Role::RegressionTask;
    role->setCurrentIndex(static_cast<int>(initial));
    table_->setCellWidget(0, c, role);
    for (size_t r = 0; r < preview.rows.size(); ++r) {
      const auto& fields = preview.rows[r];
      auto* item = new QTableWidgetItem(static_cast<size_t>(c) < fields.size() ? QString::fromStdString(fields[static_cast<size_t>(c)]) : QString());
      item->setFlags(item->flags() & ~Qt::ItemIsEditable);
      table_->setItem(static_cast<int>(r) + 1, c, item);
    }
  }
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  message_->setText(guessed_);
}

std::vector<ColumnMappingDialog::Role> ColumnMappingDialog::guessRoles(const DelimitedPreview& preview)
{
  std::vector<Role> roles(preview.columns.size(), Role::Ignore);
  // Only for a file met for the first time: a mapping already made is the user's.
  if (!base_.user.empty() || !base_.item.empty() || !base_.tasks.empty()) {
    guessed_.clear();
    return roles;
  }
  bool user = false, item = false, timestamp = false;
  QStringList said;
  for (size_t c = 0; c < roles.size(); ++c) {
    const std::string& name = preview.columns[c];
    const QString column = QString::fromStdString(name);
    if (!user && nameIsOneOf(name, {"uid", "user", "user_id", "userid", "user-id", "customer_id", "visitor_id"})) {
      roles[c] = Role::User;
      user = true;
      said << tr("%1 the user").arg(column);
    } else if (!item && nameIsOneOf(name, {"iid", "item", "item_id", "itemid", "item-id", "video_id", "photo_id", "product_id", "movie_id", "article_id"})) {
      roles[c] = Role::Item;
      item = true;
      said << tr("%1 the item").arg(column);
    } else if (!timestamp && nameIsOneOf(name, {"timestamp", "time", "ts", "time_ms", "datetime", "event_time"})) {
      roles[c] = Role::Timestamp;
      timestamp = true;
      said << tr("%1 the timestamp").arg(column);
    } else if (holdsZeroOne(preview.rows, c)) {
      roles[c] = Role::BinaryTask;
      said << tr("%1 a binary task (0/1)").arg(column);
    }
  }
  guessed_ = said.isEmpty() ? QString() : tr("Guessed from the names and values: %1. Check each column and change what is wrong.").arg(said.join(QStringLiteral(", ")));
  return roles;
}

int ColumnMappingDialog::columnCount() const { return static_cast<int>(columns_.size()); }

QString ColumnMappingDialog::previewCell(int row, int column) const
{
  const QTableWidgetItem* item = table_->item(row + 1, column);
  return item ? item->text() : QString();
}

void ColumnMappingDialog::setRole(int column, Role role) { static_cast<QComboBox*>(table_->cellWidget(0, column))->setCurrentIndex(static_cast<int>(role)); }

ColumnMappingDialog::Role ColumnMappingDialog::role(int column) const
{
  return static_cast<Role>(static_cast<QComboBox*>(table_->cellWidget(0, column))->currentIndex());
}

ColumnMapping ColumnMappingDialog::mapping() const
{
  ColumnMapping m;
  m.delimiter = static_cast<char>(delimiter_->currentData().toInt());
  m.header = header_->isChecked();
  m.trim = base_.trim;
  if (!m.header) m.columnNames = columns_;
  for (int c = 0; c < columnCount(); ++c) {
    const std::string& name = columns_[static_cast<size_t>(c)];
    switch (role(c)) {
      case Role::Ignore: break;
      case Role::User: m.user = name; break;
      case Role::Item: m.item = name; break;
      case Role::Categorical: m.categorical.push_back(name); break;
      case Role::Dense: m.dense.push_back(name); break;
      case Role::Timestamp: m.timestamp = name; break;
      case Role::BinaryTask:
      case Role::RegressionTask: {
        const auto base = baseTasks_.find(name);
        TaskMapping t = base != baseTasks_.end() ? base->second : TaskMapping{};
        if (t.name.empty()) t.name = name;
        t.column = name;
        t.alternatives.clear();  // resolved: this file's column
        t.configField.clear();   // now data.columns.tasks[i] of the file source
        t.type = role(c) == Role::BinaryTask ? TaskType::Binary : TaskType::Regression;
        m.tasks.push_back(t);
        break;
      }
    }
  }
  return m;
}

QString ColumnMappingDialog::problem() const
{
  if (columns_.empty()) return message_->text().isEmpty() ? tr("the file has no columns") : message_->text();
  int users = 0, items = 0, timestamps = 0;
  for (int c = 0; c < columnCount(); ++c) {
    users += role(c) == Role::User;
    items += role(c) == Role::Item;
    timestamps += role(c) == Role::Timestamp;
  }
  if (users != 1) return tr("choose exactly one user column (%1 chosen)").arg(users);
  if (items != 1) return tr("choose exactly one item column (%1 chosen)").arg(items);
  if (timestamps > 1) return tr("choose at most one timestamp column");
  if (mapping().tasks.empty()) return tr("choose at least one task column");
  return {};
}

void ColumnMappingDialog::accept()
{
  const QString why = problem();
  if (!why.isEmpty()) {
    message_->setText(why);
    return;
  }
  QDialog::accept();
}

}  // namespace seesaw::app
