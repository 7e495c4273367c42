#include "widgets/user_table.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>

#include "widgets/empty_notice.h"
#include "widgets/export.h"
#include "widgets/run_store.h"
#include "widgets/user_quantity.h"

namespace seesaw::widgets {
namespace {

constexpr double kDefaultConflictThreshold = -0.1;

// Columns after the id, the group (where the data has groups) and the samples: per pair the
// cosine, then per task the norm, the ratio and the weight.
UserQuantity quantityOfColumn(int column, int tasks, int pairs, int level)
{
  if (column < pairs) return {UserQuantity::Kind::Cosine, column, level};
  column -= pairs;
  const auto kind = column < tasks ? UserQuantity::Kind::Norm : column < 2 * tasks ? UserQuantity::Kind::Ratio : UserQuantity::Kind::Weight;
  return {kind, column % tasks, level};
}

// The rows in order of their keys, least first (most first when descending), NaN after every
// number either way, ties in row order. An LSD radix sort on the keys' bits: 2 ms at 100,000 rows,
// where a comparison sort took 15 in each frame of a scrub.
std::vector<int> stableOrder(const std::vector<double>& keys, bool descending)
{
  const size_t n = keys.size();
  std::vector<uint64_t> bits(n);
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan(keys[i])) {
      bits[i] = ~uint64_t(0);
      continue;
    }
    const double key = keys[i] == 0 ? 0.0 : keys[i];  // -0 ties with +0
    uint64_t b = 0;
    std::memcpy(&b, &key, sizeof b);
    b = (b >> 63) ? ~b : b | (uint64_t(1) << 63);  // unsigned order = numeric order
    bits[i] = descending ? ~b : b;  // never all ones: that pattern is a NaN's
  }
  std::vector<int> order(n), next(n);
  std::iota(order.begin(), order.end(), 0);
  for (int shift = 0; shift < 64; shift += 8) {
    std::array<size_t, 257> start{};
    for (int row : order) ++start[((bits[static_cast<size_t>(row)] >> shift) & 255) + 1];
    if (std::find(start.begin() + 1, start.end(), n) != start.end()) continue;  // one digit for all: nothing moves
    std::partial_sum(start.begin(), start.end(), start.begin());
    for (int row : order) next[start[(bits[static_cast<size_t>(row)] >> shift) & 255]++] = row;
    order.swap(next);
  }
  return order;
}

}  // namespace

UserTableModel::UserTableModel(RunStore& store, QObject* parent) : QAbstractTableModel(parent), store_(store)
{
  connect(&store_, &RunStore::runBegan, this, &UserTableModel::follow);
  connect(&store_, &RunStore::grown, this, &UserTableModel::follow);
  connect(&store_, &RunStore::cursorChanged, this, &UserTableModel::follow);
}

void UserTableModel::follow()
{
  const int index = store_.snapshotIndexAtOrBefore(store_.cursor());
  const auto snapshot = index >= 0 ? store_.snapshot(index) : nullptr;
  const bool groups = store_.started() && std::any_of(store_.info().userGroups.begin(), store_.info().userGroups.end(), [](int32_t g) { return g >= 0; });
  if (snapshot == snapshot_ && groups == groups_ && (snapshot || users_.empty())) return;
  beginResetModel();
  snapshot_ = snapshot;
  groups_ = groups;
  orderRows();
  endResetModel();
}

void UserTableModel::setLevel(int level)
{
  beginResetModel();
  level_ = level;
  orderRows();
  endResetModel();
}

void UserTableModel::sort(int column, Qt::SortOrder order)
{
  sortColumn_ = column;
  sortOrder_ = order;
  Q_EMIT layoutAboutToBeChanged();
  const QModelIndexList before = persistentIndexList();
  std::vector<int> usersBefore;
  for (const QModelIndex& i : before) usersBefore.push_back(users_[static_cast<size_t>(i.row())]);
  orderRows();
  QModelIndexList after;
  for (size_t i = 0; i < before.size(); ++i) after << index(rowOf(usersBefore[i]), before[static_cast<int>(i)].column());
  changePersistentIndexList(before, after);
  Q_EMIT layoutChanged();
}

