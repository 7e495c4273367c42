#pragma once
// Records a run to a trace file (docs/trace-format.md) on a thread of its own, so that writing
// never stalls training: the sink calls only queue a copy of the record. The writer thread appends
// the queued records and flushes every flushRecords step records or flushSeconds seconds, then
// commits the new counts in /status. A reader in another process can open the file at any time
// (HDF5 SWMR), and a writer killed at any moment leaves a file holding every committed record.
//
// When writing fails (a full disk), the next sink call throws seesaw::Error naming the file, so
// training stops; what was committed before stays readable.

#include <functional>
#include <memory>
#include <string>

#include "records/record_sink.h"
#include "trace/trace_format.h"

namespace seesaw {

struct TraceOptions
{
  std::string path;
  trace::Compression compression = trace::Compression::Deflate;  // docs/benchmarks.md: 2.5x smaller snapshots
  int64_t flushRecords = 1000;  // flush after this many queued step records ...
  double flushSeconds = 1.0;    // ... or this long after the last flush, whichever comes first
  // Called on the writer thread after each commit with the committed step count.
  std::function<void(int64_t steps)> onCommit;
};

class TraceWriter : public RecordSink
{
public:
  explicit TraceWriter(TraceOptions options);
  // Closes the file. Without end() (an exception unwound the run) the trace says "aborted".
  ~TraceWriter() override;
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Creates the file (throws seesaw::Error naming it when it cannot) and starts the writer thread.
  void begin(const RunInfo& info) override;
  void step(const StepRecord& record) override;
  void eval(const EvalRecord& record) override;
  // The snapshot is derived on the writer thread.
  void geometry(const PendingGeometry& snapshot) override;
  void change(const ChangeRecord& change) override;
  // Writes everything queued, records how the run ended, and closes the file.
  void end(const RunEnd& end) override;

  const std::string& path() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seesaw
