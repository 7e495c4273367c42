#include "widgets/step_plot.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "widgets/change_marks.h"
#include "widgets/empty_notice.h"
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
  addViewReset(*this, [this] {
    fitRanges();
    replot();
  });
  connect(this, &QCustomPlot::legendClick, this, &StepPlot::showRawWithSmoothed);  // after the legend's own toggle
  connect(&store_, &RunStore::runBegan, this, &StepPlot::rebuild);
  connect(&store_, &RunStore::grown, this, &StepPlot::grow);
  connect(&store_, &RunStore::cursorChanged, this, &StepPlot::moveCursor);
  connect(&store_, &RunStore::runEnded, this, &StepPlot::updateNotice);
  rebuild();
}

void StepPlot::rebuild()
{
  clearGraphs();
  clearItems();
  forgetUsersView(*this);
  graphs_.clear();
  raw_.clear();
  series_ = store_.started() ? seriesOf_(store_) : std::vector<StepSeries>{};
  added_.assign(series_.size(), 0);
  averages_.assign(series_.size(), Average{});
  flagsAdded_ = 0;
  changesMarked_ = 0;
  for (const StepSeries& s : series_) {
    QCPGraph* raw = addGraph();  // first: under the average
    raw->setName(s.name + QStringLiteral(" (raw)"));
    QColor faint = s.color;
    faint.setAlpha(70);
    raw->setPen(QPen(faint, 1));
    raw->setAdaptiveSampling(true);
    raw->removeFromLegend();
    raw_.push_back(raw);
    QCPGraph* g = addGraph();
    g->setName(smoothing_ > 0 ? s.name + QStringLiteral(" (smoothed)") : s.name);
    g->setPen(QPen(s.color, 1));  // width 1: the raster engine strokes wider pens 300x slower (bench/gui_latency)
    g->setAdaptiveSampling(true);
    if (options_.markPoints) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
    graphs_.push_back(g);
  }
  showRawWithSmoothed();
  if (options_.shadeConflict) {
    // The band below zero, behind the curves. (Filling each curve down to zero instead costs a
    // second per redraw at a few thousand points: the raster engine fills zigzag polygons slowly.)
    // From 0 (or the top, when 0 is above it) to the axes' bottom edge: inside the axes, where
    // an SVG export, which clips nothing, draws it too.
    auto* band = new QCPItemRect(this);
    band->setLayer(QStringLiteral("background"));
    band->topLeft->setTypeX(QCPItemPosition::ptAxisRectRatio);
    band->bottomRight->setType(QCPItemPosition::ptAxisRectRatio);
    band->bottomRight->setCoords(1, 1);
    const auto fitBand = [this, band] {
      const QCPRange r = yAxis->range();
      band->setVisible(r.lower < 0);
      band->topLeft->setCoords(0, std::min(0.0, r.upper));
    };
    connect(yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), band, fitBand);
    fitBand();
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
    if (smoothing_ > 0) {
      raw_[i]->addData(newKeys, newValues, true);
      graphs_[i]->addData(newKeys, smoothed(i, newValues), true);
    } else {
      graphs_[i]->addData(newKeys, newValues, true);
    }
    // Past this many points antialiased lines cost three times more to draw and look no better.
    graphs_[i]->setAntialiased(n < kAntialiasedPoints);
    raw_[i]->setAntialiased(n < kAntialiasedPoints);
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
  if (store_.followsLatest() && !viewIsUsers(*this)) fitRanges();
  updateNotice();
  scheduleReplot();
}

QVector<double> StepPlot::smoothed(size_t i, const QVector<double>& values)
{
  // TensorBoard's smoothing: an exponential moving average divided by the weight its terms sum to,
  // so that the first values are not pulled toward 0. A NaN is drawn as NaN and skipped.
  Average& a = averages_[i];
  QVector<double> out(values.size());
  for (qsizetype j = 0; j < values.size(); ++j) {
    const double v = values[j];
    if (!std::isfinite(v)) {
      out[j] = v;
      continue;
    }
    a.value = smoothing_ * a.value + (1 - smoothing_) * v;
    ++a.count;
    out[j] = a.value / (1 - std::pow(smoothing_, a.count));
  }
  return out;
}

void StepPlot::setSmoothing(double weight)
{
  if (std::clamp(weight, 0.0, 0.999) == smoothing_) return;
  smoothing_ = std::clamp(weight, 0.0, 0.999);
  for (size_t i = 0; i < graphs_.size(); ++i) {
    graphs_[i]->data()->clear();
    raw_[i]->data()->clear();
    graphs_[i]->setName(smoothing_ > 0 ? series_[i].name + QStringLiteral(" (smoothed)") : series_[i].name);
  }
  added_.assign(series_.size(), 0);
  averages_.assign(series_.size(), Average{});
  showRawWithSmoothed();
  grow();
}

void StepPlot::showRawWithSmoothed()
{
  for (size_t i = 0; i < raw_.size(); ++i) raw_[i]->setVisible(smoothing_ > 0 && graphs_[i]->visible());
  scheduleReplot();
}

void StepPlot::updateNotice()
{
  const bool empty = std::all_of(added_.begin(), added_.end(), [](int n) { return n == 0; });
  setEmptyNotice(*this, waitingNotice(store_, empty, options_.waitingFor));
}

void StepPlot::fitRanges()
{
  bool any = false;
  double lo = 0, hi = 0;
  std::vector<QCPGraph*> drawn = graphs_;
  drawn.insert(drawn.end(), raw_.begin(), raw_.end());
  for (QCPGraph* g : drawn) {
    bool found = false;
    if (!g->visible()) continue;
    const QCPRange keys = g->getKeyRange(found);
    if (!found) continue;
    lo = any ? std::min(lo, keys.lower) : keys.lower;
    hi = any ? std::max(hi, keys.upper) : keys.upper;
    any = true;
  }
  if (!any) return;
  // One step alone (a first evaluation) is shown from step 0, not on an axis of one step.
  xAxis->setRange(hi > lo ? lo : std::min(0.0, lo - 1), hi > lo ? hi : lo + 1);
  if (options_.fixedRange) return;
  // The values' own range, padded; a range derived from the axis' last one would creep.
  bool found = false;
  QCPRange values;
  for (QCPGraph* g : drawn) {
    bool has = false;
    if (!g->visible()) continue;
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
    if (points.isEmpty() || !graphs_[i]->visible()) continue;
    auto it = points.findBegin(step, true);
    if (it != points.constEnd() && std::next(it) != points.constEnd() && std::abs(std::next(it)->key - step) < std::abs(it->key - step))
      ++it;
    if (lines.isEmpty()) lines << QStringLiteral("step %1").arg(it->key, 0, 'f', 0);
    const auto text = [](double v) { return std::isnan(v) ? QStringLiteral("NaN") : QString::number(v, 'g', 4); };
    QString line = QStringLiteral("%1: %2").arg(series_[i].name, text(it->value));
    if (smoothing_ > 0) line += QStringLiteral(" (raw %1)").arg(text((raw_[i]->data()->constBegin() + (it - points.constBegin()))->value));
    lines << line;
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
