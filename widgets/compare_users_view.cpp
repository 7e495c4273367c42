#include "widgets/compare_users_view.h"

#include <QComboBox>
#include <QLabel>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "widgets/compare_view_parts.h"
#include "widgets/empty_notice.h"
#include "widgets/plot_style.h"
#include "widgets/run_store.h"
#include "widgets/user_quantity.h"

namespace seesaw::widgets {

using compare_parts::cursorOf;
using compare_parts::fillQuantities;
using compare_parts::fillRuns;
using compare_parts::followRuns;
using compare_parts::row;
using compare_parts::runAt;

CompareUsersView::CompareUsersView(Comparison& comparison, QWidget* parent)
    : QWidget(parent), comparison_(comparison), pair_(new QComboBox), level_(new QComboBox), runA_(new QComboBox), runB_(new QComboBox),
      note_(new QLabel), scatter_(new QCustomPlot), detail_(new QCustomPlot)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addLayout(row({pair_, new QLabel(tr("level")), level_}));  // two rows: one squeezes the run names in a dock
  layout->addLayout(row({runA_, new QLabel(tr("against")), runB_}));
  note_->setWordWrap(true);
  layout->addWidget(note_);
  layout->addWidget(scatter_, 3);
  layout->addWidget(detail_, 2);
  scatter_->xAxis->setRange(-1.05, 1.05);
  scatter_->yAxis->setRange(-1.05, 1.05);
  auto* diagonal = new QCPItemStraightLine(scatter_);
  diagonal->point1->setCoords(-1, -1);
  diagonal->point2->setCoords(1, 1);
  diagonal->setPen(QPen(Qt::gray, 1, Qt::DashLine));
  onPlotClick(*scatter_, [this](const QPointF& at) {
    const int user = userAtPixel(at);
    if (user >= 0) comparison_.setSelectedUser(user);
  });
  styleStepPlot(*detail_, tr("the user's cosine"));
  detail_->xAxis->setLabel(tr("step (end of window)"));
  detail_->yAxis->setRange(-1.05, 1.05);
  for (QComboBox* box : {pair_, level_, runA_, runB_}) connect(box, qOverload<int>(&QComboBox::currentIndexChanged), this, &CompareUsersView::redraw);
  connect(&comparison_, &Comparison::runsChanged, this, [this] {
    fillChoices();
    redraw();
  });
  followRuns(this, comparison_, [this] { redraw(); }, [this] { redraw(); }, [this] { redrawDetail(); });
  fillChoices();
  redraw();
}

void CompareUsersView::fillChoices()
{
  fillQuantities(*pair_, comparison_, false);
  fillRuns(*runA_, comparison_, 0);
  fillRuns(*runB_, comparison_, 1);
  const QSignalBlocker block(level_);
  level_->clear();
  level_->addItems(comparison_.commonLevels());
}

void CompareUsersView::setPair(int index) { pair_->setCurrentIndex(index); }

void CompareUsersView::setRuns(int a, int b)
{
  runA_->setCurrentIndex(a);
  runB_->setCurrentIndex(b);
}

void CompareUsersView::redraw()
{
  scatter_->clearGraphs();
  users_.clear();
  points_ = selection_ = nullptr;
  const ComparedRun *a = runAt(comparison_, runA_->currentIndex()), *b = runAt(comparison_, runB_->currentIndex());
  const auto pairs = comparison_.commonPairs();
  const int pair = pair_->currentIndex();
  const bool comparable = comparison_.sameUsers() && a && b && pair >= 0 && static_cast<size_t>(pair) < pairs.size();
  note_->setText(comparable ? QString() : tr("users cannot be compared: %1").arg(comparison_.limits().join(QStringLiteral("; "))));
  note_->setVisible(!comparable);
  if (comparable) {
    const auto& [task, other] = pairs[static_cast<size_t>(pair)];
    const int64_t step = cursorOf(comparison_);
    const int sa = a->store->snapshotIndexAtOrBefore(step), sb = b->store->snapshotIndexAtOrBefore(step);
    const auto ga = sa >= 0 ? a->store->snapshot(sa) : nullptr, gb = sb >= 0 ? b->store->snapshot(sb) : nullptr;
    const UserQuantity qa{UserQuantity::Kind::Cosine, pairIndex(*a->store, task, other), levelIndex(*a->store, level_->currentText())};
    const UserQuantity qb{UserQuantity::Kind::Cosine, pairIndex(*b->store, task, other), levelIndex(*b->store, level_->currentText())};
    // Sorted by x here, as QCustomPlot keeps its data, so that point i is users_[i].
    std::vector<std::tuple<double, double, int>> points;
    if (ga && gb && qa.level >= 0 && qb.level >= 0)
      for (size_t u = 0; u < std::min(ga->users.count.size(), gb->users.count.size()); ++u) {
        if (ga->users.count[u] == 0 || gb->users.count[u] == 0) continue;
        const double x = userValue(ga->users, a->store->tasks(), static_cast<int>(u), qa), y = userValue(gb->users, b->store->tasks(), static_cast<int>(u), qb);
        if (!std::isnan(x) && !std::isnan(y)) points.emplace_back(x, y, static_cast<int>(u));
      }
    std::sort(points.begin(), points.end());
    QVector<double> xs, ys;
    for (const auto& [x, y, u] : points) {
      xs.push_back(x);
      ys.push_back(y);
      users_.push_back(u);
    }
    points_ = scatter_->addGraph();
    points_->setLineStyle(QCPGraph::lsNone);
    points_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(90, 90, 90, 140), QColor(90, 90, 90, 140), 4));
    points_->setAntialiasedScatters(users_.size() < 20000);
    points_->setData(xs, ys, true);
    scatter_->xAxis->setLabel(tr("cosine %1 / %2 under %3").arg(task, other, a->name));
    scatter_->yAxis->setLabel(tr("under %1").arg(b->name));
    selection_ = scatter_->addGraph();
    selection_->setLineStyle(QCPGraph::lsNone);
    selection_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 2), Qt::NoBrush, 12));
  }
  scatter_->replot(QCustomPlot::rpQueuedReplot);
  redrawDetail();
}

