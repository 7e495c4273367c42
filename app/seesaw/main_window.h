#pragma once
// The desktop window: every view in a dock of its own (the layout is remembered between runs),
// run controls on a toolbar with shortcuts, and the status bar. It owns the RunStore the views
// read and the LiveSession that trains into it.

#include <QMainWindow>
#include <QString>

#include <map>

#include "config/run_config.h"

class QAction;
class QDockWidget;
class QLabel;

namespace seesaw::widgets {
class RunStore;
}

namespace seesaw::app {

class LiveSession;
class SteeringPanel;

class MainWindow : public QMainWindow
{
  Q_OBJECT

public:
  // Remembered: the layout of the last session (QSettings); Default: the built-in one, so that
  // screenshots look the same on every machine.
  enum class Layout { Remembered, Default };
  MainWindow(RunConfig config, QString tracePath, Layout layout = Layout::Remembered);
  ~MainWindow() override;

  // The names `--view` takes, in dock order.
  QStringList viewNames() const;
  // Saves a PNG of the whole window, or of one view; false when the file cannot be written.
  bool saveScreenshot(const QString& path, const QString& view = {});

  widgets::RunStore& store() { return *store_; }
  const RunConfig& config() const { return config_; }
  LiveSession& session() { return *session_; }
  SteeringPanel& steering() { return *steering_; }

public Q_SLOTS:
  // The run setup dialog, then a run of what it sets.
  void newRun();
  // A run of the current config.
  void startRun();
  void togglePause();
  void stopRun();

Q_SIGNALS:
  // The run ended (finished, stopped or failed) and its last records are in the views.
  void runEnded();

protected:
  void closeEvent(QCloseEvent* event) override;

private:
  QDockWidget* dock(const char* view) const;
  void addView(const QString& name, const QString& title, QWidget* view, Qt::DockWidgetArea area);
  void sessionStateChanged();
  void updateStatus();

  RunConfig config_;
  QString tracePath_;
  widgets::RunStore* store_;
  LiveSession* session_;
  SteeringPanel* steering_;
  std::map<QString, QWidget*> views_;
  QStringList viewOrder_;
  QAction* startAction_;
  QAction* pauseAction_;
  QAction* stopAction_;
  QLabel* stateLabel_;
  QLabel* stepLabel_;
  QLabel* speedLabel_;
  QLabel* deviceLabel_;
  QLabel* traceLabel_;
};

}  // namespace seesaw::app
