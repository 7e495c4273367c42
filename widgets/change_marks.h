#pragma once
// The settings changed during a run (steering), marked on a plot whose x axis is steps: a
// dash-dotted line between the last step before and the first step after each applied change,
// labelled with the new value; and the checkpoints saved, a dotted blue line after the step each
// holds. Every time axis shows them.

#include <QString>

#include <cstddef>
#include <string>

class QCustomPlot;

namespace seesaw::widgets {

class RunStore;

// Marks the store's changes from index `from` on; returns the number of changes seen, the next
// call's `from`. Refused changes changed nothing and get no mark.
size_t markChanges(QCustomPlot& plot, const RunStore& store, size_t from);

// A change's value (JSON text) as a person reads it: a string without its quotes, the rest as written.
QString changeValueText(const std::string& json);

}  // namespace seesaw::widgets
