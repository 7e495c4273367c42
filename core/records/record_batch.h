#pragma once
// Records on their way between threads, in arrival order per kind: what a sink queued since the
// last hand-over (the app's queue, the trace writer's queue) and what a view store takes in.

#include <optional>
#include <vector>

#include "records/geometry_snapshot.h"
#include "records/run_info.h"
#include "records/step_records.h"

namespace seesaw {

struct RecordBatch
{
  std::optional<RunInfo> info;  // the run's description, when the batch starts a run
  std::vector<StepRecord> steps;
  std::vector<EvalRecord> evals;
  std::vector<PendingGeometry> snapshots;
  std::vector<ChangeRecord> changes;
  std::optional<RunEnd> end;
  // No records (a description or an end alone is not a record).
  bool empty() const { return steps.empty() && evals.empty() && snapshots.empty() && changes.empty(); }
};

}  // namespace seesaw
