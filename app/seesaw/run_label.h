#pragma once
// The name and colour a user gives a run in the runs panel, kept beside its trace
// (`<trace>.label.json`) rather than in it: a trace may still be written by another process, and
// a label must not touch what was recorded.

#include <QColor>
#include <QString>

namespace seesaw::app {

struct RunLabel
{
  QString name;  // empty: the trace's file name
  QColor color;  // invalid: the colour of the run's place
};

QString runLabelPath(const QString& trace);
// The label beside `trace`; an empty one when there is none or it cannot be read (a label is a
// convenience: a damaged one costs the name, never the comparison).
RunLabel readRunLabel(const QString& trace);
// False with the reason in `error` when the file cannot be written.
bool writeRunLabel(const QString& trace, const RunLabel& label, QString* error);

}  // namespace seesaw::app
