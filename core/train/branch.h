#pragma once
// A branch continues a checkpointed run with other settings: another gradient method, other
// hyperparameters, learning rate or task weights (what steering may change), and its own length,
// cadences and device. What shaped the saved state (data, model, batch size, optimizer, seed,
// analysis) must stay as it was. The branch's trainer is built from the checkpoint's config with
// the new length and cadences, restored, and then steered to the new settings before its first
// step, so that the branch's change log says what it changed (docs/checkpoints.md).

#include "config/run_config.h"
#include "train/run_control.h"

namespace seesaw {

struct BranchPlan
{
  RunConfig start;     // the trainer's config: the checkpoint's, with `wanted`'s length, cadences and device
  Steering changes;    // to steer before the first step; empty for a plain continuation
};

// saved: the checkpoint's config; wanted: the branch's. Throws seesaw::Error naming the first
// config field that a branch cannot change.
BranchPlan planBranch(const RunConfig& saved, const RunConfig& wanted);

}  // namespace seesaw
