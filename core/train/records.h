#pragma once
// What the trainer emits. The trainer neither prints nor plots: a RecordSink decides where records
// go (terminal, trace file, GUI). Task pairs (k, l) with k < l are ordered (0,1), (0,2), ...,
// (1,2), ... wherever a per-pair value is stored; P = K(K-1)/2 is the number of pairs.

#include <cstdint>
#include <future>
#include <string>
#include <vector>

#include "data/table.h"

namespace seesaw {

// Where a branch (a run restored from a checkpoint) comes from; step 0 for a run from scratch.
struct BranchOrigin
{
  std::string parentTrace;  // the trace of the run the checkpoint was saved from; may be empty
  std::string checkpoint;   // the checkpoint file
  int64_t step = 0;         // the checkpoint's step: the branch's records start after it
};

struct RunInfo
{
  std::vector<std::string> taskNames;
  std::vector<TaskType> taskTypes;
  std::vector<std::string> moduleNames;  // shared modules, in the order of StepRecord::moduleCosine
  std::vector<std::string> methodStateNames;  // what StepRecord::methodState holds; empty: nothing
  std::string device;
  std::string method;
  int64_t totalSteps = 0;
  int64_t stepsPerEpoch = 0;
  int64_t batchSize = 0;
  int64_t sharedParameters = 0;
  int64_t totalParameters = 0;
  TableSummary data;
  size_t trainRows = 0, validRows = 0, testRows = 0;
  bool analyze = true;
  int64_t userSnapshotEvery = 0;         // steps per per-user window; 0: no per-user snapshots
  // Recorded geometry levels ("embedding", "representation", "exact"), the default level first.
  std::vector<std::string> geometryLevels;
  bool itemGeometry = false;             // snapshots also hold per-item geometry
  std::vector<std::string> userIds;      // original id of each user code
  std::vector<std::string> itemIds;      // original id of each item code (with itemGeometry)
  std::vector<int32_t> userGroups;       // ground-truth group of each user code, -1 where none
  std::string configJson;                // the full run config
  std::string softwareVersion;
  std::string startTime;                 // ISO 8601, UTC
  BranchOrigin branch;
};

enum StepFlag : uint32_t {
  kStepNonFinite = 1u << 0,     // a loss or gradient was NaN or infinite
  kStepSkipped = 1u << 1,       // the update was not applied
  kStepZeroGradient = 1u << 2,  // some task's shared gradient was exactly zero (its cosines are NaN)
  kStepMethodFallback = 1u << 3,  // the gradient method's rule was undefined; it used its fallback
};

struct StepRecord
{
  int64_t step = 0;          // 1-based count of updates attempted
  double epoch = 0;          // fractional epochs of training data consumed
  double wallTime = 0;       // seconds since the run started
  double lr = 0;
  std::vector<float> loss;            // [K]
  std::vector<float> gradNorm;        // [K] norm of each task's gradient on the shared parameters
  std::vector<float> cosine;          // [K*K] row-major, NaN where a norm is zero
  std::vector<float> magnitudeRatio;  // [K] each norm over the largest
  std::vector<float> weight;          // [K] task weights the method applied
  std::vector<float> moduleCosine;    // [M*P] per shared module, then per task pair
  std::vector<float> methodState;     // [S] the method's own per-step decisions (DRGrad's router), named in RunInfo
  uint32_t flags = 0;
};

struct EvalRecord
{
  int64_t step = 0;
  std::string split;  // "valid" or "test"
  std::vector<double> auc, gauc, logloss, mse;  // [K]; NaN where a metric does not apply
};

// Per-entity (user or item) task-gradient geometry over a window of steps, at each recorded level
// (docs/per-user-geometry.md). Inner products and squared norms are summed over the window's steps
// before the cosine is taken. Entities not seen in the window have count 0 and NaN elsewhere.
struct LevelGeometry
{
  std::vector<float> cosine;          // [E*P] per entity, then per task pair
  std::vector<float> gradNorm;        // [E*K] square root of the window's summed squared norms
  std::vector<float> magnitudeRatio;  // [E*K] each norm over the entity's largest
};

struct EntityGeometry
{
  std::vector<LevelGeometry> levels;  // in RunInfo::geometryLevels order; the first is the default level
  std::vector<float> weight;          // [E*K] task weights of the entity's combined gradient (least squares)
  std::vector<int32_t> count;         // [E] samples in the window
  bool empty() const { return count.empty(); }
};

struct GeometrySnapshot
{
  int64_t step = 0;         // last step of the window
  int64_t windowStart = 0;  // first step of the window
  EntityGeometry users;
  EntityGeometry items;     // empty unless RunInfo::itemGeometry
};

// A snapshot as the trainer hands it over: derived where it is consumed, once, by the first get()
// (the trace writer's thread, say). The trainer only moves its window sums out, so that a snapshot
// of a million users costs it milliseconds instead of the half second the derivation takes.
using PendingGeometry = std::shared_future<GeometrySnapshot>;

// A snapshot already derived (a test's, a replayed one) in the form sinks take.
inline PendingGeometry readyGeometry(GeometrySnapshot snapshot)
{
  std::promise<GeometrySnapshot> promise;
  promise.set_value(std::move(snapshot));
  return promise.get_future().share();
}

// A setting changed during the run (the app's steering), in the run config's terms. The change
// holds from `step` on; a change the trainer refused says why and changed nothing.
struct ChangeRecord
{
  int64_t step = 0;       // the first step that runs with the new value
  // "train.lr", "method.name", "method.params.<name>", "train.task_weights"; or "checkpoint":
  // the state after `step` saved to the file newValue names (docs/checkpoints.md)
  std::string field;
  std::string oldValue;   // JSON text
  std::string newValue;   // JSON text
  std::string refused;    // why the trainer did not apply it (or save it); empty when applied
};

struct RunEnd
{
  int64_t steps = 0;
  bool stopped = false;  // stopped on request before the planned last step
  std::string error;     // non-empty when the run failed (non-finite values under the stop policy)
};

class RecordSink
{
public:
  virtual ~RecordSink() = default;
  virtual void begin(const RunInfo& info) = 0;
  virtual void step(const StepRecord& record) = 0;
  virtual void eval(const EvalRecord& record) = 0;
  virtual void geometry(const PendingGeometry& snapshot) = 0;
  virtual void change(const ChangeRecord& change) = 0;
  virtual void end(const RunEnd& end) = 0;
};

// Hands every record to several sinks, in order (the console and the trace, say).
class SinkFanOut : public RecordSink
{
public:
  explicit SinkFanOut(std::vector<RecordSink*> sinks) : sinks_(std::move(sinks)) {}
  void begin(const RunInfo& info) override { for (auto* s : sinks_) s->begin(info); }
  void step(const StepRecord& record) override { for (auto* s : sinks_) s->step(record); }
  void eval(const EvalRecord& record) override { for (auto* s : sinks_) s->eval(record); }
  void geometry(const PendingGeometry& snapshot) override { for (auto* s : sinks_) s->geometry(snapshot); }
  void change(const ChangeRecord& change) override { for (auto* s : sinks_) s->change(change); }
  void end(const RunEnd& end) override { for (auto* s : sinks_) s->end(end); }

private:
  std::vector<RecordSink*> sinks_;
};

}  // namespace seesaw
