// The per-user table fed known snapshots: sorting, filtering and selection.

#include <QtTest>

#include <cmath>
#include <limits>
#include <memory>
#include <random>

#include "tests/widgets/view_records.h"
#include "widgets/user_scatter_view.h"
#include "widgets/user_table.h"

using namespace seesaw;
using namespace seesaw::widgets;
using namespace seesaw::test;

class UserTableTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void userTableSortsFiltersAndSelects()
  {
    RunStore store;
    UserTableView view(store);
    store.begin(withUsers());
    RecordBatch batch = steps(1, 20);
    batch.snapshots = {snapshotAt(10), snapshotAt(20)};
    store.append(batch);
    const UserTableModel& model = view.model();
    QCOMPARE(model.rowCount(), 5);  // user 4 was not seen
    // The model's rows are in the view's order (by group, descending); rowOf finds a user's row.
    QCOMPARE(model.columnCount(), 3 + 3 + 9);  // id, group, samples; 3 cosines; norms, ratios, weights
    QCOMPARE(model.headerData(3, Qt::Horizontal, Qt::DisplayRole).toString(), QString("cosine\nclick / like"));
    QCOMPARE(model.headerData(12, Qt::Horizontal, Qt::DisplayRole).toString(), QString("weight\nclick"));
    QCOMPARE(model.data(model.index(model.rowOf(0), 0), Qt::DisplayRole).toString(), QString("u100"));
    QCOMPARE(model.data(model.index(model.rowOf(0), 3), Qt::DisplayRole).toString(), QString("-0.9"));
    QCOMPARE(model.data(model.index(model.rowOf(5), 3), Qt::DisplayRole).toString(), QString("n/a"));
    QCOMPARE(model.data(model.index(model.rowOf(3), 12), Qt::UserRole).toDouble(), double(3.2f));  // the snapshot at the cursor: step 20

    // Sorting by the cosine: ascending, NaN last.
    view.table().sortByColumn(3, Qt::AscendingOrder);
    const auto idAt = [&](int row) { return view.filter().index(row, 0).data().toString(); };
    QCOMPARE(idAt(0), QString("u100"));
    QCOMPARE(idAt(3), QString("u103"));
    QCOMPARE(idAt(4), QString("u105"));
    view.table().sortByColumn(2, Qt::DescendingOrder);  // samples
    QCOMPARE(idAt(0), QString("u105"));
    // The level switches every value column.
    model.index(model.rowOf(0), 3);
    view.model().setLevel(1);
    QCOMPARE(model.data(model.index(model.rowOf(0), 3), Qt::UserRole).toDouble(), double(-0.9f + 0.01f));
    view.model().setLevel(0);

    view.setConflictingOnly(true);
    QCOMPARE(view.filter().rowCount(), 2);  // u100 and u101
    view.setIdFilter("101");
    QCOMPARE(view.filter().rowCount(), 1);
    QCOMPARE(idAt(0), QString("u101"));
    view.setIdFilter("");
    view.setConflictingOnly(false);
    QCOMPARE(view.filter().rowCount(), 5);

    // Selecting a row selects the user in the store; selecting in the store selects the row.
    const int row = view.filter().mapFromSource(model.index(model.rowOf(2), 0)).row();
    view.table().selectionModel()->setCurrentIndex(view.filter().index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(store.selectedUser(), 2);
    store.setSelectedUser(5);
    QCOMPARE(view.filter().mapToSource(view.table().currentIndex()).row(), model.rowOf(5));
    // Moving the cursor back shows the earlier snapshot's values.
    store.setCursor(15);
    QCOMPARE(model.data(model.index(model.rowOf(3), 12), Qt::UserRole).toDouble(), double(3.1f));
  }

  // "Conflicting only" counts a cosine below its threshold (not any negative one), filters the
  // scatter too, and leaves the selected user selected.
  void conflictingOnlyHasAThresholdFiltersEveryUserViewAndKeepsTheSelection()
  {
    RunStore store;
    UserTableView table(store);
    UserScatterView scatter(store);
    store.begin(withUsers());
    RecordBatch batch = steps(1, 20);
    batch.snapshots = {snapshotAt(10), snapshotAt(20)};
    store.append(batch);
    const auto scattered = [&] { return scatter.pointCount(0) + scatter.pointCount(1); };  // the two groups' points
    QCOMPARE(scattered(), 4);  // seen users with a cosine: u100, u101, u102, u103
    store.setSelectedUser(2);  // u102, cosine 0.33: no conflict
    table.setConflictThreshold(-0.5);
    table.setConflictingOnly(true);
    QCOMPARE(table.filter().rowCount(), 1);  // u100 (-0.9); u101's -0.22 is above the threshold
    QCOMPARE(store.conflictFilter(), std::optional<double>(-0.5));
    QCOMPARE(scattered(), 1);
    QCOMPARE(store.selectedUser(), 2);
    table.setConflictThreshold(-0.1);
    QCOMPARE(table.filter().rowCount(), 2);
    QCOMPARE(scattered(), 2);
    table.setConflictingOnly(false);
    QCOMPARE(scattered(), 4);
    QCOMPARE(store.selectedUser(), 2);
    QCOMPARE(table.filter().mapToSource(table.table().currentIndex()).row(), table.model().rowOf(2));
  }

  // Many users, with ties, NaN, both zeros, infinities and negatives: the table's order is that
  // of a comparison sort (least or most first, NaN last, ties by user code).
  void userTableOrdersLikeAComparisonSort()
  {
    const int n = 3000;
    RunInfo info = threeTasks();
    info.geometryLevels = {"exact"};
    info.userSnapshotEvery = 10;
    info.userGroups.assign(n, -1);
    for (int u = 0; u < n; ++u) info.userIds.push_back("u" + std::to_string(u));
    auto s = std::make_shared<GeometrySnapshot>();
    s->step = 10;
    s->windowStart = 1;
    s->users.levels.resize(1);
    std::mt19937 rng(5);
    const std::vector<float> special = {kNaN, 0.0f, -0.0f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), 0.25f};
    std::vector<float> cosine(n);
    for (int u = 0; u < n; ++u) {
      cosine[static_cast<size_t>(u)] = rng() % 3 == 0 ? special[rng() % special.size()] : static_cast<float>(rng() % 2001) / 1000.0f - 1.0f;
      s->users.count.push_back(u % 7 == 0 ? 0 : 1 + static_cast<int32_t>(rng() % 5));
      for (float c : {cosine[static_cast<size_t>(u)], 0.5f, 0.5f}) s->users.levels[0].cosine.push_back(c);
      for (int k = 0; k < 3; ++k) {
        s->users.levels[0].gradNorm.push_back(1.0f);
        s->users.levels[0].magnitudeRatio.push_back(1.0f);
        s->users.weight.push_back(1.0f);
      }
    }
    RunStore store;
    UserTableView view(store);
    store.begin(info);
    RecordBatch batch = steps(1, 10);
    batch.snapshots = {readyGeometry(*s)};
    store.append(batch);
    for (const auto& [column, descending] : {std::pair{2, false}, {2, true}, {1, true}, {1, false}}) {  // cosine, then samples
      view.table().sortByColumn(column, descending ? Qt::DescendingOrder : Qt::AscendingOrder);
      std::vector<int> expected;
      for (int u = 0; u < n; ++u)
        if (s->users.count[static_cast<size_t>(u)] > 0) expected.push_back(u);
      const auto key = [&](int u) { return column == 2 ? double(cosine[static_cast<size_t>(u)]) : double(s->users.count[static_cast<size_t>(u)]); };
      std::stable_sort(expected.begin(), expected.end(), [&](int a, int b) {
        const double x = key(a), y = key(b);
        if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
        return descending ? x > y : x < y;
      });
      QCOMPARE(view.model().rowCount(), static_cast<int>(expected.size()));
      for (size_t r = 0; r < expected.size(); ++r)
        QVERIFY2(view.model().userAt(static_cast<int>(r)) == expected[r], qPrintable(QString("column %1, row %2").arg(column).arg(r)));
    }
  }
};

QTEST_MAIN(UserTableTest)
#include "tst_user_table.moc"
