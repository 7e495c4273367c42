#pragma once
// Trains one multi-task model and emits records. Every step with train.analyze it gets each task's
// gradient on the shared parameters (TaskGradients), measures their geometry, and lets the gradient
// method combine them; task-specific parameters get their own task's (weighted) gradient. Without
// analyze it takes one backward pass of the weighted loss sum.
//
// Threading: run() executes on the calling thread and calls the sink there. The control's stop,
// pause and steering may be set from any thread; the trainer reads them between steps.

#include <memory>

#include "config/run_config.h"
#include "records/record_sink.h"
#include "train/run_control.h"

namespace seesaw {

class DataParallel;
struct PreparedData;

class Trainer
{
public:
  // Builds the model and optimizer; throws seesaw::Error for config values the data contradicts
  // (task weights of the wrong length, cuda without a device). With `parallel`, this process is one
  // rank of a data-parallel run (train/data_parallel.h): it trains on its users' share of every
  // global batch, the shares are summed, and only rank 0 evaluates and saves checkpoints.
  Trainer(const RunConfig& config, std::shared_ptr<const PreparedData> data, DataParallel* parallel = nullptr);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  const RunInfo& info() const;
  // Where checkpoints go (train.checkpoint_every, RunControl::checkpoint): step-NNNNNNNN.ckpt
  // files in `directory`, which name `tracePath` as their run's trace. Without a directory a
  // checkpoint asked for is refused in the change log.
  void setCheckpointDirectory(std::string directory, std::string tracePath);
  // Continues a checkpointed run: loads the checkpoint's state into this trainer, built from
  // planBranch(...).start on the same data, and applies `changes` (planBranch's) before the first
  // step; run() then goes on from the step after the checkpoint's. Throws seesaw::Error naming
  // the file and what does not fit.
  void restore(const std::string& checkpointPath, const Steering& changes = {});
  RunEnd run(RecordSink& sink, RunControl& control);
  RunEnd run(RecordSink& sink);  // with no one to stop, pause or steer it

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seesaw
