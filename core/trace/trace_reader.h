#pragma once
// Reads a trace (docs/trace-format.md), finished or still being written by another process, and
// gives back the records the writer was given. Only committed records are visible: a trace cut
// short by a crash reads as the run up to its last commit. refresh() picks up a growing file's new
// records without rereading the rest.
//
// Opening refuses, with a message naming the file: a missing file, a file that is not HDF5, an
// HDF5 file that is not a Seesaw trace, a trace of a newer format version, and a truncated or
// damaged file. Reading damaged data throws seesaw::Error too; nothing here aborts the process.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "records/geometry_snapshot.h"
#include "records/run_info.h"
#include "records/step_records.h"
#include "trace/trace_format.h"

namespace seesaw {

struct TraceStatus
{
  trace::RunState state = trace::RunState::Running;
  std::string message;
  double heartbeat = 0;  // Unix time of the writer's last commit; 0 before the first

  // Seconds from the last commit to now (the writer commits about once a second while it runs).
  double secondsSinceCommit() const;
};

class TraceReader
{
public:
  explicit TraceReader(const std::string& path);
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  const std::string& path() const;
  const RunInfo& info() const;
  int64_t formatVersion() const;
  const TraceStatus& status() const;  // as of opening or the last refresh()

  int64_t stepCount() const;
  std::vector<StepRecord> steps(int64_t first, int64_t count) const;  // by record index
  StepRecord step(int64_t index) const;
  // The index of the last record whose step is at most `step`; none before the first record.
  std::optional<int64_t> stepIndexAtOrBefore(int64_t step) const;

  // Validation passes in step order, then the test evaluations.
  std::vector<EvalRecord> evals() const;
  int64_t evalCount() const;  // of both splits

  int64_t snapshotCount() const;
  const std::vector<int64_t>& snapshotSteps() const;
  // Every level of the users, and of the items where the trace records them. A view needs less:
  // items = false leaves the items empty, and a level (an index into info().geometryLevels) reads
  // that level alone, leaving the others' vectors empty.
  GeometrySnapshot snapshot(int64_t index, bool items = true, std::optional<size_t> level = std::nullopt) const;
  std::optional<int64_t> snapshotIndexAtOrBefore(int64_t step) const;
  // One user's rows of every snapshot, each as a snapshot of that user alone (entity 0; no items):
  // what a drill-down over windows needs, without reading the other users.
  std::vector<GeometrySnapshot> userHistory(int64_t user) const;

  // The settings changed during the run, in order; none for a trace from before the change log.
  std::vector<ChangeRecord> changes() const;
  int64_t changeCount() const;

  // Reads every committed record, so that damage anywhere in the file throws here.
  void readAll() const;

  struct Growth
  {
    int64_t steps = 0, evals = 0, snapshots = 0, changes = 0;  // new records since the last look
    bool stateChanged = false;
    bool any() const { return steps > 0 || evals > 0 || snapshots > 0 || changes > 0 || stateChanged; }
  };
  // Re-reads the committed counts and the new rows of the step index; the rest stays where it is.
  Growth refresh();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seesaw
