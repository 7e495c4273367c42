// Applied changes fed as records: marked on every time axis, one label per step.

#include <QtTest>

#include "tests/widgets/view_records.h"
#include "widgets/module_heatmap_view.h"
#include "widgets/step_plot.h"
#include "widgets/step_views.h"
#include "widgets/user_detail_view.h"
#include "widgets/user_distribution_view.h"

using namespace seesaw;
using namespace seesaw::widgets;
using namespace seesaw::test;

class ChangeMarksTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
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
};

QTEST_MAIN(ChangeMarksTest)
#include "tst_change_marks.moc"