void CompareUsersView::redrawDetail()
{
  detail_->clearGraphs();
  const int user = comparison_.runs().empty() ? -1 : comparison_.runs().front().store->selectedUser();
  const auto pairs = comparison_.commonPairs();
  const int pair = pair_->currentIndex();
  if (selection_) {
    selection_->data()->clear();
    const auto it = std::find(users_.begin(), users_.end(), user);
    if (it != users_.end()) {
      const auto i = static_cast<int>(it - users_.begin());
      selection_->addData((points_->data()->constBegin() + i)->key, (points_->data()->constBegin() + i)->value);
    }
    scatter_->replot(QCustomPlot::rpQueuedReplot);
  }
  const bool shown = user >= 0 && comparison_.sameUsers() && pair >= 0 && static_cast<size_t>(pair) < pairs.size();
  setEmptyNotice(*detail_, shown || !comparison_.sameUsers() || pairs.empty()
                               ? QString()
                               : tr("Click a user in the scatter to follow its cosine, window by window, in every run."));
  if (shown) {
    const auto& [task, other] = pairs[static_cast<size_t>(pair)];
    const auto& ids = comparison_.runs().front().store->info().userIds;
    detail_->yAxis->setLabel(tr("user %1: cosine %2 / %3").arg(static_cast<size_t>(user) < ids.size() ? QString::fromStdString(ids[static_cast<size_t>(user)]) : QString::number(user), task, other));
    for (const ComparedRun& r : comparison_.runs()) {
      const UserQuantity q{UserQuantity::Kind::Cosine, pairIndex(*r.store, task, other), levelIndex(*r.store, level_->currentText())};
      if (q.index < 0 || q.level < 0) continue;
      QCPGraph* g = detail_->addGraph();
      g->setName(r.name);
      g->setPen(QPen(r.color, 1));
      g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
      for (const GeometrySnapshot& window : r.store->userHistory(user)) {
        const bool seen = !window.users.count.empty() && window.users.count.front() > 0;
        g->addData(static_cast<double>(window.step), seen ? userValue(window.users, r.store->tasks(), 0, q) : std::nan(""));
      }
    }
    // The windows' steps, with a margin; rescale() would keep (and the margin grow) a range that
    // has no point or one.
    const RunStore& run = *comparison_.runs().front().store;
    if (run.snapshotCount() > 0) {
      const double first = static_cast<double>(run.snapshotStep(0)), last = static_cast<double>(run.snapshotStep(run.snapshotCount() - 1));
      const double margin = std::max(1.0, 0.05 * (last - first));
      detail_->xAxis->setRange(first - margin, last + margin);
    }
  }
  detail_->replot(QCustomPlot::rpQueuedReplot);
}

int CompareUsersView::userAtPixel(const QPointF& pixel) const
{
  if (!points_) return -1;
  int best = -1;
  double bestDistance = 12 * 12;
  int i = 0;
  for (auto it = points_->data()->constBegin(); it != points_->data()->constEnd(); ++it, ++i) {
    const double dx = scatter_->xAxis->coordToPixel(it->key) - pixel.x(), dy = scatter_->yAxis->coordToPixel(it->value) - pixel.y();
    if (dx * dx + dy * dy < bestDistance) {
      bestDistance = dx * dx + dy * dy;
      best = i;
    }
  }
  return best < 0 ? -1 : users_[static_cast<size_t>(best)];
}

}  // namespace seesaw::widgets
