// The views fed known records: what they show, cell by cell and point by point.

#include <QtTest>

#include <cmath>
#include <limits>
#include <memory>
#include <random>

#include "tests/widgets/view_records.h"
#include "widgets/cosine_matrix_view.h"
#include "widgets/empty_notice.h"
#include "widgets/module_heatmap_view.h"
#include "widgets/plot_style.h"
#include "widgets/run_store.h"
#include "widgets/step_plot.h"
#include "widgets/step_views.h"
#include "widgets/user_detail_view.h"
#include "widgets/user_distribution_view.h"
#include "widgets/user_quantity.h"
#include "widgets/user_scatter_view.h"
#include "widgets/user_table.h"

using namespace seesaw;
using namespace seesaw::widgets;
using namespace seesaw::test;

class ViewsTest : public QObject
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

  void cosineMatrixShowsTheCursorStepOnTheFixedScale()
  {
    RunStore store;
    CosineMatrixView view(store);
    view.resize(500, 400);
    store.begin(threeTasks());
    QVERIFY(std::isnan(view.cellValue(0, 1)));  // no step yet
    store.append(steps(1, 80));
    QCOMPARE(view.cellValue(0, 1), -0.5);
    QCOMPARE(view.cellValue(1, 0), -0.5);
    QCOMPARE(view.cellValue(2, 1), double(0.8f));
    QCOMPARE(view.cellLabel(1, 2), QString("0.80"));
    QCOMPARE(view.cellLabel(0, 0), QString("1.00"));
    store.setCursor(30);
    QCOMPARE(view.cellLabel(2, 1), QString("0.30"));
    // The colour scale is fixed at [-1, 1]: -1 red, 0 white, +1 blue, whatever the data's range.
    QCOMPARE(QColor::fromRgba(cosineGradient().color(-1, QCPRange(-1, 1))), QColor(178, 24, 43));
    QCOMPARE(QColor::fromRgba(cosineGradient().color(0, QCPRange(-1, 1))), QColor(247, 247, 247));
    QCOMPARE(QColor::fromRgba(cosineGradient().color(1, QCPRange(-1, 1))), QColor(33, 102, 172));
    // What is drawn: the pixel at each cell's centre has the cell's colour.
    view.replot();
    const QImage image = view.toPixmap(500, 400).toImage();
    for (int k = 0; k < 3; ++k)
      for (int l = 0; l < 3; ++l) {
        const QPoint centre(static_cast<int>(view.xAxis->coordToPixel(l + 0.3)), static_cast<int>(view.yAxis->coordToPixel(k + 0.3)));
        const QColor drawn = image.pixelColor(centre), want = view.cellColor(k, l);
        QVERIFY2(std::abs(drawn.red() - want.red()) + std::abs(drawn.green() - want.green()) + std::abs(drawn.blue() - want.blue()) < 12,
                 qPrintable(QString("cell %1,%2: drawn %3, want %4").arg(k).arg(l).arg(drawn.name(), want.name())));
      }
  }

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

  void moduleHeatmapAveragesColumnsOfSteps()
  {
    RunStore store;
    ModuleHeatmapView view(store);
    store.begin(threeTasks());
    store.append(steps(1, 10));
    view.setPair(1);
    // Ten steps, ten columns: each column is its own step.
    QCOMPARE(view.valueAt(0, 2), double(0.1f * 2));
    QCOMPARE(view.describe(3, 1), QString("expert0, step 3\ncosine click / follow: -0.400"));
    QCOMPARE(view.valueAt(1, 3), double(-0.1f * 4));
    // 2000 steps in kMaxColumns = 1000 columns: each the mean of two steps, one odd, one even.
    store.begin(threeTasks());
    store.append(steps(1, 2000));
    QCOMPARE(view.valueAt(1, 1001), 0.0);
  }

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
    batch.snapshots = {s};
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

  void appliedChangesAreMarkedOnEveryTimeAxis()
  {
    RunStore store;
    StepPlot* loss = makeLossPlot(store);
    ModuleHeatmapView modules(store);
    UserDistributionView distribution(store);
    UserDetailView detail(store);
    store.begin(withUsers());
    RecordBatch batch = steps(1, 20);
    batch.snapshots = {snapshotAt(10), snapshotAt(20)};
    batch.changes = {{12, "train.lr", "0.001", "0.0005", ""}, {15, "method.name", "\"ew\"", "\"nope\"", "unknown method"},
                     {17, "method.name", "\"ew\"", "\"pcgrad\"", ""}, {17, "train.task_weights", "[1,1]", "[2,1]", ""}};
    store.append(batch);
    store.setSelectedUser(0);
    // The applied change is labelled where it took effect; the refused one is not drawn.
    const auto labels = [](const QCustomPlot& plot) {
      QStringList texts;
      for (int i = 0; i < plot.itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(plot.item(i))) texts << text->text();
      return texts;
    };
    const std::vector<const QCustomPlot*> plots = {loss, modules.plot(), distribution.findChild<QCustomPlot*>(), detail.plot()};
    for (const QCustomPlot* plot : plots) {
      const QStringList texts = labels(*plot);
      QVERIFY2(texts.contains(" lr = 0.0005"), qPrintable(texts.join('|')));
      QVERIFY(!texts.join('|').contains("nope"));
      // Changes at one step share a label, a line each, the method by its name.
      QVERIFY2(texts.contains(" method: pcgrad\n task_weights = [2,1]"), qPrintable(texts.join('|')));
      QCOMPARE(texts.size(), 2);
    }
    // A new run starts without them.
    store.begin(withUsers());
    QVERIFY(labels(*modules.plot()).isEmpty());
    QVERIFY(labels(*distribution.findChild<QCustomPlot*>()).isEmpty());
    delete loss;
  }

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
};

QTEST_MAIN(ViewsTest)
#include "tst_views.moc"
