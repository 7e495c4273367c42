#pragma once
// The records of a run's time line: one per step, per evaluation, per setting changed, and the
// run's end. Per-pair values follow records/task_pairs.h's order.

#include <cstdint>
#include <string>
#include <vector>

namespace seesaw {

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
  std::vector<float> cosine;          // [K*K] row-major, NaN where a norm is zero (the diagonal too)
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

}  // namespace seesaw
