#pragma once
// What the trainer emits. The trainer neither prints nor plots: a RecordSink decides where records
// go (terminal, trace file, GUI). Task pairs (k, l) with k < l are ordered (0,1), (0,2), ...,
// (1,2), ... wherever a per-pair value is stored.

#include <cstdint>
#include <string>
#include <vector>

#include "data/table.h"

namespace seesaw {

struct RunInfo
{
  std::vector<std::string> taskNames;
  std::vector<TaskType> taskTypes;
  std::vector<std::string> moduleNames;  // shared modules, in the order of StepRecord::moduleCosine
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
};

enum StepFlag : uint32_t {
  kStepNonFinite = 1u << 0,     // a loss or gradient was NaN or infinite
  kStepSkipped = 1u << 1,       // the update was not applied
  kStepZeroGradient = 1u << 2,  // some task's shared gradient was exactly zero (its cosines are NaN)
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
  uint32_t flags = 0;
};

struct EvalRecord
{
  int64_t step = 0;
  std::string split;  // "valid" or "test"
  std::vector<double> auc, gauc, logloss, mse;  // [K]; NaN where a metric does not apply
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
  virtual void end(const RunEnd& end) = 0;
};

}  // namespace seesaw
