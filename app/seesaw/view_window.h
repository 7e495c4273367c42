#pragma once
// A window of named views: one central, the others in docks (moved, floated, tabbed, closed at
// will). The names are what `--view` takes; a screenshot is of the window or of one view.

#include <QMainWindow>
#include <QString>
#include <QStringList>

#include <functional>
#include <map>

namespace seesaw::app {

class ViewWindow : public QMainWindow
{
  Q_OBJECT

public:
  using QMainWindow::QMainWindow;

  // The view names, central first, then the docks in the order they were added.
  QStringList viewNames() const { return viewOrder_; }
  QWidget* view(const QString& name) const;
  // Saves a PNG of the whole window, or of one view; false when there is no such view or the
  // file cannot be written.
  bool saveScreenshot(const QString& path, const QString& view = {});

  // The export menu on every plot and table of every view, its files and images named after
  // runName() and the view; a table whose view is in tableCsv exports that instead of its cells.
  void addExportMenus(std::function<QString()> runName, const std::map<QString, std::function<QString(QChar)>>& tableCsv = {});

protected:
  // Combo boxes filled when a run begins are as wide as their longest choice ("cosine is_click /
  // long_view"), not as wide as they were empty.
  void fitChoicesToContents();
  void setCentralView(const QString& name, QWidget* view);
  // The dock's object name is the view's, so that saveState() finds it.
  void addView(const QString& name, const QString& title, QWidget* view, Qt::DockWidgetArea area);

private:
  std::map<QString, QWidget*> views_;
  QStringList viewOrder_;
};

}  // namespace seesaw::app
