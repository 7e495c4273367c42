// The plots over steps fed known records: the points they hold, the values they show, their
// cursor, legend, smoothing, zoom and ticks.

#include <QtTest>
#include <QToolButton>

#include <cmath>
#include <memory>

#include "tests/widgets/view_records.h"
#include "widgets/plot_style.h"
#include "widgets/run_store.h"
#include "widgets/step_plot.h"
#include "widgets/step_views.h"

using namespace seesaw;
using namespace seesaw::widgets;
using namespace seesaw::test;

class StepPlotTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void stepPlotsAddOnlyNewPointsAndShowExactValues()
  {
    RunStore store;
    StepPlot* cosine = makeCosinePlot(store);
    store.begin(threeTasks());
    QCOMPARE(cosine->seriesCount(), 3);
    store.append(steps(1, 50));
    store.append(steps(51, 60));
    QCOMPARE(cosine->pointCount(0), 60);
    QCOMPARE(cosine->valuesAt(42.2), QString("step 42\nclick / like: -0.5\nclick / follow: 0.25\nlike / follow: 0.42"));
    // A new run starts the plot over.
    store.begin(threeTasks());
    store.append(steps(1, 5));
    QCOMPARE(cosine->pointCount(2), 5);
    delete cosine;
  }

  void theCursorIsDrawnWhereItIsAndOnlyThere()
  {
    RunStore store;
    std::unique_ptr<StepPlot> plot(makeLossPlot(store));
    QVERIFY(showSteps(*plot, store, QSize(800, 300), 100));
    // The cursor has a layer of its own: moving it redraws that layer, and the picture shows it
    // at its new step and no longer at its old one.
    const auto darkAt = [&](int64_t step) {
      const QImage image = plot->grab().toImage();
      const int x = static_cast<int>(std::lround(plot->xAxis->coordToPixel(static_cast<double>(step))));
      int dark = 0;
      for (int y = plot->axisRect()->top() + 5; y < plot->axisRect()->bottom() - 5; ++y)
        for (int dx = -1; dx <= 1; ++dx) dark += qGray(image.pixel(x + dx, y)) < 200;  // antialiased: a line between two columns is half grey in each
      return dark;
    };
    store.setCursor(33);
    QVERIFY2(darkAt(33) > 20, "the cursor is drawn at step 33");
    const int background = darkAt(67);
    store.setCursor(67);
    QVERIFY2(darkAt(67) > background + 20, "the cursor moved to step 67");
    QVERIFY2(darkAt(33) < 20, "and left step 33");
    // A click on the plot moves the cursor there; a drag pans and leaves it.
    const auto pixelOf = [&](double step) { return QPoint(static_cast<int>(plot->xAxis->coordToPixel(step)), plot->axisRect()->center().y()); };
    QTest::mouseClick(plot.get(), Qt::LeftButton, {}, pixelOf(55));
    QCOMPARE(store.cursor(), int64_t(55));
    QTest::mousePress(plot.get(), Qt::LeftButton, {}, pixelOf(20));
    QMouseEvent move(QEvent::MouseMove, pixelOf(10), plot->mapToGlobal(pixelOf(10)), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(plot.get(), &move);
    QTest::mouseRelease(plot.get(), Qt::LeftButton, {}, pixelOf(10));
    QCOMPARE(store.cursor(), int64_t(55));
  }

  // The legend sits above the axes, where it hides no step; a click on an entry hides its series
  // (out of the value range and the tooltip) and a second click shows it again.
  void legendsSitAboveTheDataAndAClickHidesASeries()
  {
    RunStore store;
    std::unique_ptr<StepPlot> loss(makeLossPlot(store));
    QVERIFY(showSteps(*loss, store, QSize(700, 300), 20));
    QVERIFY(loss->legend->outerRect().bottom() <= loss->axisRect()->outerRect().top());
    QCOMPARE(loss->legend->wrap() >= 3, true);  // three tasks on one row at 700 px
    QCOMPARE(loss->yAxis->range().upper > 0.9, true);  // click's loss reaches 1
    const QPoint click = loss->legend->item(0)->outerRect().center();
    const QCPAbstractPlottable* clickSeries = static_cast<QCPPlottableLegendItem*>(loss->legend->item(0))->plottable();
    QTest::mouseClick(loss.get(), Qt::LeftButton, {}, click);
    QVERIFY(!clickSeries->visible());
    QVERIFY2(!loss->valuesAt(1).contains("click"), qPrintable(loss->valuesAt(1)));
    store.append(steps(21, 22));  // a refit leaves the hidden series out
    QCOMPARE(loss->yAxis->range().upper < 0.6, true);
    QTest::mouseClick(loss.get(), Qt::LeftButton, {}, click);
    QVERIFY(clickSeries->visible());
  }

  // Smoothing draws TensorBoard's debiased moving average over the raw values (faint), and the
  // tooltip gives both; it applies to the points already there and to those still to come.
  void smoothingDrawsTheDebiasedAverageOverTheRawValues()
  {
    RunStore store;
    std::unique_ptr<StepPlot> loss(makeLossPlot(store));
    store.begin(threeTasks());
    store.append(steps(1, 2));
    loss->setSmoothing(0.5);
    store.append(steps(3, 3));
    auto* legendItem = static_cast<QCPPlottableLegendItem*>(loss->legend->item(0));
    const auto* clickAverage = static_cast<const QCPGraph*>(legendItem->plottable());
    QCOMPARE(clickAverage->name(), QString("click (smoothed)"));
    QCOMPARE(clickAverage->dataCount(), 3);
    // click's loss is 1/s: averages 0.5, 0.5, 0.41667 over weights 0.5, 0.75, 0.875.
    const double expected[] = {1.0, 0.5 / 0.75, (0.25 + 0.5 / 3) / 0.875};
    for (int j = 0; j < 3; ++j) QVERIFY(std::abs((clickAverage->data()->constBegin() + j)->value - expected[j]) < 1e-6);
    QVERIFY2(loss->valuesAt(2).contains("click: 0.6667 (raw 0.5)"), qPrintable(loss->valuesAt(2)));
    int faint = 0;
    for (int g = 0; g < loss->graphCount(); ++g) faint += loss->graph(g)->visible() && loss->graph(g)->pen().color().alpha() < 255;
    QCOMPARE(faint, 3);
    loss->setSmoothing(0);
    QCOMPARE((clickAverage->data()->constBegin() + 1)->value, 0.5);
    QCOMPARE(clickAverage->name(), QString("click"));
    faint = 0;
    for (int g = 0; g < loss->graphCount(); ++g) faint += loss->graph(g)->visible() && loss->graph(g)->pen().color().alpha() < 255;
    QCOMPARE(faint, 0);
  }

  // Shift+drag zooms to a box; the view is then the user's (new steps do not refit it) until
  // "Reset view" fits the data again.
  void boxZoomHoldsUntilTheViewIsReset()
  {
    RunStore store;
    std::unique_ptr<StepPlot> loss(makeLossPlot(store));
    QVERIFY(showSteps(*loss, store, QSize(700, 300), 100));
    auto* reset = loss->findChild<QToolButton*>("reset-view");
    QVERIFY(reset && !reset->isVisible());
    QTest::mouseClick(loss.get(), Qt::LeftButton, {}, QPoint(loss->width() / 2, loss->height() / 2));  // a click pans nothing
    QVERIFY(!reset->isVisible() && !viewIsUsers(*loss));
    const auto pixelOf = [&](double step, double value) { return QPoint(int(loss->xAxis->coordToPixel(step)), int(loss->yAxis->coordToPixel(value))); };
    QTest::mousePress(loss.get(), Qt::LeftButton, Qt::ShiftModifier, pixelOf(20, 0.45));
    QMouseEvent move(QEvent::MouseMove, pixelOf(40, 0.2), loss->mapToGlobal(pixelOf(40, 0.2)), Qt::NoButton, Qt::LeftButton, Qt::ShiftModifier);
    QApplication::sendEvent(loss.get(), &move);
    QTest::mouseRelease(loss.get(), Qt::LeftButton, Qt::ShiftModifier, pixelOf(40, 0.2));
    QVERIFY2(std::abs(loss->xAxis->range().lower - 20) < 1 && std::abs(loss->xAxis->range().upper - 40) < 1,
             qPrintable(QString("%1 %2").arg(loss->xAxis->range().lower).arg(loss->xAxis->range().upper)));
    QVERIFY(std::abs(loss->yAxis->range().upper - 0.45) < 0.01);
    QVERIFY(reset->isVisible());
    store.append(steps(101, 110));
    QVERIFY(std::abs(loss->xAxis->range().upper - 40) < 1);  // the user's view stays
    reset->click();
    QCOMPARE(loss->xAxis->range().upper, 110.0);
    QVERIFY(!reset->isVisible());
  }

  // Ticks are spaced by the axis' length, and the step axis ticks whole steps.
  void ticksFitTheAxisAndStepsAreWhole()
  {
    RunStore store;
    std::unique_ptr<StepPlot> valid(makeValidationPlot(store));
    valid->resize(300, 200);
    valid->show();
    QVERIFY(QTest::qWaitForWindowExposed(valid.get()));
    store.begin(threeTasks());
    RecordBatch one;
    EvalRecord e;
    e.step = 100;
    e.split = "valid";
    e.auc = {0.7, 0.6, 0.5};
    e.gauc = {0.6, 0.5, 0.4};
    e.logloss = {0.3, 0.3, 0.3};
    e.mse = {std::nan(""), std::nan(""), std::nan("")};
    one.evals.push_back(e);
    store.append(one);
    valid->replot(QCustomPlot::rpImmediateRefresh);
    QCOMPARE(valid->xAxis->range().lower, 0.0);  // one evaluation, shown from step 0
    const QVector<double> ticks = valid->xAxis->tickVector();
    QVERIFY(!ticks.isEmpty());
    for (double t : ticks) QCOMPARE(t, std::round(t));
    QVERIFY2(ticks.size() <= 300 / 70 + 2, qPrintable(QString::number(ticks.size())));
  }

  void constantSeriesGetAReadableRange()
  {
    RunStore store;
    StepPlot* weights = makeWeightPlot(store);
    store.begin(threeTasks());
    for (int64_t s = 1; s <= 50; s += 10) store.append(steps(s, s + 9));  // EW: every weight 1, at every refresh
    QCOMPARE(weights->yAxis->range().lower, 0.5);
    QCOMPARE(weights->yAxis->range().upper, 1.5);
    delete weights;
  }

  void longSeriesStayWhole()
  {
    RunStore store;
    StepPlot* loss = makeLossPlot(store);
    loss->resize(800, 300);
    store.begin(threeTasks());
    for (int64_t s = 1; s <= 100000; s += 10000) store.append(steps(s, s + 9999));
    QCOMPARE(loss->pointCount(0), 100000);
    QCOMPARE(loss->valuesAt(99999), QString("step 99999\nclick: 1.0000e-05\nlike: 0.5\nfollow: 0.25").replace("1.0000e-05", QString::number(1.0f / 99999.0f, 'g', 4)));
    delete loss;
  }
};

QTEST_MAIN(StepPlotTest)
#include "tst_step_plot.moc"
