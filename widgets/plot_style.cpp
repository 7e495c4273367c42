#include "widgets/plot_style.h"

#include <QMouseEvent>
#include <QToolButton>
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

namespace {

class StepTicker : public QCPAxisTicker
{
protected:
  double getTickStep(const QCPRange& range) override { return std::max(1.0, QCPAxisTicker::getTickStep(range)); }
};

constexpr int kPixelsPerTickX = 70;  // room for "100000" and a gap
constexpr int kPixelsPerTickY = 45;  // room for a line of text and a gap

const char* const kUsersView = "seesaw-users-view";

void setUsersView(QCustomPlot& plot, bool users)
{
  plot.setProperty(kUsersView, users);
  if (auto* button = plot.findChild<QToolButton*>(QStringLiteral("reset-view"), Qt::FindDirectChildrenOnly)) {
    button->setVisible(users);
    button->move(plot.width() - button->sizeHint().width() - 4, 2);
  }
}

}  // namespace

void addViewReset(QCustomPlot& plot, std::function<void()> reset)
{
  auto* button = new QToolButton(&plot);
  button->setObjectName(QStringLiteral("reset-view"));
  button->setText(QObject::tr("Reset view"));
  button->setToolTip(QObject::tr("fit the view to the data again (double-click); Shift+drag zooms to a box"));
  button->hide();
  plot.setSelectionRectMode(QCP::srmNone);
  const auto resetView = [&plot, reset] {
    setUsersView(plot, false);
    reset();
  };
  QObject::connect(button, &QToolButton::clicked, &plot, resetView);
  QObject::connect(&plot, &QCustomPlot::mouseDoubleClick, &plot, resetView);
  // A Shift+drag draws the zoom box; a plain drag pans. (The signal comes before QCustomPlot
  // decides between the two.)
  // The view becomes the user's when a press and its release (a pan, a box) leave the ranges
  // changed: a click with a shaky hand, or a drag on the legend, pans nothing and leaves it.
  auto pressedRanges = std::make_shared<std::pair<QCPRange, QCPRange>>();
  QObject::connect(&plot, &QCustomPlot::mousePress, &plot, [&plot, pressedRanges](QMouseEvent* event) {
    plot.setSelectionRectMode(event->modifiers() & Qt::ShiftModifier ? QCP::srmZoom : QCP::srmNone);
    *pressedRanges = {plot.xAxis->range(), plot.yAxis->range()};
  });
  QObject::connect(plot.selectionRect(), &QCPSelectionRect::accepted, &plot, [&plot] { setUsersView(plot, true); });
  QObject::connect(&plot, &QCustomPlot::mouseWheel, &plot, [&plot] { setUsersView(plot, true); });
  QObject::connect(&plot, &QCustomPlot::mouseRelease, &plot, [&plot, pressedRanges] {
    if (plot.xAxis->range() != pressedRanges->first || plot.yAxis->range() != pressedRanges->second) setUsersView(plot, true);
  });
  QObject::connect(&plot, &QCustomPlot::afterLayout, &plot, [&plot] { setUsersView(plot, viewIsUsers(plot)); });  // the button keeps to the corner
}

bool viewIsUsers(const QCustomPlot& plot) { return plot.property(kUsersView).toBool(); }

void forgetUsersView(QCustomPlot& plot) { setUsersView(plot, false); }

QSharedPointer<QCPAxisTicker> stepTicker() { return QSharedPointer<QCPAxisTicker>(new StepTicker); }

void spaceTicks(QCustomPlot& plot)
{
  QObject::connect(&plot, &QCustomPlot::beforeReplot, &plot, [&plot] {
    for (QCPAxisRect* rect : plot.axisRects())
      for (QCPAxis* axis : rect->axes()) {
        const bool horizontal = axis->orientation() == Qt::Horizontal;
        const int length = horizontal ? rect->width() : rect->height();
        axis->ticker()->setTickCount(std::max(2, length / (horizontal ? kPixelsPerTickX : kPixelsPerTickY)));
      }
  });
}

void placeLegendAbove(QCustomPlot& plot)
{
  QCPLegend* legend = plot.legend;
  QCPLayoutGrid* layout = plot.plotLayout();
  layout->insertRow(0);
  layout->addElement(0, 0, legend);  // takes it out of the axes' inset layout
  layout->setRowStretchFactor(0, 0.001);
  layout->setRowSpacing(0);
  legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  legend->setBorderPen(Qt::NoPen);
  legend->setBrush(Qt::NoBrush);
  legend->setMargins(QMargins(4, 3, 4, 2));
  legend->setFont(QFont(plot.font().family(), 8));
  legend->setIconSize(18, 10);  // a line sample, not the default 32 px that pushes entries to a second row
  legend->setVisible(true);
  // As many entries a row as the widest one allows.
  QObject::connect(&plot, &QCustomPlot::beforeReplot, &plot, [&plot, legend] {
    int widest = 1, items = 0;
    for (int i = 0; i < legend->itemCount(); ++i)  // a wrapped grid has empty cells: no item there
      if (QCPAbstractLegendItem* item = legend->item(i)) {
        item->setMargins(QMargins(0, 0, 0, 3));  // an item is clipped to its text's box, which cuts the underscores of is_click
        widest = std::max(widest, item->minimumOuterSizeHint().width() + legend->columnSpacing());
        ++items;
      }
    // (No more columns than entries: the grid would keep the empty ones, each a spacing wide.)
    const int perRow = std::clamp((plot.width() - 8) / widest, 1, std::max(items, 1));
    // Refilled when the width changes, and when removed entries left holes in the grid.
    const int rows = (items + perRow - 1) / perRow, columns = std::min(items, perRow);
    if (legend->wrap() != perRow || legend->rowCount() != rows || legend->columnCount() != columns) {
      legend->setWrap(perRow);
      legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
    }
  });
  QObject::connect(&plot, &QCustomPlot::legendClick, &plot, [&plot](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
    auto* entry = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!entry) return;
    QCPAbstractPlottable* series = entry->plottable();
    series->setVisible(!series->visible());
    entry->setTextColor(series->visible() ? Qt::black : QColor(170, 170, 170));
    plot.replot();
  });
}

void styleStepPlot(QCustomPlot& plot, const QString& valueLabel)
{
  plot.xAxis->setLabel(QStringLiteral("step"));
  plot.xAxis->setTicker(stepTicker());
  plot.xAxis->setNumberFormat(QStringLiteral("f"));
  plot.xAxis->setNumberPrecision(0);
  plot.yAxis->setLabel(valueLabel);
  plot.setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot.axisRect()->setRangeDrag(Qt::Horizontal);
  plot.axisRect()->setRangeZoom(Qt::Horizontal);
  placeLegendAbove(plot);
  spaceTicks(plot);
  plot.setNoAntialiasingOnDrag(true);
}

}  // namespace seesaw::widgets
