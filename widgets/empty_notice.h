#pragma once
// What an empty view waits for, in words over the view ("waiting for the first per-user
// snapshot"), instead of axes with invented ranges and empty legends.

#include <QString>

class QLabel;
class QWidget;

namespace seesaw::widgets {

// Covers `view` with `text`, or uncovers it when text is empty.
void setEmptyNotice(QWidget& view, const QString& text);
// The notice over `view`, or null while it has none (for tests).
const QLabel* emptyNotice(const QWidget& view);

class RunStore;

// What a view shows before any run (the window's central view says how to get one).
QString noRunNotice();
// What a view of step records waits for while it has none (`empty`): a run, or the run's first
// `what` ("training step", "evaluation"); empty when it is not empty.
QString waitingNotice(const RunStore& store, bool empty, const QString& what);
// What a per-user view waits for; empty once the store has a snapshot.
QString perUserNotice(const RunStore& store);

}  // namespace seesaw::widgets
