#pragma once
// What a model reads: the feature layout of a dataset and one batch of it.

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace seesaw {

// What the model reads: categorical field 0 is the user, field 1 the item.
struct FeatureSpec
{
  std::vector<std::string> categoricalNames;
  std::vector<int64_t> cardinalities;
  int64_t denseCount = 0;
  std::vector<std::string> taskNames;
};

struct Batch
{
  at::Tensor categorical;  // [B, F] int64 codes
  at::Tensor dense;        // [B, D] float, standardized
  at::Tensor labels;       // [B, K] float
};

}  // namespace seesaw