void UserTableModel::orderRows()
{
  // The users seen, by code: ties of the sort keep this order.
  users_.clear();
  if (snapshot_)
    for (size_t u = 0; u < snapshot_->users.count.size(); ++u)
      if (snapshot_->users.count[u] > 0) users_.push_back(static_cast<int>(u));
  if (sortColumn_ >= 0 && sortColumn_ < columnCount() && snapshot_) {
    std::vector<double> keys(users_.size());
    for (size_t r = 0; r < users_.size(); ++r) keys[r] = value(static_cast<int>(r), sortColumn_);
    const std::vector<int> order = stableOrder(keys, sortOrder_ == Qt::DescendingOrder);
    std::vector<int> sorted(users_.size());
    for (size_t r = 0; r < users_.size(); ++r) sorted[r] = users_[static_cast<size_t>(order[r])];
    users_.swap(sorted);
  }
  rowOfUser_.assign(snapshot_ ? snapshot_->users.count.size() : 0, -1);
  for (size_t r = 0; r < users_.size(); ++r) rowOfUser_[static_cast<size_t>(users_[r])] = static_cast<int>(r);
}

int UserTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(users_.size()); }

int UserTableModel::columnCount(const QModelIndex& parent) const
{
  if (parent.isValid() || !store_.started()) return 0;
  return (groups_ ? 3 : 2) + store_.pairs() + 3 * store_.tasks();
}

int UserTableModel::rowOf(int user) const
{
  return user >= 0 && static_cast<size_t>(user) < rowOfUser_.size() ? rowOfUser_[static_cast<size_t>(user)] : -1;
}

double UserTableModel::value(int row, int column) const
{
  const int user = users_[static_cast<size_t>(row)];
  const int fixed = groups_ ? 3 : 2;
  if (column == 0) return user;
  if (groups_ && column == 1) return store_.info().userGroups.at(static_cast<size_t>(user));
  if (column == fixed - 1) return snapshot_->users.count[static_cast<size_t>(user)];
  return userValue(snapshot_->users, store_.tasks(), user, quantityOfColumn(column - fixed, store_.tasks(), store_.pairs(), level_));
}

bool UserTableModel::conflicting(int row, double threshold) const
{
  return snapshot_ && widgets::conflicting(snapshot_->users, store_.tasks(), users_[static_cast<size_t>(row)], level_, threshold);
}

QVariant UserTableModel::data(const QModelIndex& index, int role) const
{
  if (!index.isValid() || !snapshot_) return {};
  const int user = users_[static_cast<size_t>(index.row())];
  // EditRole: the exact value, for export (the display rounds to 4 digits).
  if ((role == Qt::DisplayRole || role == Qt::EditRole) && index.column() == 0) {
    const auto& ids = store_.info().userIds;
    return static_cast<size_t>(user) < ids.size() ? QString::fromStdString(ids[static_cast<size_t>(user)]) : QString::number(user);
  }
  const double v = value(index.row(), index.column());
  if (role == Qt::UserRole) return v;
  const int fixed = groups_ ? 3 : 2;
  if (role == Qt::EditRole) return index.column() < fixed ? QVariant(static_cast<qlonglong>(v)) : QVariant(v);
  if (role == Qt::DisplayRole) {
    if (index.column() < fixed) return QString::number(static_cast<int64_t>(v));
    return std::isnan(v) ? QStringLiteral("n/a") : QString::number(v, 'g', 4);
  }
  if (role == Qt::TextAlignmentRole) return index.column() == 0 ? int(Qt::AlignLeft | Qt::AlignVCenter) : int(Qt::AlignRight | Qt::AlignVCenter);
  return {};
}

