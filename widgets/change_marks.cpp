#include "widgets/change_marks.h"

#include <qcustomplot.h>

#include "widgets/run_store.h"

namespace seesaw::widgets {

size_t markChanges(QCustomPlot& plot, const RunStore& store, size_t from)
{
  const auto& changes = store.changes();
  for (size_t i = from; i < changes.size(); ++i) {
    const ChangeRecord& change = changes[i];
    if (!change.refused.empty()) continue;
    // A setting holds from its step on, a checkpoint holds the state after its step.
    const bool checkpoint = change.field == "checkpoint";
    const double at = static_cast<double>(change.step) + (checkpoint ? 0.5 : -0.5);
    const QColor colour = checkpoint ? QColor(0, 114, 178) : QColor(213, 94, 0);
    auto* mark = new QCPItemStraightLine(&plot);
    mark->point1->setCoords(at, 0);
    mark->point2->setCoords(at, 1);
    mark->setPen(QPen(colour, 1, checkpoint ? Qt::DotLine : Qt::DashDotLine));
    auto* label = new QCPItemText(&plot);
    label->position->setTypeX(QCPItemPosition::ptPlotCoords);
    label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(at, 0.02 + 0.05 * static_cast<double>(i % 4));  // a few changes at one step stay legible
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    label->setColor(colour);
    label->setFont(QFont(plot.font().family(), 7));
    QString field = QString::fromStdString(change.field);
    field.remove(QStringLiteral("train.")).remove(QStringLiteral("method.params.")).remove(QStringLiteral("method."));
    label->setText(checkpoint ? QStringLiteral(" checkpoint") : QStringLiteral(" %1 = %2").arg(field, QString::fromStdString(change.newValue)));
  }
  return changes.size();
}

}  // namespace seesaw::widgets
