#include "app/seesaw/replay_session.h"

#include <QSemaphore>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>

#include "trace/trace_reader.h"
#include "util/error.h"
#include "widgets/run_store.h"

namespace seesaw::app {
namespace {

constexpr double kStaleHeartbeatS = 10;   // a live writer commits every second
constexpr int kSnapshotsInFlight = 2;     // read ahead of the store, so memory stays bounded
constexpr int64_t kStepBlock = 65536;     // step records per read

// A trace file's one reader in this process, with the lock its users take: a TraceReader is not
// to be used by two threads at once.
struct OpenTrace
{
  explicit OpenTrace(const std::string& path) : reader(path) {}
  std::mutex mutex;
  TraceReader reader;
};

// Every session that shows a file (the main window's replay, each run of each comparison) shares
// its one reader. HDF5 1.10 shares the file among the opens of it in a process, and a refresh
// (H5Drefresh) through one open leaves the others reading wrong rows: every snapshot read as the
// first, with no error. Opening each file once keeps that from happening.
std::shared_ptr<OpenTrace> openTrace(const std::string& path)
{
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<OpenTrace>> open;
  std::error_code error;
  std::string key = std::filesystem::weakly_canonical(path, error).string();
  if (error) key = path;
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = open.begin(); it != open.end();) it = it->second.expired() ? open.erase(it) : std::next(it);
  if (auto held = open[key].lock()) return held;
  auto made = std::make_shared<OpenTrace>(path);  // throws, naming the file
  open[key] = made;
  return made;
}

}  // namespace

// A session's view of its trace, shared by the GUI thread, the workers and the store (which reads
// let-go snapshots back through it). Snapshots near the cursor are read ahead on a worker and wait
// here until the store asks.
class SharedTrace : public widgets::SnapshotSource
{
public:
  explicit SharedTrace(const std::string& path) : trace_(openTrace(path)) {}

  template <typename F>
  auto locked(F&& f) const
  {
    std::lock_guard<std::mutex> lock(trace_->mutex);
    return f(trace_->reader);
  }

  // A snapshot's users (the views read no items); throws seesaw::Error when it cannot be read.
  GeometrySnapshot read(int index) const
  {
    return locked([index](TraceReader& r) { return r.snapshot(index, false); });
  }

  std::shared_ptr<const GeometrySnapshot> snapshot(int index) const override
  {
    {
      std::lock_guard<std::mutex> lock(aheadMutex_);
      for (const auto& [i, snapshot] : ahead_)
        if (i == index && snapshot) return snapshot;  // null: still being read, read it here instead
    }
    try {
      return std::make_shared<const GeometrySnapshot>(read(index));
    } catch (const std::exception&) {
      return nullptr;  // the streaming worker met it first and said why
    }
  }

  std::vector<GeometrySnapshot> userHistory(int user, int count) const override
  {
    try {
      auto rows = locked([user](TraceReader& r) { return r.userHistory(user); });
      rows.resize(std::min(rows.size(), static_cast<size_t>(count)));
      return rows;
    } catch (const std::exception&) {
      return {};
    }
  }

  // Claims a snapshot for reading ahead; false when it is read or being read already.
  bool claimAhead(int index)
  {
    std::lock_guard<std::mutex> lock(aheadMutex_);
    for (const auto& [i, snapshot] : ahead_)
      if (i == index) return false;
    ahead_.emplace_back(index, nullptr);  // null: being read
    while (ahead_.size() > kAhead) ahead_.pop_front();
    return true;
  }

  // Reads a claimed snapshot, or gives the claim up (skip: the cursor moved away meanwhile).
  void readAhead(int index, bool skip)
  {
    std::shared_ptr<const GeometrySnapshot> snapshot;
    if (!skip) {
      try {
        snapshot = std::make_shared<const GeometrySnapshot>(read(index));
      } catch (const std::exception&) {
        // Given up: read again, and reported, when asked for.
      }
    }
    std::lock_guard<std::mutex> lock(aheadMutex_);
    for (auto it = ahead_.begin(); it != ahead_.end(); ++it)
      if (it->first == index) {
        if (snapshot) it->second = std::move(snapshot);
        else ahead_.erase(it);
        return;
      }
  }

  std::atomic<int> cursorSnapshot{-1};  // where the views are; a read-ahead far from it is dropped

private:
  static constexpr size_t kAhead = 4;
  std::shared_ptr<OpenTrace> trace_;
  mutable std::mutex aheadMutex_;
  std::deque<std::pair<int, std::shared_ptr<const GeometrySnapshot>>> ahead_;
};

struct ReplaySession::Stream
{
  QSemaphore room{kSnapshotsInFlight};
  std::atomic<bool> cancel{false};
};

