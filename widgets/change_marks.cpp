#include "widgets/change_marks.h"

#include <qcustomplot.h>

#include <map>

#include "widgets/run_store.h"

namespace seesaw::widgets {

namespace {

// "method: pcgrad", "lr = 0.0005", "mu = 0.2", "checkpoint": the setting as a user names it.
QString describe(const ChangeRecord& change)
{
  if (change.field == "checkpoint") return QStringLiteral("checkpoint");
  const QString value = changeValueText(change.newValue);
  if (change.field == "method.name") return QStringLiteral("method: %1").arg(value);
  QString field = QString::fromStdString(change.field);
  field.remove(QStringLiteral("train.")).remove(QStringLiteral("method.params."));
  return QStringLiteral("%1 = %2").arg(field, value);
}

}  // namespace

QString changeValueText(const std::string& json)
{
  const QString value = QString::fromStdString(json);
  return value.size() >= 2 && value.startsWith('"') && value.endsWith('"') ? value.mid(1, value.size() - 2) : value;
}

size_t markChanges(QCustomPlot& plot, const RunStore& store, size_t from)
{
  const auto& changes = store.changes();
  // The applied changes of one step (a method and its parameters, say) share one mark and one
  // label, a line each; a checkpoint, which holds the state after its step, has its own.
  std::map<std::pair<int64_t, bool>, QStringList> marks;
  for (size_t i = from; i < changes.size(); ++i) {
    const ChangeRecord& change = changes[i];
    if (change.refused.empty()) marks[{change.step, change.field == "checkpoint"}] << describe(change);
  }
  int placed = 0;
  for (const auto& [key, lines] : marks) {
    const auto [step, checkpoint] = key;
    const double at = static_cast<double>(step) + (checkpoint ? 0.5 : -0.5);
    const QColor colour = checkpoint ? QColor(0, 114, 178) : QColor(213, 94, 0);
    auto* mark = new QCPItemStraightLine(&plot);
    mark->point1->setCoords(at, 0);
    mark->point2->setCoords(at, 1);
    mark->setPen(QPen(colour, 1, checkpoint ? Qt::DotLine : Qt::DashDotLine));
    auto* label = new QCPItemText(&plot);
    label->position->setTypeX(QCPItemPosition::ptPlotCoords);
    label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(at, 0.02 + 0.12 * static_cast<double>(placed++ % 3));  // neighbouring marks' labels stay apart
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    label->setTextAlignment(Qt::AlignLeft);
    label->setColor(colour);
    label->setFont(QFont(plot.font().family(), 7));
    label->setText(QStringLiteral(" ") + lines.join(QStringLiteral("\n ")));
  }
  return changes.size();
}

}  // namespace seesaw::widgets
