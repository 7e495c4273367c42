#include "app/seesaw/view_window.h"

#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QComboBox>
#include <QTableView>

#include <qcustomplot.h>

#include "widgets/export.h"

namespace seesaw::app {

QWidget* ViewWindow::view(const QString& name) const
{
  const auto it = views_.find(name);
  return it == views_.end() ? nullptr : it->second;
}

bool ViewWindow::saveScreenshot(const QString& path, const QString& name)
{
  QWidget* target = name.isEmpty() ? this : view(name);
  if (!target) return false;
  QDir().mkpath(QFileInfo(path).absolutePath());
  return target->grab().save(path, "PNG");
}

void ViewWindow::addExportMenus(std::function<QString()> runName, const std::map<QString, std::function<QString(QChar)>>& tableCsv)
{
  for (const QString& name : viewOrder_) {
    QWidget* v = views_.at(name);
    const widgets::ExportSourceOf source = [runName, name] { return widgets::ExportSource{runName(), name}; };
    QList<QCustomPlot*> plots = v->findChildren<QCustomPlot*>();
    if (auto* plot = qobject_cast<QCustomPlot*>(v)) plots.prepend(plot);
    for (QCustomPlot* plot : plots) widgets::addExportMenu(*plot, source);
    const auto csv = tableCsv.find(name);
    for (QTableView* table : v->findChildren<QTableView*>())
      widgets::addExportMenu(*table, source, csv == tableCsv.end() ? std::function<QString(QChar)>() : csv->second);
  }
}

void ViewWindow::fitChoicesToContents()
{
  for (QComboBox* box : findChildren<QComboBox*>()) box->setSizeAdjustPolicy(QComboBox::AdjustToContents);
}

void ViewWindow::setCentralView(const QString& name, QWidget* view)
{
  setCentralWidget(view);
  views_[name] = view;
  viewOrder_ << name;
}

void ViewWindow::addView(const QString& name, const QString& title, QWidget* view, Qt::DockWidgetArea area)
{
  auto* dock = new QDockWidget(title, this);
  dock->setObjectName(name);
  dock->setWidget(view);
  addDockWidget(area, dock);
  views_[name] = view;
  viewOrder_ << name;
}

}  // namespace seesaw::app
