#include "widgets/step_plot.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "widgets/change_marks.h"
#include "widgets/plot_style.h"
#include "widgets/run_store.h"

namespace seesaw::widgets {
namespace {

constexpr int kMaxFlagMarks = 500;  // past this many flagged steps the marks would hide the curves
constexpr int kAntialiasedPoints = 20000;

}  // namespace

StepPlot::StepPlot(RunStore& store, StepPlotOptions options, SeriesOf seriesOf, QWidget* parent)
    : QCustomPlot(parent), store_(store), options_(std::move(options)), seriesOf_(std::move(seriesOf))
{
  styleStepPlot(*this, options_.valueLabel);
  if (!options_.title.isEmpty()) {
    plotLayout()->insertRow(0);
    plotLayout()->addElement(0, 0, new QCPTextElement(this, options_.title, QFont(font().family(), 10, QFont::Bold)));
  }
  if (options_.logScale) {
    yAxis->setScaleType(QCPAxis::stLogarithmic);
    yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  }
  if (options_.fixedRange) yAxis->setRange(*options_.fixedRange);
  setMouseTracking(true);
  onPlotClick(*this, [this](const QPointF& at) {
    if (axisRect()->rect().contains(at.toPoint())) store_.setCursor(std::llround(xAxis->pixelToCoord(at.x())));
  });
  connect(&store_, &RunStore::runBegan, this, &StepPlot::rebuild);
  connect(&store_, &RunStore::grown, this, &StepPlot::grow);
  connect(&store_, &RunStore::cursorChanged, this, &StepPlot::moveCursor);
  rebuild();
}

void StepPlot::rebuild()
{
  clearGraphs();
  clearItems();
  graphs_.clear();
  series_ = store_.started() ? seriesOf_(store_) : std::vector<StepSeries>{};
  added_.assign(series_.size(), 0);
  flagsAdded_ = 0;
  changesMarked_ = 0;
  for (const StepSeries& s : series_) {
    QCPGraph* g = addGraph();
    g->setName(s.name);
    g->setPen(QPen(s.color, 1));  // width 1: the raster engine strokes wider pens 300x slower (bench/gui_latency)
    g->setAdaptiveSampling(true);
    graphs_.push_back(g);
  }
  if (options_.shadeConflict) {
    // The band below zero, behind the curves. (Filling each curve down to zero instead costs a
    // second per redraw at a few thousand points: the raster engine fills zigzag polygons slowly.)
    auto* band = new QCPItemRect(this);
    band->setLayer(QStringLiteral("background"));
    band->topLeft->setTypeX(QCPItemPosition::ptAxisRectRatio);
    band->bottomRight->setTypeX(QCPItemPosition::ptAxisRectRatio);
    band->topLeft->setCoords(0, 0);
    band->bottomRight->setCoords(1, -1e9);
    band->setPen(Qt::NoPen);
    band->setBrush(QColor(178, 24, 43, 28));
    auto* zero = new QCPItemStraightLine(this);
    zero->point1->setCoords(0, 0);
    zero->point2->setCoords(1, 0);
    zero->setPen(QPen(QColor(120, 120, 120), 1));
  }
  cursor_ = addStepCursor(*this);
  cursor_->setVisible(false);
  grow();
}

void StepPlot::grow()
{
  for (size_t i = 0; i < series_.size(); ++i) {
    const QVector<double>& keys = series_[i].keys(store_);
    const QVector<double>& values = series_[i].values(store_);
    const int n = static_cast<int>(std::min(keys.size(), values.size()));
    if (n <= added_[i]) continue;
    const QVector<double> newKeys = keys.mid(added_[i], n - added_[i]);
    const QVector<double> newValues = values.mid(added_[i], n - added_[i]);
    graphs_[i]->addData(newKeys, newValues, true);
    // Past this many points antialiased lines cost three times more to draw and look no better.
    graphs_[i]->setAntialiased(n < kAntialiasedPoints);
    added_[i] = n;
  }
  changesMarked_ = markChanges(*this, store_, changesMarked_);
  const QVector<double>& flagged = store_.flaggedSteps();
  for (; flagsAdded_ < std::min<int>(static_cast<int>(flagged.size()), kMaxFlagMarks); ++flagsAdded_) {
    auto* mark = new QCPItemStraightLine(this);
    mark->point1->setCoords(flagged[flagsAdded_], 0);
    mark->point2->setCoords(flagged[flagsAdded_], 1);
    mark->setPen(QPen(QColor(200, 0, 0, 150), 1, Qt::DotLine));
  }
  if (store_.followsLatest()) fitRanges();
  scheduleReplot();
}

void StepPlot::fitRanges()
{
  bool any = false;
  double lo = 0, hi = 0;
  for (QCPGraph* g : graphs_) {
    bool found = false;
    const QCPRange keys = g->getKeyRange(found);
    if (!found) continue;
    lo = any ? std::min(lo, keys.lower) : keys.lower;
    hi = any ? std::max(hi, keys.upper) : keys.upper;
    any = true;
  }
  if (!any) return;
  xAxis->setRange(lo, hi > lo ? hi : lo + 1);
  if (options_.fixedRange) return;
  // The values' own range, padded; a range derived from the axis' last one would creep.
  bool found = false;
  QCPRange values;
  for (QCPGraph* g : graphs_) {
    bool has = false;
    const QCPRange r = g->getValueRange(has, options_.logScale ? QCP::sdPositive : QCP::sdBoth, xAxis->range());
    if (!has) continue;
    values = found ? QCPRange(std::min(values.lower, r.lower), std::max(values.upper, r.upper)) : r;
    found = true;
  }
  if (found) yAxis->setRange(readableRange(values, options_.logScale));
}

void StepPlot::moveCursor()
{
  const double step = static_cast<double>(store_.cursor());
  cursor_->setVisible(store_.stepCount() > 0);
  moveStepCursor(*cursor_, step);
}

void StepPlot::scheduleReplot()
{
  // At most one redraw every 33 ms, and one every 5 redraw times when drawing is slow (long
  // series), but at least 10 a second: a plot never takes more than its share of the GUI thread.
  if (replotPending_) return;
  replotPending_ = true;
  const qint64 interval = std::clamp<qint64>(5 * lastReplotMs_, 33, 100);
  const qint64 wait = sinceReplot_.isValid() ? std::max<qint64>(0, interval - sinceReplot_.elapsed()) : 0;
  QTimer::singleShot(static_cast<int>(wait), this, [this] {
    replotPending_ = false;
    QElapsedTimer drawing;
    drawing.start();
    replot();
    lastReplotMs_ = drawing.elapsed();
    sinceReplot_.start();
  });
}

int StepPlot::pointCount(int series) const { return graphs_.at(static_cast<size_t>(series))->dataCount(); }

QString StepPlot::valuesAt(double step) const
{
  QStringList lines;
  for (size_t i = 0; i < series_.size(); ++i) {
    const QCPGraphDataContainer& points = *graphs_[i]->data();
    if (points.isEmpty()) continue;
    auto it = points.findBegin(step, true);
    if (it != points.constEnd() && std::next(it) != points.constEnd() && std::abs(std::next(it)->key - step) < std::abs(it->key - step))
      ++it;
    if (lines.isEmpty()) lines << QStringLiteral("step %1").arg(it->key, 0, 'f', 0);
    lines << QStringLiteral("%1: %2").arg(series_[i].name, std::isnan(it->value) ? QStringLiteral("NaN") : QString::number(it->value, 'g', 4));
  }
  return lines.join('\n');
}

void StepPlot::mouseMoveEvent(QMouseEvent* event)
{
  QCustomPlot::mouseMoveEvent(event);
  if (event->buttons() != Qt::NoButton || !axisRect()->rect().contains(event->pos())) return;
  const QString text = valuesAt(xAxis->pixelToCoord(event->pos().x()));
  if (!text.isEmpty()) QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

}  // namespace seesaw::widgets
