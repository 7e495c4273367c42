#include "widgets/plot_style.h"

#include <QMouseEvent>
#include <QToolTip>

#include <qcustomplot.h>

#include <memory>

#include <algorithm>
#include <array>
#include <cmath>

namespace seesaw::widgets {

QColor seriesColor(int index)
{
  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  static const std::array<QColor, 8> palette = {QColor(0, 114, 178),  QColor(230, 159, 0), QColor(0, 158, 115),
                                                QColor(204, 121, 167), QColor(86, 180, 233), QColor(213, 94, 0),
                                                QColor(240, 228, 66),  QColor(0, 0, 0)};
  return palette[static_cast<size_t>(index) % palette.size()];
}

QCPColorGradient cosineGradient()
{
  QCPColorGradient g;
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor(178, 24, 43));
  g.setColorStopAt(0.25, QColor(239, 138, 98));
  g.setColorStopAt(0.5, QColor(247, 247, 247));
  g.setColorStopAt(0.75, QColor(103, 169, 207));
  g.setColorStopAt(1.0, QColor(33, 102, 172));
  g.setColorInterpolation(QCPColorGradient::ciRGB);
  g.setNanHandling(QCPColorGradient::nhNanColor);
  g.setNanColor(QColor(220, 220, 220));
  g.setLevelCount(257);  // odd: 0 falls on the middle level, exactly white
  return g;
}

QCPColorGradient countGradient()
{
  QCPColorGradient g;
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor(255, 255, 255));
  g.setColorStopAt(0.3, QColor(158, 202, 225));
  g.setColorStopAt(1.0, QColor(8, 48, 107));
  g.setColorInterpolation(QCPColorGradient::ciRGB);
  g.setNanHandling(QCPColorGradient::nhTransparent);
  g.setLevelCount(256);
  return g;
}

QCPItemStraightLine* addStepCursor(QCustomPlot& plot)
{
  // On a buffered layer of its own: moving it redraws that layer alone, not the data under it
  // (a plot over 10^5 steps redraws in tens of ms; the cursor in well under one).
  const QString layer = QStringLiteral("step-cursor");
  if (!plot.layer(layer)) {
    plot.addLayer(layer, plot.layer(QStringLiteral("main")), QCustomPlot::limAbove);
    plot.layer(layer)->setMode(QCPLayer::lmBuffered);
  }
  auto* cursor = new QCPItemStraightLine(&plot);
  cursor->setLayer(layer);
  cursor->setPen(QPen(QColor(60, 60, 60), 1, Qt::DashLine));
  return cursor;
}

void moveStepCursor(QCPItemStraightLine& cursor, double step)
{
  cursor.point1->setCoords(step, 0);
  cursor.point2->setCoords(step, 1);
  cursor.layer()->replot();
}

QCPRange readableRange(const QCPRange& values, bool logScale)
{
  if (logScale) return QCPRange(values.lower / 1.5, values.upper * 1.5);
  const double span = values.upper - values.lower, magnitude = std::max(std::abs(values.lower), std::abs(values.upper));
  if (span <= 1e-4 * std::max(magnitude, 1.0)) {
    const double half = std::max(0.5 * magnitude, 0.5);
    return QCPRange(values.center() - half, values.center() + half);
  }
  return QCPRange(values.lower - 0.05 * span, values.upper + 0.05 * span);
}

namespace {

class ValueTooltip : public QObject
{
public:
  ValueTooltip(QCustomPlot& plot, std::function<QString(double, double)> describe)
      : QObject(&plot), plot_(plot), describe_(std::move(describe))
  {
  }

  bool eventFilter(QObject* watched, QEvent* event) override
  {
    if (watched == &plot_ && event->type() == QEvent::MouseMove) {
      auto* mouse = static_cast<QMouseEvent*>(event);
      const QString text = describe_(plot_.xAxis->pixelToCoord(mouse->position().x()), plot_.yAxis->pixelToCoord(mouse->position().y()));
      if (!text.isEmpty()) QToolTip::showText(mouse->globalPosition().toPoint(), text, &plot_);
    }
    return false;
  }

private:
  QCustomPlot& plot_;
  std::function<QString(double, double)> describe_;
};

}  // namespace

void addValueTooltip(QCustomPlot& plot, std::function<QString(double x, double y)> describe)
{
  plot.setMouseTracking(true);
  plot.installEventFilter(new ValueTooltip(plot, std::move(describe)));
}

void onPlotClick(QCustomPlot& plot, std::function<void(const QPointF& at)> clicked)
{
  auto pressedAt = std::make_shared<QPointF>();
  QObject::connect(&plot, &QCustomPlot::mousePress, &plot, [pressedAt](QMouseEvent* event) { *pressedAt = event->position(); });
  QObject::connect(&plot, &QCustomPlot::mouseRelease, &plot, [pressedAt, clicked = std::move(clicked)](QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && (event->position() - *pressedAt).manhattanLength() < 4) clicked(event->position());
  });
}

void styleStepPlot(QCustomPlot& plot, const QString& valueLabel)
{
  plot.xAxis->setLabel(QStringLiteral("step"));
  plot.yAxis->setLabel(valueLabel);
  plot.setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot.axisRect()->setRangeDrag(Qt::Horizontal);
  plot.axisRect()->setRangeZoom(Qt::Horizontal);
  plot.legend->setVisible(true);
  plot.legend->setFont(QFont(plot.font().family(), 8));
  plot.legend->setBrush(QColor(255, 255, 255, 200));
  plot.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  plot.setNoAntialiasingOnDrag(true);
}

}  // namespace seesaw::widgets
