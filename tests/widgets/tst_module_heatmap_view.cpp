// The per-module heatmap fed known records: the averages its cells show.

#include <QtTest>

#include "tests/widgets/view_records.h"
#include "widgets/module_heatmap_view.h"

using namespace seesaw;
using namespace seesaw::widgets;
using namespace seesaw::test;

class ModuleHeatmapViewTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
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
};

QTEST_MAIN(ModuleHeatmapViewTest)
#include "tst_module_heatmap_view.moc"
