// The per-user scatter and drill-down fed known snapshots: one selection for every user view.

#include <QtTest>

#include <cmath>

#include "tests/widgets/view_records.h"
#include "widgets/user_detail_view.h"
#include "widgets/user_scatter_view.h"
#include "widgets/user_table.h"

using namespace seesaw;
using namespace seesaw::widgets;
using namespace seesaw::test;

class UserScatterViewTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void selectionPropagatesToTheScatterAndTheDrillDown()
  {
    RunStore store;
    UserScatterView scatter(store);
    UserDetailView detail(store);
    UserTableView table(store);
    scatter.resize(600, 400);
    store.begin(withUsers());
    RecordBatch batch = steps(1, 30);
    batch.snapshots = {snapshotAt(10), snapshotAt(20), snapshotAt(30)};
    store.append(batch);
    // Users with a value, coloured by their ground-truth group: 0 and 2 in group 0, 1 and 3 in group 1.
    QCOMPARE(scatter.pointCount(0), 2);
    QCOMPARE(scatter.pointCount(1), 2);
    scatter.plot()->replot();
    // A click at user 3's point (4 samples, cosine 0.97) selects it in every view.
    const QPointF at(scatter.plot()->xAxis->coordToPixel(4), scatter.plot()->yAxis->coordToPixel(0.97));
    QCOMPARE(scatter.userAtPixel(at), 3);
    store.setSelectedUser(scatter.userAtPixel(at));
    QCOMPARE(table.model().rowOf(3), table.filter().mapToSource(table.table().currentIndex()).row());
    // The drill-down: three cosine series and three weight series over the three snapshots.
    QCOMPARE(detail.plot()->graphCount(), 6);
    QCOMPARE(detail.pointCount(0), 3);
    QCOMPARE(detail.valueAt(0, 1), double(0.97f));
    QCOMPARE(detail.valueAt(3, 2), double(3.3f));  // weight click at step 30
    // A user never seen draws gaps.
    store.setSelectedUser(4);
    QVERIFY(std::isnan(detail.valueAt(0, 0)));
  }
};

QTEST_MAIN(UserScatterViewTest)
#include "tst_user_scatter_view.moc"
