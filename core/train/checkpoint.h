#pragma once
// A run's whole training state at the end of a step, in one file: the model's parameters, the
// optimizer's state, the gradient method's memory and learnable parameters, the open per-user
// windows and the data order, with the run config as it stood then (steered values included). A
// trainer built from that config on the same data and restored from the file takes the very steps
// the saved run took next (docs/checkpoints.md). The file is a LibTorch archive.

#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/run_config.h"

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}

namespace seesaw {

class DataOrder;
class GeometryWindow;
class GradientMethod;

struct CheckpointHeader
{
  int64_t step = 0;             // the last step the saved state includes; 0: before the first
  RunConfig config;             // the run config at that step
  std::string trace;            // the trace of the run it was saved from; empty when it had none
  std::string softwareVersion;  // of the Seesaw that wrote it
  std::string savedAt;          // ISO 8601, UTC
};

// The parts of a trainer a checkpoint holds.
struct TrainingState
{
  torch::nn::Module& model;
  torch::optim::Optimizer& optimizer;
  GradientMethod& method;
  DataOrder& order;
  std::vector<GeometryWindow*> windows;  // the open per-entity windows: users, then items
};

// Where a run's checkpoints go by default: beside its trace, "runs/a.h5" -> "runs/a.checkpoints".
std::string checkpointDirectoryFor(const std::string& tracePath);
// The checkpoint of `step` in a directory of them: "<directory>/step-00000200.ckpt".
std::string checkpointFile(const std::string& directory, int64_t step);

// Writes next to `path` and renames, so that a checkpoint file is whole or absent. Throws
// seesaw::Error naming the file.
void writeCheckpoint(const std::string& path, const CheckpointHeader& header, const TrainingState& state);

// Throws seesaw::Error naming the file for one that is not a Seesaw checkpoint, is damaged, is of
// a newer format or holds a config this build refuses.
CheckpointHeader readCheckpointHeader(const std::string& path);

// Restores `state`, made from the header's config on the same data, with its tensors on `device`,
// once `accept` (which throws to refuse) has seen the header: the file is read once. Throws
// seesaw::Error naming the file and the part that does not fit.
CheckpointHeader readCheckpoint(const std::string& path, const TrainingState& state, c10::Device device,
                                const std::function<void(const CheckpointHeader&)>& accept);

}  // namespace seesaw