ReplaySession::ReplaySession(widgets::RunStore& store, QObject* parent) : QObject(parent), store_(store)
{
  pollTimer_.setInterval(kPollMs);
  connect(&pollTimer_, &QTimer::timeout, this, &ReplaySession::poll);
  // Threads of their own: the streaming worker waits for the GUI to take its snapshots, and the
  // GUI's raster painting runs on the global pool, so a worker there could stall the painting.
  streamPool_.setMaxThreadCount(1);
  readAhead_.setMaxThreadCount(1);  // in the order asked for: the next snapshot first
  // Queued: the views load the cursor's own snapshot first, then the neighbours are read.
  connect(&store_, &widgets::RunStore::cursorChanged, this, &ReplaySession::readAheadOf, Qt::QueuedConnection);
}

ReplaySession::~ReplaySession() { close(); }

void ReplaySession::open(const QString& path)
{
  // Opened and its records read before the shown trace is let go: a file that cannot be read
  // leaves the views as they are.
  auto trace = std::make_shared<SharedTrace>(path.toStdString());  // throws, naming the file
  trace->locked([](TraceReader& r) { return r.refresh(); });  // a reader another session opened earlier is behind
  ReadCounts counts;
  const RecordBatch first = newRecords(*trace, counts);
  close();
  trace_ = std::move(trace);
  stream_ = std::make_shared<Stream>();
  path_ = path;
  read_ = counts;
  snapshotsQueued_ = 0;
  ended_ = false;
  readError_.clear();
  damagedSnapshots_.clear();
  store_.begin(trace_->locked([](TraceReader& r) { return r.info(); }));
  store_.setSnapshotSource(trace_, kResidentSnapshots);
  store_.append(first);
  streamSnapshots();
  finishIfComplete();
  if (!ended_) pollTimer_.start();
  Q_EMIT stateChanged();
}

void ReplaySession::close()
{
  pollTimer_.stop();
  if (stream_) {
    stream_->cancel = true;
    stream_->room.release(kSnapshotsInFlight);  // a worker waiting for a slot sees the cancel
  }
  if (trace_) trace_->cursorSnapshot = -1000;  // drops the read-aheads not yet begun
  readAhead_.waitForDone();
  streaming_.waitForFinished();
  stream_.reset();
  trace_.reset();  // the store keeps its own reference while it shows this run
}

bool ReplaySession::live() const
{
  if (!trace_ || ended_) return false;
  const TraceStatus status = trace_->locked([](TraceReader& r) { return r.status(); });
  return status.state == trace::RunState::Running && (status.heartbeat <= 0 || status.secondsSinceCommit() < kStaleHeartbeatS);
}

bool ReplaySession::complete() const { return ended_; }

bool ReplaySession::abnormal() const
{
  if (!trace_) return false;
  const auto state = trace_->locked([](TraceReader& r) { return r.status().state; });
  return !readError_.isEmpty() || state == trace::RunState::Failed || state == trace::RunState::Aborted ||
         (state == trace::RunState::Running && !live());
}

double ReplaySession::lastCommit() const
{
  return trace_ ? trace_->locked([](TraceReader& r) { return r.status().heartbeat; }) : 0;
}

QString ReplaySession::stateText() const
{
  if (!trace_) return {};
  const QString state = runStateText();
  if (damagedSnapshots_.isEmpty()) return state;
  constexpr int kNamed = 3;  // the status bar has room for a few
  QString damaged = damagedSnapshots_.mid(0, kNamed).join(QStringLiteral(", "));
  if (damagedSnapshots_.size() > kNamed) damaged += tr(" and %1 more").arg(damagedSnapshots_.size() - kNamed);
  return tr("%1; damaged, shown empty: snapshot %2").arg(state, damaged);
}

QString ReplaySession::runStateText() const
{
  const TraceStatus status = trace_->locked([](TraceReader& r) { return r.status(); });
  const QString message = QString::fromStdString(status.message);
  switch (status.state) {
    case trace::RunState::Running: {
      if (status.heartbeat <= 0) return tr("live (no commit yet)");  // just created
      const double silent = status.secondsSinceCommit();
      if (silent < kStaleHeartbeatS) return tr("live");
      return tr("no commit for %1 s: the writer may have died").arg(silent, 0, 'f', 0);
    }
    case trace::RunState::Finished: return tr("finished");
    case trace::RunState::Stopped: return tr("stopped");
    case trace::RunState::Failed: return tr("failed: %1").arg(message);
    case trace::RunState::Aborted: return message.isEmpty() ? tr("aborted") : tr("aborted: %1").arg(message);
  }
  return {};
}

void ReplaySession::poll()
{
  try {
    // Another session of the same file may have refreshed the shared reader first: what is new
    // to this one is what it has not read yet, whoever refreshed.
    trace_->locked([](TraceReader& r) { return r.refresh(); });
    if (RecordBatch batch = newRecords(*trace_, read_); !batch.empty()) store_.append(batch);
    streamSnapshots();
  } catch (const std::exception& e) {
    // The file went bad under us (truncated, replaced): keep what is shown, say why, stop following.
    readError_ = QString::fromUtf8(e.what());
    ended_ = true;
    pollTimer_.stop();
    RunEnd end;
    end.steps = store_.lastStep();
    end.error = e.what();
    store_.end(end);
    Q_EMIT completed();
  }
  finishIfComplete();
  Q_EMIT stateChanged();  // also for the heartbeat's age
}