QVariant UserTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
  if (orientation != Qt::Horizontal || !store_.started()) return {};
  const int fixed = groups_ ? 3 : 2;
  if (role == Qt::DisplayRole) {
    if (section == 0) return tr("user");
    if (groups_ && section == 1) return tr("group");
    if (section == fixed - 1) return tr("samples");
    // On two lines ("cosine" over "is_click / long_view"): one line cuts it in a narrow dock.
    return quantityName(store_, quantityOfColumn(section - fixed, store_.tasks(), store_.pairs(), -1)).replace(QLatin1Char(' '), QLatin1Char('\n')).replace(QStringLiteral("\n/\n"), QStringLiteral(" / "));
  }
  if (role == Qt::ToolTipRole) {
    if (section == fixed - 1) return tr("samples of the user in the snapshot's window");
    if (groups_ && section == 1) return tr("the user's ground-truth group (synthetic data)");
    if (section >= fixed) return quantityName(store_, quantityOfColumn(section - fixed, store_.tasks(), store_.pairs(), level_));
  }
  return {};
}

void UserFilter::setConflictThreshold(std::optional<double> threshold)
{
  threshold_ = threshold;
  invalidateFilter();
}

bool UserFilter::filterAcceptsRow(int row, const QModelIndex& parent) const
{
  if (threshold_ && !static_cast<const UserTableModel*>(sourceModel())->conflicting(row, *threshold_)) return false;
  return QSortFilterProxyModel::filterAcceptsRow(row, parent);  // the id column against the filter text
}

void UserFilter::sort(int column, Qt::SortOrder order)
{
  if (sourceModel()) sourceModel()->sort(column, order);
}

UserTableView::UserTableView(RunStore& store, QWidget* parent)
    : QWidget(parent), store_(store), model_(new UserTableModel(store, this)), filter_(new UserFilter(this)), table_(new QTableView),
      idFilter_(new QLineEdit), conflictingOnly_(new QCheckBox(tr("conflicting only, cosine <"))), threshold_(new QDoubleSpinBox),
      level_(new QComboBox), count_(new QLabel)
{
  filter_->setSourceModel(model_);
  filter_->setFilterKeyColumn(0);
  filter_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  table_->setModel(filter_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(1, Qt::DescendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->verticalHeader()->setVisible(false);
  table_->verticalHeader()->setDefaultSectionSize(20);
  idFilter_->setPlaceholderText(tr("filter by user id"));
  idFilter_->setClearButtonEnabled(true);
  conflictingOnly_->setObjectName(QStringLiteral("conflicting-only"));
  conflictingOnly_->setToolTip(tr("only users with some task pair's cosine below the threshold at this level, here and in the "
                                  "other per-user views"));
  threshold_->setObjectName(QStringLiteral("conflict-threshold"));
  threshold_->setRange(-1, 0);
  threshold_->setDecimals(2);
  threshold_->setSingleStep(0.05);
  threshold_->setValue(kDefaultConflictThreshold);
  threshold_->setToolTip(tr("a cosine below this counts as a conflict (a cosine just below 0 is noise more than conflict)"));

  // Two rows: on one, the filter box would be squeezed to nothing in a laptop's dock.
  auto* top = new QHBoxLayout;
  top->addWidget(idFilter_, 1);
  top->addWidget(count_);
  auto* filters = new QHBoxLayout;
  filters->addWidget(conflictingOnly_);
  filters->addWidget(threshold_);
  filters->addSpacing(12);
  filters->addWidget(new QLabel(tr("level")));
  filters->addWidget(level_);
  filters->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addLayout(top);
  layout->addLayout(filters);
  layout->addWidget(table_, 1);

  connect(idFilter_, &QLineEdit::textChanged, this, &UserTableView::setIdFilter);
  connect(conflictingOnly_, &QCheckBox::toggled, this, &UserTableView::setConflictingOnly);
  connect(threshold_, qOverload<double>(&QDoubleSpinBox::valueChanged), this, &UserTableView::setConflictThreshold);
  connect(&store_, &RunStore::conflictFilterChanged, this, &UserTableView::followConflictFilter);
  connect(level_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int level) { model_->setLevel(std::max(level, 0)); });
  connect(&store_, &RunStore::runBegan, this, [this] {
    const QSignalBlocker block(level_);
    level_->clear();
    for (const auto& l : store_.info().geometryLevels) level_->addItem(QString::fromStdString(l));
  });
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
    if (current.isValid()) store_.setSelectedUser(model_->userAt(filter_->mapToSource(current).row()));
  });
  connect(&store_, &RunStore::selectedUserChanged, this, &UserTableView::selectStoreUser);
  connect(model_, &QAbstractItemModel::modelReset, this, &UserTableView::selectStoreUser);
  // Columns as wide as their headers and the rows in sight (not every row: 10^5 users).
  connect(model_, &QAbstractItemModel::modelReset, table_, &QTableView::resizeColumnsToContents);
  for (auto signal : {&RunStore::runBegan, &RunStore::runEnded}) connect(&store_, signal, this, &UserTableView::updateCount);
  connect(filter_, &QAbstractItemModel::layoutChanged, this, &UserTableView::updateCount);
  connect(filter_, &QAbstractItemModel::modelReset, this, &UserTableView::updateCount);
  connect(filter_, &QAbstractItemModel::rowsRemoved, this, &UserTableView::updateCount);
  connect(filter_, &QAbstractItemModel::rowsInserted, this, &UserTableView::updateCount);
  updateCount();
}

