#pragma once
// A recorded run inside the app: a trace file, finished or still being written by another
// process (seesaw-train on a server), read into the RunStore that the live views show.
//
// Opening reads the step records, evaluations and changes at once (a few MB even for a long
// run), so the first views draw within a second. The per-user snapshots, which are most of a
// trace's bytes, are read one by one on a worker thread and added in order, a few at a time;
// the store keeps only some of them in memory and reads the others back when a view asks for
// them (the ones next to the cursor are read ahead, so that scrubbing finds them ready). While
// the writer is running, a timer picks up the file's new records (only those) every
// half second.

#include <QFuture>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>
#include <QTimer>

#include <memory>

#include "records/record_batch.h"

namespace seesaw::widgets {
class RunStore;
}

namespace seesaw::app {

class SharedTrace;

class ReplaySession : public QObject
{
  Q_OBJECT

public:
  // Snapshots kept in memory; the rest are read back when a view asks for them.
  static constexpr int kResidentSnapshots = 6;
  static constexpr int kPollMs = 500;  // how often a running trace is looked at: new records show within a second

  explicit ReplaySession(widgets::RunStore& store, QObject* parent = nullptr);
  ~ReplaySession() override;

  // Reads the trace into the store (which begins a new run). Throws seesaw::Error naming the file
  // when it cannot be read (missing, not HDF5, not a trace, a newer format, damaged); the trace
  // shown before then stays.
  void open(const QString& path);
  // Stops reading; the store keeps what it has.
  void close();

  bool isOpen() const { return trace_ != nullptr; }
  const QString& path() const { return path_; }
  // "live", "finished", "stopped", "failed: <why>", "aborted", or a writer that stopped
  // committing without an end ("no commit for 12 s: the writer may have died"); then the snapshots
  // that could not be read, if any ("finished; damaged, shown empty: snapshot 3 (to step 150)").
  QString stateText() const;
  // The writer is still running and committing.
  bool live() const;
  // The run failed, was aborted, its writer stopped committing without an end, or the file went
  // bad while followed.
  bool abnormal() const;
  // Unix time of the writer's commit that the store shows the records of (0 before the first).
  double lastCommit() const;
  // Every committed record is in the store and the run has ended.
  bool complete() const;
  // The last read error (a damaged snapshot, in full); empty when none.
  const QString& readError() const { return readError_; }

Q_SIGNALS:
  void stateChanged();
  // complete() became true.
  void completed();

private:
  struct Stream;

  // Rows of a trace already handed to the store.
  struct ReadCounts
  {
    int64_t steps = 0, valid = 0, test = 0, changes = 0;
  };
  // The committed records past `read`, which it then counts.
  static RecordBatch newRecords(const SharedTrace& trace, ReadCounts& read);

  QString runStateText() const;  // the trace's state alone
  void poll();
  void streamSnapshots();
  // error: why the snapshot could not be read (it comes empty), damaged: which one, in words.
  void addSnapshot(const std::shared_ptr<Stream>& stream, PendingGeometry snapshot, const QString& error,
                   const QString& damaged);
  void finishIfComplete();
  void readAheadOf(qint64 step);

  widgets::RunStore& store_;
  std::shared_ptr<SharedTrace> trace_;
  std::shared_ptr<Stream> stream_;  // the worker reading this trace's snapshots
  QString path_;
  QTimer pollTimer_;
  QThreadPool streamPool_;
  QFuture<void> streaming_;
  QThreadPool readAhead_;
  ReadCounts read_;
  int snapshotsQueued_ = 0;  // handed to the worker
  bool ended_ = false;
  QString readError_;
  QStringList damagedSnapshots_;  // "3 (to step 150)": shown empty, said in the state text
};

}  // namespace seesaw::app
