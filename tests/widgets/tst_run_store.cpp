// The view store fed known records: its columns, and a cursor that follows the latest step.

#include <QtTest>

#include <cmath>
#include <vector>

#include "tests/widgets/view_records.h"
#include "widgets/run_store.h"

using namespace seesaw;
using namespace seesaw::widgets;
using namespace seesaw::test;

class RunStoreTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void storeKeepsColumnsAndFollowsTheLatestStep()
  {
    RunStore store;
    QSignalSpy cursor(&store, &RunStore::cursorChanged);
    store.begin(threeTasks());
    store.append(steps(1, 10));
    QCOMPARE(store.stepCount(), 10);
    QCOMPARE(store.pairName(2), QString("like / follow"));
    QCOMPARE(store.cosine(0)[3], -0.5);
    QCOMPARE(store.cosine(2)[9], double(0.1f));
    QCOMPARE(store.moduleCosine(1, 2)[1], double(0.1f * 6));
    QCOMPARE(store.cursor(), int64_t(10));
    // Moving the cursor back stops following; moving it to the end follows again.
    store.setCursor(4);
    QVERIFY(!store.followsLatest());
    store.append(steps(11, 12));
    QCOMPARE(store.cursor(), int64_t(4));
    store.setCursor(1000);  // clamped to the last step
    QCOMPARE(store.cursor(), int64_t(12));
    QVERIFY(store.followsLatest());
    QCOMPARE(cursor.last().at(0).toLongLong(), qint64(12));
    QCOMPARE(store.stepIndexAtOrBefore(0), -1);
    QCOMPARE(store.stepIndexAtOrBefore(5), 4);
  }

  // The cosine's diagonal is kept as recorded (1, or NaN for a zero gradient), and a step without
  // analysis (no matrix) leaves gaps in every cosine column rather than shifting them.
  void storeKeepsTheCosineDiagonalAndGapsAsRecorded()
  {
    RunStore store;
    store.begin(threeTasks());
    RecordBatch batch = steps(1, 3);
    batch.steps[1].cosine = {1, -0.5f, kNaN, -0.5f, 1, kNaN, kNaN, kNaN, kNaN};  // follow's gradient was zero
    batch.steps[2].cosine.clear();
    store.append(batch);
    QCOMPARE(store.selfCosine(0)[0], 1.0);
    QCOMPARE(store.selfCosine(0)[1], 1.0);
    QVERIFY(std::isnan(store.selfCosine(2)[1]));
    QVERIFY(std::isnan(store.cosine(1)[1]));
    QCOMPARE(store.cosine(0)[1], -0.5);
    for (int p = 0; p < 3; ++p) QVERIFY(std::isnan(store.cosine(p)[2]));
    for (int k = 0; k < 3; ++k) QVERIFY(std::isnan(store.selfCosine(k)[2]));
  }

  // The store holds the snapshot a batch brought, not a copy of it: a million users are held once.
  void storeSharesTheSnapshotItIsGiven()
  {
    RunStore store;
    store.begin(withUsers());
    RecordBatch batch = steps(1, 10);
    const PendingGeometry snapshot = snapshotAt(10);
    batch.snapshots = {snapshot};
    store.append(batch);
    QCOMPARE(store.snapshotCount(), 1);
    QCOMPARE(store.snapshot(0).get(), &snapshot.get());
    QCOMPARE(store.userHistory(3).size(), size_t(1));
    QCOMPARE(store.userHistory(3)[0].users.weight, (std::vector<float>{3.1f, 1, 1}));
  }
};

QTEST_MAIN(RunStoreTest)
#include "tst_run_store.moc"
