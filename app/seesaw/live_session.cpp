#include "app/seesaw/live_session.h"

#include <QThread>
#include <QtConcurrent/QtConcurrentRun>

#include "trace/trace_writer.h"
#include "train/branch.h"
#include "train/checkpoint.h"
#include "train/prepared_data.h"
#include "train/trainer.h"
#include "widgets/run_store.h"

namespace seesaw::app {

LiveSession::LiveSession(widgets::RunStore& store, QObject* parent) : QObject(parent), store_(store)
{
  drainTimer_.setInterval(33);  // about 30 view updates a second, whatever the step rate
  connect(&drainTimer_, &QTimer::timeout, this, &LiveSession::drain);
}

LiveSession::~LiveSession()
{
  stop();
  if (thread_) thread_->wait();
  for (auto& f : deriving_) f.waitForFinished();
}

void LiveSession::start(const RunConfig& config, const QString& tracePath, const QString& checkpoint)
{
  if (active()) return;
  control_.reset();
  tracePath_ = tracePath;
  failure_.clear();
  threadError_.clear();
  end_.reset();
  const std::string path = tracePath.toStdString();
  thread_ = QThread::create([this, config, path, from = checkpoint.toStdString()] {
    try {
      std::optional<BranchPlan> branch;
      if (!from.empty()) branch = planBranch(readCheckpointHeader(from).config, config);
      const RunConfig& start = branch ? branch->start : config;
      auto data = std::make_shared<PreparedData>(prepareData(start.data));
      Trainer trainer(start, data);
      trainer.setCheckpointDirectory(checkpointDirectoryFor(path), path);
      if (branch) trainer.restore(from, branch->changes);
      TraceOptions options;
      options.path = path;
      TraceWriter trace(options);
      SinkFanOut sink({&queue_, &trace});
      trainer.run(sink, control_);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(errorMutex_);
      threadError_ = e.what();
    }
  });
  thread_->setObjectName(QStringLiteral("trainer"));
  // waitForEnd() may have finished this thread already and a new run begun by the time the
  // queued signal arrives: only the current thread's end counts.
  connect(thread_, &QThread::finished, this, [this, thread = thread_] {
    if (thread == thread_) threadFinished();
  });
  setState(State::Running);
  drainTimer_.start();
  thread_->start();
}

void LiveSession::setPaused(bool paused)
{
  if (state_ != State::Running && state_ != State::Paused) return;
  control_.pause = paused;
  setState(paused ? State::Paused : State::Running);
}

void LiveSession::saveCheckpoint()
{
  if (state_ == State::Running || state_ == State::Paused) control_.checkpoint = true;
}

void LiveSession::steer(const Steering& change)
{
  if (state_ == State::Running || state_ == State::Paused) control_.steer(change);
}

void LiveSession::stop()
{
  if (!active()) return;
  control_.stop = true;
  control_.pause = false;
  setState(State::Stopping);
}

void LiveSession::waitForEnd()
{
  if (thread_) thread_->wait();
  threadFinished();
}

void LiveSession::drain()
{
  RecordBatch batch = queue_.take();
  if (batch.info) store_.begin(*batch.info);
  // Moved into the pool's task, so that the GUI thread keeps no reference: whoever drops the last
  // one zeroes the window's buffer for reuse (GeometryWindow), which is no work for the GUI thread.
  for (PendingGeometry& pending : batch.snapshots)
    deriving_.push_back(QtConcurrent::run([pending = std::move(pending)]() -> PendingGeometry {
      try {
        return readyGeometry(pending.get());
      } catch (const std::exception&) {
        return {};  // out of memory for a huge snapshot: the views go without it, the run goes on
      }
    }));
  batch.snapshots.clear();
  while (!deriving_.empty() && deriving_.front().isFinished()) {
    if (PendingGeometry snapshot = deriving_.front().result(); snapshot.valid()) batch.snapshots.push_back(std::move(snapshot));
    deriving_.pop_front();
  }
  store_.append(batch);
  if (batch.end) end_ = batch.end;
  if (end_ && deriving_.empty()) {
    store_.end(*end_);
    end_.reset();
  }
}

void LiveSession::threadFinished()
{
  if (!thread_) return;
  thread_->deleteLater();
  thread_ = nullptr;
  drainTimer_.stop();
  drain();  // the last records; their snapshots start deriving
  for (auto& f : deriving_) f.waitForFinished();
  drain();  // those snapshots, then the run's end
  {
    std::lock_guard<std::mutex> lock(errorMutex_);
    failure_ = QString::fromStdString(threadError_);
  }
  const auto& end = store_.runEnd();
  if (failure_.isEmpty() && end && !end->error.empty()) failure_ = QString::fromStdString(end->error);
  setState(failure_.isEmpty() ? State::Finished : State::Failed);
}

void LiveSession::setState(State state)
{
  if (state == state_) return;
  state_ = state;
  Q_EMIT stateChanged(state);
}

}  // namespace seesaw::app
