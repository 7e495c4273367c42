#include "app/seesaw/run_label.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace seesaw::app {

QString runLabelPath(const QString& trace) { return trace + QStringLiteral(".label.json"); }

RunLabel readRunLabel(const QString& trace)
{
  QFile file(runLabelPath(trace));
  if (!file.open(QIODevice::ReadOnly)) return {};
  const QJsonObject o = QJsonDocument::fromJson(file.read(1 << 16)).object();
  RunLabel label{o.value(QStringLiteral("name")).toString(), QColor()};
  const QString color = o.value(QStringLiteral("color")).toString();
  if (QColor::isValidColorName(color)) label.color = QColor::fromString(color);
  return label;
}

bool writeRunLabel(const QString& trace, const RunLabel& label, QString* error)
{
  QJsonObject o;
  if (!label.name.isEmpty()) o.insert(QStringLiteral("name"), label.name);
  if (label.color.isValid()) o.insert(QStringLiteral("color"), label.color.name());
  QSaveFile file(runLabelPath(trace));
  if (file.open(QIODevice::WriteOnly) && file.write(QJsonDocument(o).toJson()) >= 0 && file.commit()) return true;
  if (error) *error = QStringLiteral("%1: %2").arg(runLabelPath(trace), file.errorString());
  return false;
}

}  // namespace seesaw::app
