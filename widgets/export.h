#pragma once
// Getting a view out of the app: a plot as PNG, SVG or PDF, its series or a table as CSV, and
// either to the clipboard. Every plot and table gets the same context menu for it.

#include <QString>

class QAbstractItemModel;
class QAbstractItemView;
class QCustomPlot;

namespace seesaw::widgets {

// Writes the plot at its on-screen size, in the format the file's suffix names (.png, .svg,
// .pdf). False with the reason in `error` when the suffix is unknown or the file cannot be written.
bool exportPlotImage(QCustomPlot& plot, const QString& path, QString* error);

// The plot's data: its curves as columns over their shared x (one row per x that any curve has,
// blank where a curve has none there), then each colour map as x, y, value rows. NaN is written
// as NaN; numbers keep float precision.
QString plotCsv(QCustomPlot& plot, QChar separator = QLatin1Char(','));

// The rows of a model as it is shown (sorted and filtered), with its header.
QString tableCsv(const QAbstractItemModel& model, QChar separator = QLatin1Char(','));

// Writes text to a file; false with the reason in `error`.
bool writeText(const QString& path, const QString& text, QString* error);

// The context menu: export the image, export the data as CSV, copy the image, copy the data
// (tab-separated, as spreadsheets paste it).
void addExportMenu(QCustomPlot& plot);
void addExportMenu(QAbstractItemView& table);

}  // namespace seesaw::widgets
