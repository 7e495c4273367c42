#pragma once
// The users of the snapshot at the cursor, one row each: id, ground-truth group (where the data
// has one), samples in the window, then per pair the cosine and per task the norm, magnitude ratio
// and weight, at the chosen level. Sortable by any column (NaN last), filterable by id and to the
// users with a conflicting pair; selecting a row selects the user in every view.

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

#include "records/geometry_snapshot.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace seesaw::widgets {

class RunStore;

class UserTableModel : public QAbstractTableModel
{
  Q_OBJECT

public:
  explicit UserTableModel(RunStore& store, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  // Qt::DisplayRole: the text; Qt::UserRole: the number to sort by (the id's code for the id).
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  // Orders the rows by a column, NaN last either way; kept for the next snapshots. The model sorts
  // itself: one key per row, not a QVariant per comparison (100,000 users re-sort in milliseconds).
  void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

  void setLevel(int level);
  int level() const { return level_; }
  int userAt(int row) const { return users_.at(static_cast<size_t>(row)); }
  int rowOf(int user) const;  // -1 when the user is not in the snapshot
  // Whether the user has a pair with a negative cosine at the current level.
  // Some pair's cosine at the table's level lies below the threshold.
  bool conflicting(int row, double threshold) const;
  const GeometrySnapshot* snapshot() const { return snapshot_.get(); }

private:
  void follow();
  double value(int row, int column) const;
  void orderRows();

  RunStore& store_;
  std::shared_ptr<const GeometrySnapshot> snapshot_;
  std::vector<int> users_;  // the users seen in the snapshot, in row order
  std::vector<int> rowOfUser_;  // by user code, -1 where not seen
  int level_ = 0;
  bool groups_ = false;
  int sortColumn_ = -1;
  Qt::SortOrder sortOrder_ = Qt::AscendingOrder;
};

class UserFilter : public QSortFilterProxyModel
{
  Q_OBJECT

public:
  using QSortFilterProxyModel::QSortFilterProxyModel;
  void setConflictThreshold(std::optional<double> threshold);

  // Sorting is the source model's (UserTableModel::sort); this proxy only filters.
  void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

protected:
  bool filterAcceptsRow(int row, const QModelIndex& parent) const override;

private:
  std::optional<double> threshold_;
};

class UserTableView : public QWidget
{
  Q_OBJECT

public:
  explicit UserTableView(RunStore& store, QWidget* parent = nullptr);

  UserTableModel& model() const { return *model_; }
  UserFilter& filter() const { return *filter_; }
  QTableView& table() const { return *table_; }
  void setIdFilter(const QString& text);
  // "Conflicting only": users with a pair's cosine below the threshold, in every per-user view.
  void setConflictingOnly(bool only);
  void setConflictThreshold(double threshold);
  // The rows as shown, each with the window they describe (first and last step): a file that says
  // which snapshot it is.
  QString csv(QChar separator) const;

private:
  void selectStoreUser();
  void updateCount();
  void followConflictFilter();

  RunStore& store_;
  UserTableModel* model_;
  UserFilter* filter_;
  QTableView* table_;
  QLineEdit* idFilter_;
  QCheckBox* conflictingOnly_;
  QDoubleSpinBox* threshold_;
  QComboBox* level_;
  QLabel* count_;
};

}  // namespace seesaw::widgets
