#include "widgets/export.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>

#include <qcustomplot.h>

#include <cmath>
#include <map>
#include <optional>
#include <vector>

namespace seesaw::widgets {
namespace {

QString number(double v)
{
  if (std::isnan(v)) return QStringLiteral("NaN");
  return QString::number(v, 'g', 9);  // enough digits to read a float32 back exactly
}

// A field quoted where it holds the separator, a quote or a line break (RFC 4180).
QString field(QString text, QChar separator)
{
  if (!text.contains(separator) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n'))) return text;
  return QLatin1Char('"') + text.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
}

bool saveSvg(QCustomPlot& plot, const QString& path)
{
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(plot.size());
  svg.setViewBox(QRect(QPoint(0, 0), plot.size()));
  svg.setTitle(plot.objectName());
  QCPPainter painter;
  if (!painter.begin(&svg)) return false;
  plot.toPainter(&painter, plot.width(), plot.height());
  return painter.end();
}

void warn(QWidget* parent, const QString& path, const QString& error)
{
  QMessageBox::warning(parent, QObject::tr("Cannot export"), QObject::tr("%1: %2").arg(path, error));
}

// The export and copy actions on a widget's context menu; image is null for a table.
void addMenu(QWidget& widget, std::function<QString(QChar)> data, std::function<bool(const QString&, QString*)> saveImage,
             std::function<QImage()> image)
{
  widget.setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(&widget, &QWidget::customContextMenuRequested, &widget, [&widget, data, saveImage, image](const QPoint& at) {
    QMenu menu(&widget);
    if (saveImage) {
      menu.addAction(QObject::tr("Export image..."), &widget, [&widget, saveImage] {
        const QString path = QFileDialog::getSaveFileName(&widget, QObject::tr("Export image"), QStringLiteral("plot.png"),
                                                          QObject::tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"));
        QString error;
        if (!path.isEmpty() && !saveImage(path, &error)) warn(&widget, path, error);
      });
    }
    menu.addAction(QObject::tr("Export data as CSV..."), &widget, [&widget, data] {
      const QString path = QFileDialog::getSaveFileName(&widget, QObject::tr("Export data"), QStringLiteral("data.csv"), QObject::tr("CSV (*.csv)"));
      QString error;
      if (!path.isEmpty() && !writeText(path, data(QLatin1Char(',')), &error)) warn(&widget, path, error);
    });
    if (image) menu.addAction(QObject::tr("Copy image"), &widget, [image] { QApplication::clipboard()->setImage(image()); });
    menu.addAction(QObject::tr("Copy data"), &widget, [data] { QApplication::clipboard()->setText(data(QLatin1Char('\t'))); });
    menu.exec(widget.mapToGlobal(at));
  });
}

}  // namespace

bool exportPlotImage(QCustomPlot& plot, const QString& path, QString* error)
{
  const QString suffix = QFileInfo(path).suffix().toLower();
  bool ok = false;
  if (suffix == QLatin1String("png")) ok = plot.savePng(path);
  else if (suffix == QLatin1String("pdf")) ok = plot.savePdf(path);
  else if (suffix == QLatin1String("svg")) ok = saveSvg(plot, path);
  else {
    if (error) *error = QObject::tr("unknown image format '%1' (use .png, .svg or .pdf)").arg(suffix);
    return false;
  }
  // QSvgGenerator and QPdfWriter report nothing when the file cannot be opened; the file says.
  if (ok && QFileInfo(path).size() > 0) return true;
  if (error) *error = QObject::tr("the file cannot be written");
  return false;
}

QString plotCsv(QCustomPlot& plot, QChar separator)
{
  QString out;
  std::vector<QCPGraph*> graphs;
  for (int i = 0; i < plot.graphCount(); ++i)
    if (plot.graph(i)->visible() || plot.graph(i)->dataCount() > 0) graphs.push_back(plot.graph(i));
  if (!graphs.empty()) {
    // x -> each graph's value there; none (a blank cell) where a graph has no point at x.
    std::map<double, std::vector<std::optional<double>>> rows;
    for (size_t g = 0; g < graphs.size(); ++g)
      for (auto it = graphs[g]->data()->constBegin(); it != graphs[g]->data()->constEnd(); ++it)
        rows.try_emplace(it->key, graphs.size()).first->second[g] = it->value;
    QStringList header = {field(graphs.front()->keyAxis()->label().isEmpty() ? QStringLiteral("x") : graphs.front()->keyAxis()->label(), separator)};
    for (QCPGraph* g : graphs) header << field(g->name(), separator);
    out += header.join(separator) + QLatin1Char('\n');
    for (const auto& [x, values] : rows) {
      QStringList line = {number(x)};
      for (const auto& v : values) line << (v ? number(*v) : QString());
      out += line.join(separator) + QLatin1Char('\n');
    }
  }
  for (int i = 0; i < plot.plottableCount(); ++i) {
    auto* map = qobject_cast<QCPColorMap*>(plot.plottable(i));
    if (!map) continue;
    if (!out.isEmpty()) out += QLatin1Char('\n');
    QCPColorMapData& d = *map->data();
    out += QStringList{field(map->keyAxis()->label().isEmpty() ? QStringLiteral("x") : map->keyAxis()->label(), separator),
                       field(map->valueAxis()->label().isEmpty() ? QStringLiteral("y") : map->valueAxis()->label(), separator),
                       field(map->colorScale() && !map->colorScale()->label().isEmpty() ? map->colorScale()->label() : QStringLiteral("value"), separator)}
               .join(separator) +
           QLatin1Char('\n');
    for (int x = 0; x < d.keySize(); ++x)
      for (int y = 0; y < d.valueSize(); ++y) {
        double key = 0, value = 0;
        d.cellToCoord(x, y, &key, &value);
        out += number(key) + separator + number(value) + separator + number(d.cell(x, y)) + QLatin1Char('\n');
      }
  }
  return out;
}

QString tableCsv(const QAbstractItemModel& model, QChar separator)
{
  QString out;
  QStringList header;
  for (int c = 0; c < model.columnCount(); ++c) header << field(model.headerData(c, Qt::Horizontal).toString().replace(QLatin1Char('\n'), QLatin1Char(' ')), separator);
  out += header.join(separator) + QLatin1Char('\n');
  for (int r = 0; r < model.rowCount(); ++r) {
    QStringList line;
    for (int c = 0; c < model.columnCount(); ++c) {
      const QVariant v = model.data(model.index(r, c), Qt::EditRole);
      line << (v.typeId() == QMetaType::Double ? number(v.toDouble()) : field(v.toString(), separator));
    }
    out += line.join(separator) + QLatin1Char('\n');
  }
  return out;
}

bool writeText(const QString& path, const QString& text, QString* error)
{
  QSaveFile file(path);
  if (file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text.toUtf8()) >= 0 && file.commit()) return true;
  if (error) *error = file.errorString();
  return false;
}

void addExportMenu(QCustomPlot& plot)
{
  addMenu(
      plot, [&plot](QChar separator) { return plotCsv(plot, separator); },
      [&plot](const QString& path, QString* error) { return exportPlotImage(plot, path, error); }, [&plot] { return plot.toPixmap().toImage(); });
}

void addExportMenu(QAbstractItemView& table)
{
  addMenu(table, [&table](QChar separator) { return table.model() ? tableCsv(*table.model(), separator) : QString(); }, nullptr, nullptr);
}

}  // namespace seesaw::widgets
