// Every view before and after its records arrive: what an empty view says it waits for.

#include <QtTest>

#include <memory>

#include "tests/widgets/view_records.h"
#include "widgets/cosine_matrix_view.h"
#include "widgets/empty_notice.h"
#include "widgets/step_plot.h"
#include "widgets/step_views.h"
#include "widgets/user_detail_view.h"
#include "widgets/user_scatter_view.h"
#include "widgets/user_table.h"

using namespace seesaw;
using namespace seesaw::widgets;
using namespace seesaw::test;

class EmptyNoticeTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  // An empty view says what it waits for (a run, its first step, evaluation or snapshot, a user to
  // be picked), not axes with invented ranges; once the run has ended, what it never recorded.
  void emptyViewsSayWhatTheyWaitFor()
  {
    RunStore store;
    std::unique_ptr<StepPlot> loss(makeLossPlot(store)), valid(makeValidationPlot(store));
    CosineMatrixView matrix(store);
    UserScatterView scatter(store);
    UserDetailView detail(store);
    UserTableView table(store);
    const auto notice = [](const QWidget& view) { return emptyNotice(view) ? emptyNotice(view)->text() : QString(); };
    const auto& scatterPlot = *scatter.findChild<QCustomPlot*>();
    const auto& detailPlot = *detail.findChild<QCustomPlot*>();
    for (const QWidget* view : std::initializer_list<const QWidget*>{loss.get(), valid.get(), &matrix, &scatterPlot, &detailPlot, &table.table()})
      QVERIFY2(notice(*view).startsWith("No run yet"), qPrintable(notice(*view)));
    store.begin(withUsers());
    QCOMPARE(notice(*loss), QString("Waiting for the run's first training step."));
    QCOMPARE(notice(*valid), QString("Waiting for the run's first evaluation."));
    QCOMPARE(notice(scatterPlot), QString("Waiting for the first per-user snapshot: one every 10 steps."));
    QCOMPARE(notice(table.table()), notice(scatterPlot));
    store.append(steps(1, 10));
    QCOMPARE(notice(*loss), QString());
    QCOMPARE(notice(matrix), QString());
    QCOMPARE(notice(*valid), QString("Waiting for the run's first evaluation."));
    RecordBatch snapshot;
    snapshot.snapshots.push_back(snapshotAt(10));
    store.append(snapshot);
    QCOMPARE(notice(scatterPlot), QString());
    QCOMPARE(notice(table.table()), QString());
    QVERIFY2(notice(detailPlot).startsWith("Click a user"), qPrintable(notice(detailPlot)));
    store.setSelectedUser(1);
    QCOMPARE(notice(detailPlot), QString());
    store.end(RunEnd{});
    QCOMPARE(notice(*valid), QString("This run recorded no evaluation."));
    // A run without per-user geometry says so in every per-user view.
    RunInfo noUsers = threeTasks();
    store.begin(noUsers);
    QCOMPARE(notice(scatterPlot), QString("This run records no per-user geometry (train.user_snapshot_every is 0)."));
    QCOMPARE(notice(detailPlot), notice(scatterPlot));
  }
};

QTEST_MAIN(EmptyNoticeTest)
#include "tst_empty_notice.moc"
