#include "widgets/export.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSpinBox>
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

bool saveSvg(QCustomPlot& plot, const QString& path, QSize size)
{
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(size);
  svg.setViewBox(QRect(QPoint(0, 0), size));
  svg.setTitle(plot.objectName());
  QCPPainter painter;
  if (!painter.begin(&svg)) return false;
  plot.toPainter(&painter, size.width(), size.height());
  return painter.end();
}

void warn(QWidget* parent, const QString& path, const QString& error)
{
  QMessageBox::warning(parent, QObject::tr("Cannot export"), QObject::tr("%1: %2").arg(path, error));
}

// Asks where and how large; true when the user chose.
bool askImage(QWidget& parent, const ExportSource& source, QSize shown, QString* path, ImageOptions* options)
{
  QDialog dialog(&parent);
  dialog.setWindowTitle(QObject::tr("Export image"));
  auto* file = new QLineEdit(QDir::current().filePath(exportFileName(source, QStringLiteral("png"))));
  auto* browse = new QPushButton(QObject::tr("..."));
  auto* width = new QSpinBox;
  auto* height = new QSpinBox;
  for (QSpinBox* box : {width, height}) {
    box->setRange(100, 10000);
    box->setSuffix(QObject::tr(" px"));
  }
  width->setValue(shown.width());
  height->setValue(shown.height());
  auto* scale = new QComboBox;
  for (int s : {1, 2, 3}) scale->addItem(QObject::tr("%1x").arg(s), s);
  scale->setToolTip(QObject::tr("PNG: device pixels per pixel; 2x keeps lines and text sharp on a slide or a high-density screen"));
  auto* caption = new QCheckBox(QObject::tr("name the run in the image: %1").arg(source.run));
  caption->setChecked(!source.run.isEmpty());
  caption->setEnabled(!source.run.isEmpty());
  auto* row = new QHBoxLayout;
  row->addWidget(file, 1);
  row->addWidget(browse);
  auto* form = new QFormLayout(&dialog);
  form->addRow(QObject::tr("file (.png, .svg, .pdf)"), row);
  form->addRow(QObject::tr("width"), width);
  form->addRow(QObject::tr("height"), height);
  form->addRow(QObject::tr("scale"), scale);
  form->addRow(caption);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
  form->addRow(buttons);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  QObject::connect(browse, &QPushButton::clicked, &dialog, [&dialog, file] {
    const QString chosen = QFileDialog::getSaveFileName(&dialog, QObject::tr("Export image"), file->text(),
                                                        QObject::tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"));
    if (!chosen.isEmpty()) file->setText(chosen);
  });
  if (dialog.exec() != QDialog::Accepted || file->text().isEmpty()) return false;
  *path = file->text();
  *options = ImageOptions{QSize(width->value(), height->value()), static_cast<double>(scale->currentData().toInt()),
                          caption->isChecked() ? source.run : QString()};
  return true;
}

// The export and copy actions on a widget's context menu; image is null for a table.
void addMenu(QWidget& widget, ExportSourceOf source, std::function<QString(QChar)> data,
             std::function<bool(const QString&, const ImageOptions&, QString*)> saveImage, std::function<QImage()> image)
{
  widget.setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(&widget, &QWidget::customContextMenuRequested, &widget, [&widget, source, data, saveImage, image](const QPoint& at) {
    QMenu menu(&widget);
    if (saveImage) {
      menu.addAction(QObject::tr("Export image..."), &widget, [&widget, source, saveImage] {
        QString path, error;
        ImageOptions options;
        if (askImage(widget, source(), widget.size(), &path, &options) && !saveImage(path, options, &error)) warn(&widget, path, error);
      });
    }
    menu.addAction(QObject::tr("Export data as CSV..."), &widget, [&widget, source, data] {
      const QString path = QFileDialog::getSaveFileName(&widget, QObject::tr("Export data"), exportFileName(source(), QStringLiteral("csv")),
                                                        QObject::tr("CSV (*.csv)"));
      QString error;
      if (!path.isEmpty() && !writeText(path, data(QLatin1Char(',')), &error)) warn(&widget, path, error);
    });
    if (image) menu.addAction(QObject::tr("Copy image"), &widget, [image] { QApplication::clipboard()->setImage(image()); });
    menu.addAction(QObject::tr("Copy data"), &widget, [data] { QApplication::clipboard()->setText(data(QLatin1Char('\t'))); });
    menu.exec(widget.mapToGlobal(at));
  });
}

}  // namespace

QString exportFileName(const ExportSource& source, const QString& suffix)
{
  QString name = (source.run.isEmpty() ? QString() : source.run + QLatin1Char('-')) + source.view;
  static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._-]+"));
  name.replace(unsafe, QStringLiteral("_"));
  return (name.isEmpty() ? QStringLiteral("seesaw") : name) + QLatin1Char('.') + suffix;
}

bool exportPlotImage(QCustomPlot& plot, const QString& path, const ImageOptions& options, QString* error)
{
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != QLatin1String("png") && suffix != QLatin1String("pdf") && suffix != QLatin1String("svg")) {
    if (error) *error = QObject::tr("unknown image format '%1' (use .png, .svg or .pdf)").arg(suffix);
    return false;
  }
  const QSize size = options.size.isEmpty() ? plot.size() : options.size;
  // A picture past 100 megapixels (10000 px at 3x would be 3.6 GB of memory) is refused.
  if (static_cast<double>(size.width()) * size.height() * options.scale * options.scale > 1e8) {
    if (error) *error = QObject::tr("%1 x %2 pixels at %3x is more than 100 megapixels; choose a smaller size or scale").arg(size.width()).arg(size.height()).arg(options.scale);
    return false;
  }
  // The caption is a row of the plot for the length of the export.
  QCPTextElement* caption = nullptr;
  if (!options.caption.isEmpty()) {
    plot.plotLayout()->insertRow(0);
    caption = new QCPTextElement(&plot, options.caption, QFont(plot.font().family(), 9));
    caption->setTextColor(QColor(80, 80, 80));
    plot.plotLayout()->addElement(0, 0, caption);
  }
  bool ok = false;
  if (suffix == QLatin1String("png")) ok = plot.savePng(path, size.width(), size.height(), options.scale);
  else if (suffix == QLatin1String("pdf")) ok = plot.savePdf(path, size.width(), size.height());
  else ok = saveSvg(plot, path, size);
  if (caption) {
    plot.plotLayout()->remove(caption);
    plot.plotLayout()->simplify();
    plot.replot(QCustomPlot::rpQueuedReplot);
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

void addExportMenu(QCustomPlot& plot, ExportSourceOf source)
{
  addMenu(
      plot, std::move(source), [&plot](QChar separator) { return plotCsv(plot, separator); },
      [&plot](const QString& path, const ImageOptions& options, QString* error) { return exportPlotImage(plot, path, options, error); },
      [&plot] { return plot.toPixmap().toImage(); });
}

void addExportMenu(QAbstractItemView& table, ExportSourceOf source, std::function<QString(QChar)> csv)
{
  if (!csv) csv = [&table](QChar separator) { return table.model() ? tableCsv(*table.model(), separator) : QString(); };
  addMenu(table, std::move(source), std::move(csv), nullptr, nullptr);
}

}  // namespace seesaw::widgets