RecordBatch ReplaySession::newRecords(const SharedTrace& trace, ReadCounts& read)
{
  RecordBatch batch;
  trace.locked([&](TraceReader& r) {
    for (int64_t first = read.steps; first < r.stepCount(); first += kStepBlock) {
      auto steps = r.steps(first, std::min(kStepBlock, r.stepCount() - first));
      std::move(steps.begin(), steps.end(), std::back_inserter(batch.steps));
    }
    read.steps = r.stepCount();
    // The reader gives evaluations and changes whole; they are few, and read only when they grew.
    if (r.evalCount() > read.valid + read.test) {
      int64_t valid = 0, test = 0;
      for (EvalRecord& e : r.evals()) {
        int64_t& seen = e.split == "valid" ? valid : test;
        if (seen++ >= (e.split == "valid" ? read.valid : read.test)) batch.evals.push_back(std::move(e));
      }
      read.valid = valid;
      read.test = test;
    }
    if (r.changeCount() > read.changes) {
      auto changes = r.changes();
      batch.changes.assign(changes.begin() + static_cast<std::ptrdiff_t>(read.changes), changes.end());
      read.changes = static_cast<int64_t>(changes.size());
    }
  });
  return batch;
}

void ReplaySession::streamSnapshots()
{
  const int committed = static_cast<int>(trace_->locked([](TraceReader& r) { return r.snapshotCount(); }));
  if (committed == snapshotsQueued_ || streaming_.isRunning()) return;
  const int first = snapshotsQueued_;
  snapshotsQueued_ = committed;
  streaming_ = QtConcurrent::run(&streamPool_, [this, trace = trace_, stream = stream_, first, committed] {
    for (int i = first; i < committed; ++i) {
      stream->room.acquire();
      if (stream->cancel) return;
      PendingGeometry snapshot;
      QString error, damaged;
      try {
        snapshot = readyGeometry(trace->read(i));
      } catch (const std::exception& e) {
        // The views still get the window, empty, so that the others keep their places (its steps
        // come from the step index, already read).
        GeometrySnapshot empty;
        trace->locked([&](TraceReader& r) {
          empty.step = r.snapshotSteps()[static_cast<size_t>(i)];
          empty.windowStart = i == 0 ? 1 : r.snapshotSteps()[static_cast<size_t>(i - 1)] + 1;
        });
        // Named by its last step, which the step index holds (its first is in the damaged rows).
        damaged = tr("%1 (to step %2)").arg(i + 1).arg(empty.step);
        error = tr("snapshot %1 cannot be read: %2").arg(damaged, QString::fromUtf8(e.what()));
        snapshot = readyGeometry(std::move(empty));
      }
      QMetaObject::invokeMethod(this, [this, stream, snapshot, error, damaged] { addSnapshot(stream, snapshot, error, damaged); },
                                Qt::QueuedConnection);
    }
  });
}

void ReplaySession::addSnapshot(const std::shared_ptr<Stream>& stream, PendingGeometry snapshot, const QString& error,
                                const QString& damaged)
{
  stream->room.release();
  if (stream != stream_) return;  // from a trace closed since
  if (!error.isEmpty()) {
    readError_ = error;
    damagedSnapshots_.append(damaged);
  }
  RecordBatch batch;
  batch.snapshots.push_back(std::move(snapshot));
  store_.append(batch);
  if (!streaming_.isRunning()) streamSnapshots();  // what a poll found while the worker was busy
  finishIfComplete();
  if (!error.isEmpty()) Q_EMIT stateChanged();
}

void ReplaySession::readAheadOf(qint64 step)
{
  if (!trace_ || !ended_) return;  // while snapshots stream in, they are in memory anyway
  const int at = store_.snapshotIndexAtOrBefore(step);
  const int direction = at >= trace_->cursorSnapshot ? 1 : -1;
  trace_->cursorSnapshot = at;
  for (int i : {at + direction, at + 2 * direction, at - direction}) {
    if (i < 0 || i >= store_.snapshotCount() || store_.snapshotInMemory(i) || !trace_->claimAhead(i)) continue;
    readAhead_.start([trace = trace_, i] { trace->readAhead(i, std::abs(i - trace->cursorSnapshot) > 2); });
  }
}

void ReplaySession::finishIfComplete()
{
  if (ended_ || !trace_) return;
  const auto [status, committed] =
      trace_->locked([](TraceReader& r) { return std::make_pair(r.status(), static_cast<int>(r.snapshotCount())); });
  if (status.state == trace::RunState::Running || store_.snapshotCount() < committed) return;
  ended_ = true;
  pollTimer_.stop();
  RunEnd end;
  end.steps = store_.lastStep();
  end.stopped = status.state == trace::RunState::Stopped;
  if (status.state == trace::RunState::Failed || status.state == trace::RunState::Aborted)
    end.error = status.message.empty() ? trace::runStateName(status.state) : status.message;
  store_.end(end);
  Q_EMIT stateChanged();
  Q_EMIT completed();
}

}  // namespace seesaw::app
