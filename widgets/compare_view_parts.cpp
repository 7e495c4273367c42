#include "widgets/compare_view_parts.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QPointer>
#include <QSignalBlocker>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "widgets/comparison.h"
#include "widgets/plot_style.h"
#include "widgets/run_store.h"

namespace seesaw::widgets::compare_parts {

void followRuns(QWidget* view, Comparison& comparison, std::function<void()> grown, std::function<void()> cursor,
                std::function<void()> selected)
{
  auto held = std::make_shared<QPointer<QObject>>();
  const auto connectRuns = [view, &comparison, grown, cursor, selected, held] {
    delete held->data();
    auto* context = new QObject(view);
    *held = context;
    for (const ComparedRun& r : comparison.runs()) {
      QObject::connect(r.store, &RunStore::runBegan, context, grown);
      QObject::connect(r.store, &RunStore::grown, context, grown);
      QObject::connect(r.store, &RunStore::runEnded, context, grown);
      QObject::connect(r.store, &RunStore::cursorChanged, context, cursor);
      if (selected) QObject::connect(r.store, &RunStore::selectedUserChanged, context, selected);
    }
  };
  QObject::connect(&comparison, &Comparison::runsChanged, view, connectRuns);
  connectRuns();
}

void fillQuantities(QComboBox& box, const Comparison& comparison, bool stepQuantities)
{
  const QString chosen = box.currentText();
  const QSignalBlocker block(&box);
  box.clear();
  if (stepQuantities)
    for (const StepQuantity& q : comparison.commonQuantities()) box.addItem(quantityName(q));
  else
    for (const auto& [a, b] : comparison.commonPairs()) box.addItem(QStringLiteral("cosine %1 / %2").arg(a, b));
  box.setCurrentIndex(std::max(0, box.findText(chosen)));
}

void fillRuns(QComboBox& box, const Comparison& comparison, int fallback)
{
  const int chosen = box.currentIndex();
  const QSignalBlocker block(&box);
  box.clear();
  for (const ComparedRun& r : comparison.runs()) box.addItem(r.name);
  const int n = box.count();
  box.setCurrentIndex(chosen >= 0 && chosen < n ? chosen : std::min(fallback, n - 1));
}

const ComparedRun* runAt(const Comparison& comparison, int index)
{
  return index >= 0 && static_cast<size_t>(index) < comparison.runs().size() ? &comparison.runs()[static_cast<size_t>(index)] : nullptr;
}

void markBranch(QCustomPlot& plot, const Comparison& comparison)
{
  const int64_t step = comparison.branchStep();
  if (step <= 0) return;
  auto* line = new QCPItemStraightLine(&plot);
  line->point1->setCoords(static_cast<double>(step), 0);
  line->point2->setCoords(static_cast<double>(step), 1);
  line->setPen(QPen(QColor(90, 90, 90), 1, Qt::DashLine));
  auto* label = new QCPItemText(&plot);
  label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
  label->position->setTypeX(QCPItemPosition::ptPlotCoords);
  label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  label->position->setCoords(static_cast<double>(step), 0.0);
  label->setText(QObject::tr(" branch at step %1").arg(step));
  label->setColor(QColor(90, 90, 90));
  const double last = plot.xAxis->range().upper;
  if (last > static_cast<double>(step)) plot.xAxis->setRange(static_cast<double>(step) - 0.25 * (last - static_cast<double>(step)), last);
}

int64_t cursorOf(const Comparison& comparison) { return comparison.runs().empty() ? 0 : comparison.runs().front().store->cursor(); }

void clickMovesCursor(QCustomPlot& plot, Comparison& comparison)
{
  onPlotClick(plot, [&plot, &comparison](const QPointF& at) {
    if (plot.axisRect()->rect().contains(at.toPoint())) comparison.setCursor(static_cast<int64_t>(std::llround(plot.xAxis->pixelToCoord(at.x()))));
  });
}

QHBoxLayout* row(std::initializer_list<QWidget*> widgets)
{
  auto* layout = new QHBoxLayout;
  for (QWidget* w : widgets) layout->addWidget(w);
  layout->addStretch(1);
  return layout;
}

}  // namespace seesaw::widgets::compare_parts
