#pragma once
// The look every view shares, so that a task or a pair has one colour everywhere and every
// cosine heatmap reads on the same scale.

#include <QColor>
#include <QSharedPointer>
#include <QString>

#include <functional>

class QCustomPlot;
class QCPRange;
class QCPAxisTicker;
class QCPColorGradient;
class QCPItemStraightLine;
class QPointF;

namespace seesaw::widgets {

// The colour of series i (task k, pair p, ...), from a palette readable on white.
QColor seriesColor(int index);

// Cosines from -1 (red: the tasks pull against each other) through 0 (white) to +1 (blue),
// NaN drawn light grey. Every cosine heatmap uses this gradient on the fixed range [-1, 1].
QCPColorGradient cosineGradient();

// Counts from 0 (white) to the most (dark blue), for distributions.
QCPColorGradient countGradient();

// The step cursor's vertical line in a plot whose x axis is steps, and moving it (which redraws
// the cursor's own layer, nothing else).
QCPItemStraightLine* addStepCursor(QCustomPlot& plot);
void moveStepCursor(QCPItemStraightLine& cursor, double step);

// An axis range that shows `values` with a margin; constant values (EW's weights, to float
// rounding) get a range of their own size around them instead of an empty or microscopic one.
QCPRange readableRange(const QCPRange& values, bool logScale);

// Shows describe(x, y), the plot coordinates under the mouse, as a tooltip over the plot; an empty
// text shows none.
void addValueTooltip(QCustomPlot& plot, std::function<QString(double x, double y)> describe);

// Calls clicked(position) for a left click on the plot that is no drag (a drag pans): the button
// released within 4 pixels of where it was pressed.
void onPlotClick(QCustomPlot& plot, std::function<void(const QPointF& at)> clicked);

// Axis labels, fonts and interactions shared by the plots over steps: whole-step ticks, tick
// spacing from the axes' lengths, the legend above the plot (placeLegendAbove).
void styleStepPlot(QCustomPlot& plot, const QString& valueLabel);

// The legend in a row of its own above the axes, wrapped to the plot's width, where it hides no
// data (a legend inside the axes sits on the newest steps, what a user watches live). A click on
// an entry hides or shows its series; a hidden one's entry is greyed. Call before adding rows
// above the axes (a title).
void placeLegendAbove(QCustomPlot& plot);

// Ticks spaced by each axis' length in pixels, so that their labels never run into each other
// however small the plot ("50100150200" on a narrow one).
void spaceTicks(QCustomPlot& plot);

// Box zoom (Shift+drag a rectangle) and a way back: once the user has panned, zoomed or boxed,
// a "Reset view" button shows in the plot's corner; it, and a double-click, call `reset` and
// hide it. viewIsUsers() says whether the ranges are the user's, which automatic fitting keeps.
void addViewReset(QCustomPlot& plot, std::function<void()> reset);
bool viewIsUsers(const QCustomPlot& plot);
// The view is automatic again (a new run: the last run's zoom means nothing for it).
void forgetUsersView(QCustomPlot& plot);

// Ticks at whole steps only: a range of one step shows 100 and 101, not 100.2, 100.4, ...
QSharedPointer<QCPAxisTicker> stepTicker();

}  // namespace seesaw::widgets
