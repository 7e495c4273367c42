// The cosine matrix fed known records: the values, labels and colours of its cells.

#include <QtTest>

#include <cmath>

#include "tests/widgets/view_records.h"
#include "widgets/cosine_matrix_view.h"
#include "widgets/plot_style.h"

using namespace seesaw;
using namespace seesaw::widgets;
using namespace seesaw::test;

class CosineMatrixViewTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
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
    // The diagonal is the record's: a step where follow's gradient was zero holds NaN there (and in
    // follow's pairs), which the view shows as n/a, not as a self-cosine of 1.00.
    RecordBatch zero;
    zero.steps = {stepAt(81)};
    zero.steps[0].gradNorm[2] = 0;
    zero.steps[0].cosine = {1, -0.5f, kNaN, -0.5f, 1, kNaN, kNaN, kNaN, kNaN};
    store.append(zero);
    store.setCursor(81);
    QVERIFY(std::isnan(view.cellValue(2, 2)));
    QCOMPARE(view.cellLabel(2, 2), QString("n/a"));
    QVERIFY(std::isnan(view.cellValue(0, 2)));
    QCOMPARE(view.cellLabel(1, 1), QString("1.00"));
    QCOMPARE(view.cellValue(0, 1), -0.5);
    store.setCursor(80);
    QCOMPARE(view.cellLabel(2, 2), QString("1.00"));
    QCOMPARE(view.cellValue(2, 2), 1.0);
  }
};

QTEST_MAIN(CosineMatrixViewTest)
#include "tst_cosine_matrix_view.moc"
