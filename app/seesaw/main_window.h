#pragma once
// The desktop window: every view in a dock of its own (the layout is remembered between runs),
// run controls on a toolbar with shortcuts, the timeline under the views, and the status bar. It
// owns the RunStore the views read and its two sources: the LiveSession that trains into it and
// the ReplaySession that reads a trace into it (one at a time). A run set up with several
// processes trains in a RankJob, whose trace the ReplaySession follows.

#include <QString>

#include "app/seesaw/view_window.h"

#include "config/run_config.h"
#include "records/run_info.h"

class QAction;
class QDockWidget;
class QDragEnterEvent;
class QDropEvent;
class QLabel;
class QMenu;

namespace seesaw::widgets {
class RunStore;
class Timeline;
}

namespace seesaw::app {

class CompareWindow;
class LiveSession;
class RankJob;
class ReplaySession;
class SteeringPanel;

class MainWindow : public ViewWindow
{
  Q_OBJECT

public:
  // Remembered: the layout of the last session (QSettings); Default: the built-in one, so that
  // screenshots look the same on every machine.
  enum class Layout { Remembered, Default };
  MainWindow(RunConfig config, QString tracePath, Layout layout = Layout::Remembered);
  ~MainWindow() override;


  widgets::RunStore& store() { return *store_; }
  const RunConfig& config() const { return config_; }
  LiveSession& session() { return *session_; }
  ReplaySession& replay() { return *replay_; }
  RankJob& ranks() { return *ranks_; }
  // Data-parallel processes of the next run (the run setup's field); 1 trains in the window.
  void setProcesses(int processes) { processes_ = processes; }
  // Why the run shown failed (in the window or in ranks), or empty.
  QString failure() const;
  widgets::Timeline& timeline() { return *timeline_; }
  SteeringPanel& steering() { return *steering_; }

public Q_SLOTS:
  // The run setup dialog, then a run of what it sets.
  void newRun();
  // A run of the current config (a branch after setBranch()).
  void startRun();
  // The next startRun() continues `checkpoint` with the current config's settings (what a branch
  // may change: method, parameters, lr, task weights, length, cadences, device).
  void setBranch(const QString& checkpoint) { branch_ = checkpoint; }
  // Chooses a checkpoint, sets the branch up in the run dialog (the checkpoint's settings to
  // start from) and starts it.
  void branchRun();
  // Opens this branch and the run it branched from side by side, aligned at the branch's step.
  CompareWindow* compareWithParent(QString* error = nullptr);
  void togglePause();
  void stopRun();
  // Shows a recorded run (a finished trace, or one another process is writing). False when it
  // cannot be read: the reason goes to `error`, or to a dialog when error is null.
  bool openTrace(const QString& path, QString* error = nullptr);
  // Opens two or more traces side by side in a window of their own; null when one cannot be read
  // (the reason goes to `error`, or to a dialog when error is null).
  CompareWindow* compareTraces(const QStringList& paths, QString* error = nullptr);

Q_SIGNALS:
  // The run ended (finished, stopped or failed) and its last records are in the views; for a
  // trace, every record it holds is in the views and its writer has ended.
  void runEnded();

protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

private:
  QDockWidget* dock(const char* view) const;
  // A run is training: in the window's own session or in ranks.
  bool training() const;
  // The trace this window's run is writing (in the session or in ranks), or empty.
  QString writtenTrace() const;
  // Opens the ranks' trace once it reads (the ranks create it before their run's description is in it).
  void followRanks(const QString& path);
  void ranksEnded();
  // Says that the run or trace shown has ended (runEnded), once, with a dialog for a failure.
  void endRun(const QString& failure);
  // Asks whether to stop the run in progress and quit; true when the user says so.
  bool confirmQuit();
  void sessionStateChanged();
  // Says in the status bar what became of each checkpoint asked for, and offers no second one of
  // the same step (it would be the same state).
  void reportCheckpoints();
  void updateCheckpointAction();
  void updateStatus();
  void rememberTrace(const QString& path);
  static QString deviceText(const RunInfo& info);
  void fillRecentMenu();
  QString shownTrace() const { return storeTrace_; }  // of the replay, or of the run, that the views show

  RunConfig config_;
  QString tracePath_;
  QString storeTrace_;  // the trace of the run the views show (a run that failed to begin shows none)
  widgets::RunStore* store_;
  LiveSession* session_;
  ReplaySession* replay_;
  RankJob* ranks_;
  int processes_ = 1;
  // What the views show, and so whose end and failure are said: the window's own run, a run in
  // ranks (followed through its trace), or a trace opened.
  enum class Source { None, Session, Ranks, Trace };
  Source source_ = Source::None;
  int runSerial_ = 0;     // counts the runs and traces shown, so that a late timer knows its own
  bool endSaid_ = false;  // runEnded said for the one shown
  widgets::Timeline* timeline_;
  SteeringPanel* steering_;
  QMenu* recentMenu_;
  QAction* startAction_;
  QAction* pauseAction_;
  QAction* stopAction_;
  QAction* checkpointAction_;
  QAction* compareParentAction_;
  QString branch_;  // the checkpoint the next run branches from; empty: a run from scratch
  QLabel* stateLabel_;
  QLabel* stepLabel_;
  QLabel* speedLabel_;
  QLabel* deviceLabel_;
  QLabel* traceLabel_;
  QLabel* noticeLabel_;
  size_t changesReported_ = 0;
  int64_t checkpointStep_ = -1;  // the step of the last checkpoint saved in this run
};

}  // namespace seesaw::app
