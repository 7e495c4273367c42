#include "widgets/user_distribution_view.h"

#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

#include "widgets/change_marks.h"
#include "widgets/empty_notice.h"
#include "widgets/plot_style.h"
#include "widgets/run_store.h"
#include "widgets/user_quantity.h"

namespace seesaw::widgets {

UserDistributionView::UserDistributionView(RunStore& store, QWidget* parent)
    : QWidget(parent), store_(store), picker_(new UserQuantityPicker(store, true)), plot_(new QCustomPlot)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(picker_);
  layout->addWidget(plot_, 1);
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  scale_ = new QCPColorScale(plot_);
  scale_->setLabel(QStringLiteral("users"));
  plot_->plotLayout()->addElement(0, 1, scale_);
  map_->setColorScale(scale_);
  map_->setGradient(countGradient());
  map_->setInterpolate(false);
  placeLegendAbove(*plot_);
  plot_->xAxis->setLabel(QStringLiteral("step (end of window)"));
  plot_->xAxis->setTicker(stepTicker());
  spaceTicks(*plot_);
  plot_->yAxis->setLabel(QStringLiteral("per-user cosine"));
  plot_->yAxis->setRange(-1, 1);
  auto* margins = new QCPMarginGroup(plot_);
  plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  scale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  cursor_ = addStepCursor(*plot_);
  addValueTooltip(*plot_, [this](double x, double y) { return describe(x, y); });
  connect(picker_, &UserQuantityPicker::changed, this, &UserDistributionView::recompute);
  connect(&store_, &RunStore::runBegan, this, &UserDistributionView::recompute);
  connect(&store_, &RunStore::grown, this, &UserDistributionView::addNewSnapshots);
  connect(&store_, &RunStore::runEnded, this, [this] { setEmptyNotice(*plot_, perUserNotice(store_)); });
  connect(&store_, &RunStore::cursorChanged, this, &UserDistributionView::moveCursor);
  recompute();
}

int UserDistributionView::binCount(int snapshot, int bin) const
{
  return counts_.at(static_cast<size_t>(snapshot)).at(static_cast<size_t>(bin));
}

double UserDistributionView::groupMean(int snapshot, int group) const
{
  return groupMeans_.at(static_cast<size_t>(snapshot)).at(static_cast<size_t>(group));
}

void UserDistributionView::recompute()
{
  counts_.clear();
  groupMeans_.clear();
  const auto& truth = store_.info().userGroups;
  groups_ = truth.empty() ? 0 : *std::max_element(truth.begin(), truth.end()) + 1;
  plot_->clearGraphs();
  for (int g = 0; g < groups_; ++g) {
    QCPGraph* mean = plot_->addGraph();
    mean->setName(tr("group %1 mean").arg(g));
    mean->setPen(QPen(seriesColor(g), 2));  // few points: a wide pen costs nothing here
    mean->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
  }
  plot_->legend->setVisible(groups_ > 0);
  plot_->clearItems();  // the change marks drawn so far, and the cursor
  cursor_ = addStepCursor(*plot_);
  changesMarked_ = 0;
  addNewSnapshots();
  redraw();  // also when there is no snapshot yet: the last run's picture goes
}