void UserTableView::setIdFilter(const QString& text)
{
  filter_->setFilterFixedString(text);
  if (idFilter_->text() != text) idFilter_->setText(text);
  updateCount();
}

void UserTableView::setConflictingOnly(bool only)
{
  store_.setConflictFilter(only ? std::optional<double>(threshold_->value()) : std::nullopt);
}

void UserTableView::setConflictThreshold(double threshold)
{
  if (threshold_->value() != threshold) threshold_->setValue(threshold);
  if (store_.conflictFilter()) store_.setConflictFilter(threshold);
}

void UserTableView::followConflictFilter()
{
  const auto& filter = store_.conflictFilter();
  {
    const QSignalBlocker blockBox(conflictingOnly_), blockThreshold(threshold_);
    conflictingOnly_->setChecked(filter.has_value());
    if (filter) threshold_->setValue(*filter);
  }
  // The rows filtered out take the current row with them: the selected user is the store's, not
  // the table's, and stays selected (shown again when it passes the filter).
  {
    const QSignalBlocker block(table_->selectionModel());
    filter_->setConflictThreshold(filter);
  }
  selectStoreUser();
  updateCount();
}

void UserTableView::selectStoreUser()
{
  const int row = model_->rowOf(store_.selectedUser());
  const QModelIndex index = row < 0 ? QModelIndex() : filter_->mapFromSource(model_->index(row, 0));
  if (!index.isValid()) return;
  const QSignalBlocker block(table_->selectionModel());
  table_->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  table_->scrollTo(index);
}

QString UserTableView::csv(QChar separator) const
{
  const auto* s = model_->snapshot();
  const QString window = s ? QString::number(s->windowStart) + separator + QString::number(s->step) : separator;
  QStringList lines = tableCsv(*table_->model(), separator).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  for (qsizetype i = 0; i < lines.size(); ++i)
    lines[i] = (i == 0 ? QStringLiteral("window_first_step") + separator + QStringLiteral("window_last_step") : window) + separator + lines[i];
  return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void UserTableView::updateCount()
{
  const auto* s = model_->snapshot();
  setEmptyNotice(*table_, perUserNotice(store_));
  count_->setText(s ? tr("%1 of %2 users, window %3-%4").arg(filter_->rowCount()).arg(model_->rowCount()).arg(s->windowStart).arg(s->step)
                    : tr("no snapshot yet"));
}

}  // namespace seesaw::widgets
