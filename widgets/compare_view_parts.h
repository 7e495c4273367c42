#pragma once
// The shared pieces of the comparison views (compare_overlay_view.h, compare_difference_view.h,
// compare_users_view.h): following the compared runs, filling their choices, marking a branch, and
// moving every run's cursor on a click.

#include <cstdint>
#include <functional>
#include <initializer_list>

class QComboBox;
class QCustomPlot;
class QHBoxLayout;
class QWidget;

namespace seesaw::widgets {

class Comparison;
struct ComparedRun;

namespace compare_parts {

// Calls `grown` when any compared run's records change, `cursor` when the cursor moves and
// `selected` when the selected user changes; the connections follow the comparison's runs (a new context object per set of runs).
void followRuns(QWidget* view, Comparison& comparison, std::function<void()> grown, std::function<void()> cursor,
                std::function<void()> selected = nullptr);

// The quantities every run has, by name; keeps the chosen one where it still exists.
void fillQuantities(QComboBox& box, const Comparison& comparison, bool stepQuantities);

void fillRuns(QComboBox& box, const Comparison& comparison, int fallback);

const ComparedRun* runAt(const Comparison& comparison, int index);

// A branch among the runs: a dashed line at its step, and the steps from a little before it in
// view, where the runs part.
void markBranch(QCustomPlot& plot, const Comparison& comparison);

int64_t cursorOf(const Comparison& comparison);

// A click (not a drag, which pans) inside the axes of a plot over steps moves every run's cursor there.
void clickMovesCursor(QCustomPlot& plot, Comparison& comparison);

QHBoxLayout* row(std::initializer_list<QWidget*> widgets);

}  // namespace compare_parts
}  // namespace seesaw::widgets