void UserDistributionView::addNewSnapshots()
{
  changesMarked_ = markChanges(*plot_, store_, changesMarked_);
  if (static_cast<int>(counts_.size()) == store_.snapshotCount()) return;
  const UserQuantity q = picker_->quantity();
  for (int s = static_cast<int>(counts_.size()); s < store_.snapshotCount(); ++s) {
    std::vector<int> bins(kBins, 0);  // all empty where the snapshot cannot be read
    std::vector<double> sums(static_cast<size_t>(groups_), 0.0);
    std::vector<int> seen(static_cast<size_t>(groups_), 0);
    const auto& truth = store_.info().userGroups;
    if (const auto snapshot = store_.snapshot(s)) {
      const EntityGeometry& users = snapshot->users;
      for (size_t u = 0; u < users.count.size(); ++u) {
        if (users.count[u] == 0) continue;
        const double v = userValue(users, store_.tasks(), static_cast<int>(u), q);
        if (std::isnan(v)) continue;
        ++bins[static_cast<size_t>(std::clamp(static_cast<int>((v + 1) / 2 * kBins), 0, kBins - 1))];
        if (u < truth.size() && truth[u] >= 0) {
          sums[static_cast<size_t>(truth[u])] += v;
          ++seen[static_cast<size_t>(truth[u])];
        }
      }
    }
    std::vector<double> means(static_cast<size_t>(groups_));
    for (size_t g = 0; g < means.size(); ++g) {
      means[g] = seen[g] > 0 ? sums[g] / seen[g] : std::nan("");
      plot_->graph(static_cast<int>(g))->addData(static_cast<double>(store_.snapshotStep(s)), means[g]);
    }
    counts_.push_back(std::move(bins));
    groupMeans_.push_back(std::move(means));
  }
  redraw();
}

void UserDistributionView::redraw()
{
  const int n = static_cast<int>(counts_.size());
  setEmptyNotice(*plot_, perUserNotice(store_));
  if (n == 0) {
    map_->data()->clear();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  const double first = static_cast<double>(store_.snapshotStep(0)), last = static_cast<double>(store_.snapshotStep(n - 1));
  map_->data()->setSize(n, kBins);
  // Cell centres: the snapshots' steps on x, the bins' middles on y. A single window (a run's
  // first) has no neighbour to space it: its column spans the window's own steps.
  const QCPRange keys = n > 1 ? QCPRange(first, last) : QCPRange(static_cast<double>(store_.snapshotWindowStart(0)) - 0.5, first + 0.5);
  map_->data()->setRange(keys, QCPRange(-1 + 1.0 / kBins, 1 - 1.0 / kBins));
  int most = 1;
  for (int s = 0; s < n; ++s)
    for (int b = 0; b < kBins; ++b) {
      const int c = counts_[static_cast<size_t>(s)][static_cast<size_t>(b)];
      map_->data()->setCell(s, b, c > 0 ? c : std::nan(""));  // empty bins stay blank
      most = std::max(most, c);
    }
  map_->setDataRange(QCPRange(0, most));
  const double half = n > 1 ? (last - first) / (n - 1) / 2 : 0;
  plot_->xAxis->setRange(keys.lower - half, keys.upper + half);
  moveCursor();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString UserDistributionView::describe(double step, double cosine) const
{
  if (counts_.empty() || cosine < -1 || cosine > 1) return {};
  int s = store_.snapshotIndexAtOrBefore(static_cast<int64_t>(std::llround(step)));
  // The column nearest the mouse: the snapshot at or after it when that is closer.
  if (s + 1 < static_cast<int>(counts_.size()) &&
      (s < 0 || std::abs(static_cast<double>(store_.snapshotStep(s + 1)) - step) < std::abs(step - static_cast<double>(store_.snapshotStep(s)))))
    ++s;
  if (s < 0 || s >= static_cast<int>(counts_.size())) return {};
  const int b = std::clamp(static_cast<int>((cosine + 1) / 2 * kBins), 0, kBins - 1);
  return QStringLiteral("window %1-%2\ncosine in [%3, %4): %5 users")
      .arg(store_.snapshotWindowStart(s))
      .arg(store_.snapshotStep(s))
      .arg(-1 + 2.0 * b / kBins, 0, 'f', 2)
      .arg(-1 + 2.0 * (b + 1) / kBins, 0, 'f', 2)
      .arg(binCount(s, b));
}

void UserDistributionView::moveCursor()
{
  const double step = static_cast<double>(store_.cursor());
  moveStepCursor(*cursor_, step);
}

}  // namespace seesaw::widgets
