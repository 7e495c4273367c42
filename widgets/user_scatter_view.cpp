#include "widgets/user_scatter_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPixmap>
#include <QToolTip>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <cmath>
#include <map>
#include <numeric>

#include "widgets/empty_notice.h"
#include "widgets/plot_style.h"
#include "widgets/run_store.h"
#include "widgets/user_quantity.h"

namespace seesaw::widgets {
namespace {

// A user's disc, drawn once with antialiasing and then copied to every point: QCustomPlot would
// otherwise fill a path per point (a bezier flattened each time, most of a 100,000-user redraw).
QPixmap disc(const QColor& color, qreal devicePixelRatio)
{
  constexpr qreal kDiameter = 4.5;
  const int side = static_cast<int>(std::ceil((kDiameter + 1) * devicePixelRatio));
  QPixmap pixmap(side, side);
  pixmap.setDevicePixelRatio(devicePixelRatio);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(Qt::NoPen);
  painter.setBrush(color);
  const qreal centre = side / devicePixelRatio / 2;
  painter.drawEllipse(QPointF(centre, centre), kDiameter / 2, kDiameter / 2);
  return pixmap;
}

}  // namespace

UserScatterView::UserScatterView(RunStore& store, QWidget* parent)
    : QWidget(parent), store_(store), picker_(new UserQuantityPicker(store, false)), plot_(new QCustomPlot)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(picker_);
  layout->addWidget(plot_, 1);
  plot_->xAxis->setLabel(QStringLiteral("samples in the window"));
  plot_->xAxis->setScaleType(QCPAxis::stLogarithmic);
  plot_->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  placeLegendAbove(*plot_);
  spaceTicks(*plot_);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setMouseTracking(true);
  plot_->installEventFilter(this);  // the tooltip of the user under the mouse
  onPlotClick(*plot_, [this](const QPointF& at) {
    const int user = userAtPixel(at);
    if (user >= 0) store_.setSelectedUser(user);
  });
  connect(picker_, &UserQuantityPicker::changed, this, &UserScatterView::redraw);
  connect(&store_, &RunStore::runBegan, this, &UserScatterView::follow);
  connect(&store_, &RunStore::grown, this, &UserScatterView::follow);
  connect(&store_, &RunStore::runEnded, this, [this] { setEmptyNotice(*plot_, perUserNotice(store_)); });
  connect(&store_, &RunStore::cursorChanged, this, &UserScatterView::follow);
  connect(&store_, &RunStore::selectedUserChanged, this, &UserScatterView::markSelection);
  connect(&store_, &RunStore::conflictFilterChanged, this, &UserScatterView::redraw);
  redraw();
}

void UserScatterView::follow()
{
  const int index = store_.snapshotIndexAtOrBefore(store_.cursor());
  const auto snapshot = index >= 0 ? store_.snapshot(index) : nullptr;
  if (snapshot == snapshot_ && snapshot) return;
  snapshot_ = snapshot;
  redraw();
}

