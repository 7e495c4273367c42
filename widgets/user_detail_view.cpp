#include "widgets/user_detail_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <cmath>
#include <limits>

#include "widgets/change_marks.h"
#include "widgets/empty_notice.h"
#include "widgets/plot_style.h"
#include "widgets/run_store.h"
#include "widgets/user_quantity.h"

namespace seesaw::widgets {

UserDetailView::UserDetailView(RunStore& store, QWidget* parent)
    : QWidget(parent), store_(store), level_(new QComboBox), plot_(new QCustomPlot)
{
  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("level")));
  top->addWidget(level_);
  top->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addLayout(top);
  layout->addWidget(plot_, 1);
  placeLegendAbove(*plot_);
  spaceTicks(*plot_);
  plot_->xAxis->setTicker(stepTicker());
  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, QString(), QFont(font().family(), 10, QFont::Bold)));
  plot_->xAxis->setLabel(QStringLiteral("step (end of window)"));
  plot_->yAxis->setLabel(QStringLiteral("cosine"));
  plot_->yAxis->setRange(-1.05, 1.05);
  plot_->yAxis2->setVisible(true);
  plot_->yAxis2->setLabel(QStringLiteral("weight (dashed)"));
  connect(level_, qOverload<int>(&QComboBox::currentIndexChanged), this, &UserDetailView::redraw);
  connect(&store_, &RunStore::runBegan, this, [this] {
    const QSignalBlocker block(level_);
    level_->clear();
    for (const auto& l : store_.info().geometryLevels) level_->addItem(QString::fromStdString(l));
    redraw();
  });
  connect(&store_, &RunStore::grown, this, [this] {
    if (snapshotsDrawn_ != store_.snapshotCount()) redraw();
  });
  connect(&store_, &RunStore::selectedUserChanged, this, &UserDetailView::redraw);
  connect(&store_, &RunStore::runEnded, this, &UserDetailView::redraw);
  connect(&store_, &RunStore::cursorChanged, this, &UserDetailView::moveCursor);
  redraw();
}

void UserDetailView::redraw()
{
  plot_->clearGraphs();
  plot_->clearItems();
  cursor_ = addStepCursor(*plot_);
  markChanges(*plot_, store_, 0);
  snapshotsDrawn_ = store_.snapshotCount();
  auto* title = static_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0));
  const int user = store_.selectedUser();
  QString notice = perUserNotice(store_);
  if (notice.isEmpty() && user < 0) notice = tr("Click a user in the table or the scatter to follow its cosines and weights over the run.");
  setEmptyNotice(*plot_, notice);
  const bool shown = notice.isEmpty();
  cursor_->setVisible(shown);
  plot_->legend->setVisible(shown);
  if (!shown) {
    title->setText(QString());
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  const auto& ids = store_.info().userIds;
  title->setText(tr("user %1").arg(static_cast<size_t>(user) < ids.size() ? QString::fromStdString(ids[static_cast<size_t>(user)]) : QString::number(user)));
  const int level = std::max(level_->currentIndex(), 0);
  std::vector<UserQuantity> quantities;
  for (int p = 0; p < store_.pairs(); ++p) quantities.push_back({UserQuantity::Kind::Cosine, p, level});
  for (int k = 0; k < store_.tasks(); ++k) quantities.push_back({UserQuantity::Kind::Weight, k, level});
  const std::vector<GeometrySnapshot>& history = store_.userHistory(user);
  bool anyWeight = false;
  QCPRange weights(std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest());
  for (const UserQuantity& q : quantities) {
    const bool weight = q.kind == UserQuantity::Kind::Weight;
    QCPGraph* g = plot_->addGraph(plot_->xAxis, weight ? plot_->yAxis2 : plot_->yAxis);
    g->setName(weight ? quantityName(store_, q) : store_.pairName(q.index));
    g->setPen(QPen(seriesColor(q.index), 1, weight ? Qt::DashLine : Qt::SolidLine));
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
    for (const GeometrySnapshot& window : history) {
      const bool seen = !window.users.count.empty() && window.users.count.front() > 0;
      const double v = seen ? userValue(window.users, store_.tasks(), 0, q) : std::nan("");
      g->addData(static_cast<double>(window.step), v);
      if (weight && !std::isnan(v)) {
        anyWeight = true;
        weights = QCPRange(std::min(weights.lower, v), std::max(weights.upper, v));
      }
    }
  }
  plot_->xAxis->rescale();
  plot_->xAxis->scaleRange(1.05);
  if (anyWeight) plot_->yAxis2->setRange(readableRange(weights, false));
  moveCursor();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void UserDetailView::moveCursor()
{
  const double step = static_cast<double>(store_.cursor());
  moveStepCursor(*cursor_, step);
}

int UserDetailView::pointCount(int graph) const { return plot_->graph(graph)->dataCount(); }

double UserDetailView::valueAt(int graph, int snapshot) const { return (plot_->graph(graph)->data()->constBegin() + snapshot)->value; }

}  // namespace seesaw::widgets
