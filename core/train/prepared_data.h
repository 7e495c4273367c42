#pragma once
// A loaded table, its split, and the tensors the trainer samples batches from (on the CPU; the
// trainer moves them to its device once).

#include <ATen/ATen.h>

#include "config/run_config.h"
#include "data/split.h"
#include "data/table.h"
#include "model/multitask_model.h"

namespace seesaw {

struct PreparedData
{
  InteractionTable table;
  Split split;
  FeatureSpec spec;
  at::Tensor categorical;  // [N, F] int64: user, item, then the further categorical fields
  at::Tensor dense;        // [N, D] float, standardized with training-split statistics, NaN -> 0
  at::Tensor labels;       // [N, K] float
};

PreparedData prepareData(InteractionTable table, const SplitConfig& split);
PreparedData prepareData(const DataConfig& config);

}  // namespace seesaw