void UserScatterView::redraw()
{
  plot_->clearGraphs();
  groups_.clear();
  selection_ = nullptr;
  const UserQuantity q = picker_->quantity();
  plot_->yAxis->setLabel(store_.started() ? quantityName(store_, q) : QString());
  setEmptyNotice(*plot_, perUserNotice(store_));
  if (snapshot_) {
    const auto& g = snapshot_->users;
    const auto& truth = store_.info().userGroups;
    // Users in order of their samples (the x axis): QCustomPlot wants its data sorted by key, and a
    // counting sort over the small integer counts is much cheaper than its comparison sort.
    std::vector<int> bySamples(g.count.size());
    std::iota(bySamples.begin(), bySamples.end(), 0);
    const int most = g.count.empty() ? 0 : *std::max_element(g.count.begin(), g.count.end());
    std::vector<int> start(static_cast<size_t>(std::max(most, 0)) + 2, 0);
    for (int32_t c : g.count) ++start[static_cast<size_t>(std::max(c, 0)) + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    for (size_t u = 0; u < g.count.size(); ++u) bySamples[static_cast<size_t>(start[static_cast<size_t>(std::max(g.count[u], 0))]++)] = static_cast<int>(u);
    std::map<int, std::pair<QVector<double>, QVector<double>>> points;
    const auto& filter = store_.conflictFilter();  // the user table's "conflicting only"
    for (const int user : bySamples) {
      const auto u = static_cast<size_t>(user);
      if (g.count[u] <= 0) continue;
      if (filter && !conflicting(g, store_.tasks(), user, std::max(q.level, 0), *filter)) continue;
      const double v = userValue(g, store_.tasks(), user, q);
      if (std::isnan(v)) continue;
      auto& [xs, ys] = points[u < truth.size() ? truth[u] : -1];
      xs.push_back(g.count[u]);
      ys.push_back(v);
    }
    for (auto& [group, xy] : points) {
      QCPGraph* graph = plot_->addGraph();
      graph->setLineStyle(QCPGraph::lsNone);
      const QColor color = group < 0 ? QColor(90, 90, 90, 140) : [&] { QColor c = seriesColor(group); c.setAlpha(160); return c; }();
      graph->setScatterStyle(QCPScatterStyle(disc(color, devicePixelRatioF())));
      graph->setName(group < 0 ? tr("users") : tr("group %1").arg(group));
      graph->setData(xy.first, xy.second, true);
      groups_.emplace_back(group, graph);
    }
    plot_->rescaleAxes();
    plot_->xAxis->setRange(std::max(0.8, plot_->xAxis->range().lower / 1.3), plot_->xAxis->range().upper * 1.3);
    if (q.kind == UserQuantity::Kind::Cosine) plot_->yAxis->setRange(-1.05, 1.05);
    else plot_->yAxis->scaleRange(1.1);
  }
  selection_ = plot_->addGraph();
  selection_->setLineStyle(QCPGraph::lsNone);
  selection_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 2), Qt::NoBrush, 12));
  selection_->removeFromLegend();
  markSelection();
}

void UserScatterView::markSelection()
{
  if (!selection_) return;
  selection_->data()->clear();
  const int user = store_.selectedUser();
  if (snapshot_ && user >= 0 && static_cast<size_t>(user) < snapshot_->users.count.size() && snapshot_->users.count[static_cast<size_t>(user)] > 0) {
    const double v = userValue(snapshot_->users, store_.tasks(), user, picker_->quantity());
    if (!std::isnan(v)) selection_->addData(snapshot_->users.count[static_cast<size_t>(user)], v);
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

int UserScatterView::pointCount(int group) const
{
  for (const auto& [g, graph] : groups_)
    if (g == group) return graph->dataCount();
  return 0;
}

int UserScatterView::userAtPixel(const QPointF& pixel) const
{
  if (!snapshot_) return -1;
  const auto& g = snapshot_->users;
  const UserQuantity q = picker_->quantity();
  int best = -1;
  double bestDistance = 12 * 12;
  for (size_t u = 0; u < g.count.size(); ++u) {
    if (g.count[u] == 0) continue;
    const double v = userValue(g, store_.tasks(), static_cast<int>(u), q);
    if (std::isnan(v)) continue;
    const double dx = plot_->xAxis->coordToPixel(g.count[u]) - pixel.x(), dy = plot_->yAxis->coordToPixel(v) - pixel.y();
    if (dx * dx + dy * dy < bestDistance) {
      bestDistance = dx * dx + dy * dy;
      best = static_cast<int>(u);
    }
  }
  return best;
}

bool UserScatterView::eventFilter(QObject* watched, QEvent* event)
{
  if (watched != plot_) return QWidget::eventFilter(watched, event);
  if (event->type() != QEvent::MouseMove) return QWidget::eventFilter(watched, event);
  auto* mouse = static_cast<QMouseEvent*>(event);
  if (mouse->buttons() == Qt::NoButton) {
    const int user = userAtPixel(mouse->position());
    if (user >= 0) {
      const auto& ids = store_.info().userIds;
      const QString id = static_cast<size_t>(user) < ids.size() ? QString::fromStdString(ids[static_cast<size_t>(user)]) : QString::number(user);
      QToolTip::showText(mouse->globalPosition().toPoint(),
                         tr("user %1\nsamples %2\n%3: %4")
                             .arg(id)
                             .arg(snapshot_->users.count[static_cast<size_t>(user)])
                             .arg(quantityName(store_, picker_->quantity()))
                             .arg(userValue(snapshot_->users, store_.tasks(), user, picker_->quantity()), 0, 'g', 4),
                         plot_);
    }
  }
  return QWidget::eventFilter(watched, event);
}

}  // namespace seesaw::widgets
