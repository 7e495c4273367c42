#include "widgets/compare_difference_view.h"

#include <QComboBox>
#include <QLabel>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "widgets/compare_view_parts.h"
#include "widgets/empty_notice.h"
#include "widgets/plot_style.h"

namespace seesaw::widgets {

using compare_parts::clickMovesCursor;
using compare_parts::cursorOf;
using compare_parts::fillQuantities;
using compare_parts::fillRuns;
using compare_parts::followRuns;
using compare_parts::markBranch;
using compare_parts::row;
using compare_parts::runAt;

CompareDifferenceView::CompareDifferenceView(Comparison& comparison, QWidget* parent)
    : QWidget(parent), comparison_(comparison), quantity_(new QComboBox), runA_(new QComboBox), runB_(new QComboBox), plot_(new QCustomPlot)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addLayout(row({new QLabel(tr("quantity")), quantity_, runA_, new QLabel(tr("minus")), runB_}));
  layout->addWidget(plot_, 1);
  styleStepPlot(*plot_, QString());
  plot_->legend->setVisible(false);
  clickMovesCursor(*plot_, comparison_);
  for (QComboBox* box : {quantity_, runA_, runB_}) connect(box, qOverload<int>(&QComboBox::currentIndexChanged), this, &CompareDifferenceView::redraw);
  connect(&comparison_, &Comparison::runsChanged, this, [this] {
    fillQuantities(*quantity_, comparison_, true);
    fillRuns(*runA_, comparison_, 0);
    fillRuns(*runB_, comparison_, 1);
    redraw();
  });
  followRuns(this, comparison_, [this] { redraw(); }, [this] { moveStepCursor(*cursor_, static_cast<double>(cursorOf(comparison_))); });
  fillQuantities(*quantity_, comparison_, true);
  fillRuns(*runA_, comparison_, 0);
  fillRuns(*runB_, comparison_, 1);
  redraw();
}

void CompareDifferenceView::setQuantity(int index) { quantity_->setCurrentIndex(index); }

void CompareDifferenceView::setRuns(int a, int b)
{
  runA_->setCurrentIndex(a);
  runB_->setCurrentIndex(b);
}

void CompareDifferenceView::redraw()
{
  plot_->clearGraphs();
  plot_->clearItems();
  cursor_ = addStepCursor(*plot_);
  auto* zero = new QCPItemStraightLine(plot_);
  zero->point1->setCoords(0, 0);
  zero->point2->setCoords(1, 0);
  zero->setPen(QPen(Qt::gray, 1));
  const auto quantities = comparison_.commonQuantities();
  const int chosen = quantity_->currentIndex();
  const ComparedRun *a = runAt(comparison_, runA_->currentIndex()), *b = runAt(comparison_, runB_->currentIndex());
  if (a && b && chosen >= 0 && static_cast<size_t>(chosen) < quantities.size()) {
    const StepQuantity& q = quantities[static_cast<size_t>(chosen)];
    const QuantitySeries d = difference(quantitySeries(*a->store, q), quantitySeries(*b->store, q));
    setEmptyNotice(*plot_, d.step.isEmpty() ? tr("%1 and %2 have no step in common: a difference needs steps that both recorded "
                                                 "(a branch from its parent's last step shares none with it).")
                                                  .arg(a->name, b->name)
                                            : QString());
    QCPGraph* g = plot_->addGraph();
    g->setName(QStringLiteral("%1 - %2").arg(a->name, b->name));
    g->setPen(QPen(Qt::black, 1));
    g->setAdaptiveSampling(true);
    g->setData(d.step, d.value, true);
    if (q.kind == StepQuantity::Kind::ValidAuc) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
    plot_->yAxis->setLabel(tr("%1 - %2").arg(a->name, b->name));
    plot_->rescaleAxes();
    markBranch(*plot_, comparison_);
    plot_->yAxis->setRange(readableRange(plot_->yAxis->range(), false));
  }
  moveStepCursor(*cursor_, static_cast<double>(cursorOf(comparison_)));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace seesaw::widgets
