// The per-user cosine distribution fed known snapshots: users counted per bin.

#include <QtTest>

#include "tests/widgets/view_records.h"
#include "widgets/user_distribution_view.h"
#include "widgets/user_quantity.h"

#include <qcustomplot.h>

using namespace seesaw;
using namespace seesaw::widgets;
using namespace seesaw::test;

class UserDistributionViewTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void distributionCountsUsersPerCosineBin()
  {
    RunStore store;
    UserDistributionView view(store);
    store.begin(withUsers());
    RecordBatch batch = steps(1, 20);
    batch.snapshots = {snapshotAt(10), snapshotAt(20)};
    store.append(batch);
    // 40 bins on [-1, 1]: -0.9 -> bin 2, -0.22 -> 15, 0.33 -> 26, 0.97 -> 39; NaN and unseen users are left out.
    int total = 0;
    for (int b = 0; b < UserDistributionView::kBins; ++b) total += view.binCount(1, b);
    QCOMPARE(total, 4);
    for (int b : {2, 15, 26, 39}) QCOMPARE(view.binCount(1, b), 1);
    QCOMPARE(view.describe(20, -0.88), QString("window 11-20\ncosine in [-0.90, -0.85): 1 users"));
    QCOMPARE(view.describe(12, 0.33), QString("window 1-10\ncosine in [0.30, 0.35): 1 users"));
    // A line per ground-truth group follows its users' mean: group 0 holds users 0 and 2 (user 4
    // unseen), group 1 users 1 and 3 (user 5's cosine undefined).
    QCOMPARE(view.groupMean(1, 0), (double(-0.9f) + double(0.33f)) / 2);
    QCOMPARE(view.groupMean(1, 1), (double(-0.22f) + double(0.97f)) / 2);
    // Another pair: every seen user at 0.5 -> bin 30, user 5 too (only its click / like is undefined).
    view.picker().setQuantity({UserQuantity::Kind::Cosine, 2, 0});
    QCOMPARE(view.binCount(0, 30), 5);
  }

  // A run's first window, before any other spaces it: its column spans the window's steps (an axis
  // from 9.5 to 11.5 read as a window of one step).
  void aSingleWindowSpansItsSteps()
  {
    RunStore store;
    UserDistributionView view(store);
    store.begin(withUsers());
    RecordBatch batch = steps(1, 10);
    batch.snapshots = {snapshotAt(10)};
    store.append(batch);
    const QCPRange axis = view.findChild<QCustomPlot*>()->xAxis->range();
    QCOMPARE(axis.lower, 0.5);
    QCOMPARE(axis.upper, 10.5);
    QCOMPARE(view.describe(3, 0.33), QString("window 1-10\ncosine in [0.30, 0.35): 1 users"));
  }
};

QTEST_MAIN(UserDistributionViewTest)
#include "tst_user_distribution_view.moc"
