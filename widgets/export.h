#pragma once
// Getting a view out of the app: a plot as PNG, SVG or PDF, its series or a table as CSV, and
// either to the clipboard. Every plot and table gets the same context menu for it.

#include <QSize>
#include <QString>

#include <functional>

class QAbstractItemModel;
class QAbstractItemView;
class QCustomPlot;

namespace seesaw::widgets {

// What an export comes from: the run (named in the image and first in the file name) and the view.
struct ExportSource
{
  QString run;   // "20261206-101500-demo-pcgrad", or "ew vs pcgrad"; empty: no run shown
  QString view;  // "cosine", "users", ...
};
using ExportSourceOf = std::function<ExportSource()>;

// "20261206-101500-demo-pcgrad-cosine.png": the run and the view, in characters every file system takes.
QString exportFileName(const ExportSource& source, const QString& suffix);

struct ImageOptions
{
  QSize size;          // in pixels; empty: the plot's on-screen size
  double scale = 1;    // PNG: device pixels per pixel (2 for a sharp picture on a slide)
  QString caption;     // drawn above the plot (the run's name); empty: none
};

// Writes the plot in the format the file's suffix names (.png, .svg, .pdf). False with the reason
// in `error` when the suffix is unknown or the file cannot be written.
bool exportPlotImage(QCustomPlot& plot, const QString& path, const ImageOptions& options, QString* error);

// The plot's data: its curves as columns over their shared x (one row per x that any curve has,
// blank where a curve has none there), then each colour map as x, y, value rows. NaN is written
// as NaN; numbers keep float precision.
QString plotCsv(QCustomPlot& plot, QChar separator = QLatin1Char(','));

// The rows of a model as it is shown (sorted and filtered), with its header.
QString tableCsv(const QAbstractItemModel& model, QChar separator = QLatin1Char(','));

// Writes text to a file; false with the reason in `error`.
bool writeText(const QString& path, const QString& text, QString* error);

// The context menu: export the image (at a chosen size and scale, the run named in it), export the
// data as CSV, copy the image, copy the data (tab-separated, as spreadsheets paste it). The files
// are named after the source. A table's data is `csv` where given (a table that says more than its
// cells), else its rows as shown.
void addExportMenu(QCustomPlot& plot, ExportSourceOf source);
void addExportMenu(QAbstractItemView& table, ExportSourceOf source, std::function<QString(QChar)> csv = {});

}  // namespace seesaw::widgets
