#include "widgets/compare_overlay_view.h"

#include <QComboBox>
#include <QLabel>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>

#include "widgets/compare_view_parts.h"
#include "widgets/plot_style.h"

namespace seesaw::widgets {

using compare_parts::clickMovesCursor;
using compare_parts::cursorOf;
using compare_parts::fillQuantities;
using compare_parts::followRuns;
using compare_parts::markBranch;
using compare_parts::row;

namespace {

// The values the graphs have inside the x range shown (all of them before a branch narrowed it).
QCPRange visibleRange(QCustomPlot& plot)
{
  QCPRange out = plot.yAxis->range();
  bool any = false;
  for (int i = 0; i < plot.graphCount(); ++i) {
    bool found = false;
    const QCPRange r = plot.graph(i)->getValueRange(found, QCP::sdBoth, plot.xAxis->range());
    if (!found) continue;
    out = any ? QCPRange(std::min(out.lower, r.lower), std::max(out.upper, r.upper)) : r;
    any = true;
  }
  return out;
}

// The run a graph draws (its index in the comparison).
constexpr const char* kRunProperty = "seesaw-run";

}  // namespace

CompareOverlayView::CompareOverlayView(Comparison& comparison, QWidget* parent)
    : QWidget(parent), comparison_(comparison), quantity_(new QComboBox), plot_(new QCustomPlot)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addLayout(row({new QLabel(tr("quantity")), quantity_}));
  layout->addWidget(plot_, 1);
  styleStepPlot(*plot_, QString());
  clickMovesCursor(*plot_, comparison_);
  connect(quantity_, qOverload<int>(&QComboBox::currentIndexChanged), this, &CompareOverlayView::redraw);
  connect(&comparison_, &Comparison::runsChanged, this, [this] {
    fillQuantities(*quantity_, comparison_, true);
    redraw();
  });
  followRuns(this, comparison_, [this] { redraw(); }, [this] { moveStepCursor(*cursor_, static_cast<double>(cursorOf(comparison_))); });
  // A click on a run's legend entry hides or shows the run itself, as the runs panel's box does,
  // so that the two agree and a redraw keeps what was clicked.
  connect(plot_, &QCustomPlot::legendClick, this, [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
    auto* entry = qobject_cast<QCPPlottableLegendItem*>(item);
    const QVariant run = entry ? entry->plottable()->property(kRunProperty) : QVariant();
    if (!run.isValid()) return;
    const ComparedRun& r = comparison_.runs().at(static_cast<size_t>(run.toInt()));
    comparison_.setRunLook(run.toInt(), r.name, r.color, !r.visible);
  });
  fillQuantities(*quantity_, comparison_, true);
  redraw();
}

void CompareOverlayView::setQuantity(int index) { quantity_->setCurrentIndex(index); }

void CompareOverlayView::redraw()
{
  plot_->clearGraphs();
  plot_->clearItems();
  cursor_ = addStepCursor(*plot_);
  const auto quantities = comparison_.commonQuantities();
  const int chosen = quantity_->currentIndex();
  if (chosen >= 0 && static_cast<size_t>(chosen) < quantities.size()) {
    const StepQuantity& q = quantities[static_cast<size_t>(chosen)];
    plot_->yAxis->setLabel(quantityName(q));
    // The first run (a branch's parent) drawn last and dashed: where the curves coincide, it shows
    // over the others instead of hiding under them. A hidden run keeps its legend entry, greyed,
    // to be clicked back.
    const auto& runs = comparison_.runs();
    for (size_t i = runs.size(); i-- > 0;) {
      const ComparedRun& r = runs[i];
      const QuantitySeries s = quantitySeries(*r.store, q);
      QCPGraph* g = plot_->addGraph();
      g->setProperty(kRunProperty, static_cast<int>(i));
      g->setVisible(r.visible);
      g->setName(r.name);
      g->setPen(QPen(r.color, 1, i == 0 && runs.size() > 1 ? Qt::DashLine : Qt::SolidLine));
      g->setAdaptiveSampling(true);
      g->setData(s.step, s.value, true);
      if (q.kind == StepQuantity::Kind::ValidAuc) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
    }
    // The legend in the runs' order, whatever the drawing order.
    plot_->legend->clearItems();
    for (int g = plot_->graphCount(); g-- > 0;) {
      plot_->graph(g)->addToLegend();
      if (!plot_->graph(g)->visible()) plot_->legend->itemWithPlottable(plot_->graph(g))->setTextColor(QColor(170, 170, 170));
    }
    plot_->rescaleAxes(true);
    markBranch(*plot_, comparison_);
    if (q.kind == StepQuantity::Kind::Cosine) plot_->yAxis->setRange(-1.05, 1.05);
    else plot_->yAxis->setRange(readableRange(visibleRange(*plot_), false));
  }
  moveStepCursor(*cursor_, static_cast<double>(cursorOf(comparison_)));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace seesaw::widgets
