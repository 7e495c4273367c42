#pragma once
// One training run inside the app. The trainer runs on a worker thread of its own (data loading
// included) and hands its records to the trace file and to a RecordQueue; a 30 Hz timer on the
// GUI thread moves what is queued into the RunStore. Neither side ever waits for the other:
// pause and stop are flags the trainer reads between steps, and per-user snapshots are derived
// from the trainer's window sums on a pool thread, then added in step order.
//
// Destroying a session while it runs stops the trainer and waits for its thread, so the trace
// is closed complete and valid.

#include <QFuture>
#include <QObject>
#include <QString>
#include <QTimer>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "app/seesaw/record_queue.h"
#include "config/run_config.h"
#include "train/run_control.h"

class QThread;

namespace seesaw::widgets {
class RunStore;
}

namespace seesaw::app {

class LiveSession : public QObject
{
  Q_OBJECT

public:
  enum class State { Idle, Running, Paused, Stopping, Finished, Failed };

  explicit LiveSession(widgets::RunStore& store, QObject* parent = nullptr);
  ~LiveSession() override;

  // Starts a run of config recorded to tracePath; only while no run is going. With a checkpoint,
  // the run is a branch: it continues the checkpoint's state with config's settings (planBranch;
  // what a branch cannot change fails the run with the field named). Checkpoints of the run go
  // beside its trace (checkpointDirectoryFor).
  void start(const RunConfig& config, const QString& tracePath, const QString& checkpoint = {});
  void setPaused(bool paused);
  // Saves a checkpoint of the steps done, also while paused; the change log names the file.
  void saveCheckpoint();
  void stop();
  // Changes the running trainer's settings from its next step; it records each change, applied
  // or refused, into the store and the trace.
  void steer(const Steering& change);
  // Blocks until the run's thread has ended and every record is in the store (closing, tests).
  void waitForEnd();

  State state() const { return state_; }
  bool active() const { return state_ == State::Running || state_ == State::Paused || state_ == State::Stopping; }
  const QString& tracePath() const { return tracePath_; }
  // Why the run failed: the trainer's error, or what stopped it from starting (a bad data file).
  const QString& failure() const { return failure_; }

Q_SIGNALS:
  void stateChanged(seesaw::app::LiveSession::State state);

private:
  void drain();
  void threadFinished();
  void setState(State state);

  widgets::RunStore& store_;
  RecordQueue queue_;
  RunControl control_;
  QThread* thread_ = nullptr;
  QTimer drainTimer_;
  std::deque<QFuture<PendingGeometry>> deriving_;
  std::optional<RunEnd> end_;  // the trainer's end, handed to the store once every snapshot is in
  std::mutex errorMutex_;
  std::string threadError_;    // set by the worker when the run could not start or threw
  State state_ = State::Idle;
  QString tracePath_;
  QString failure_;
};

}  // namespace seesaw::app
