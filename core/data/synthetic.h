#pragma once
// Synthetic interactions whose task relation differs between user groups.
//
// Users and items have hidden latent vectors; a sample's input is z = [(u + v)/sqrt(2), dense],
// so the model must learn the user and item embeddings to predict anything. Within each user
// group the task labels follow the MMoE paper's generator (docs/data.md): task weight vectors
// w_1 = c*e_1 and w_k = c*(p*e_1 + sqrt(1-p^2)*e_k) for k >= 2, with p the group's task cosine,
// y_k = w_k.z + sum_i sin(alpha_i*w_k.z + beta_i) + bias(extra fields) + noise.
// Binary tasks are 1[y_k > median(y_k)]. Each user's group is kept as ground truth.

#include <cstdint>
#include <vector>

#include "data/table.h"

namespace seesaw {

struct SyntheticGroup
{
  double taskCosine = 1.0;  // cos(w_1, w_k): +1 aligned, -1 conflicting
  double share = 1.0;       // relative share of users in this group
};

struct SyntheticConfig
{
  int32_t users = 2000;
  int32_t items = 1000;
  int64_t rows = 200000;
  int tasks = 2;
  int latentDim = 8;
  int denseFeatures = 0;                     // N(0,1) features that enter z
  std::vector<int32_t> extraCardinalities;   // further categorical fields, each a per-value bias
  std::vector<SyntheticGroup> groups = {SyntheticGroup{}};
  int sineTerms = 5;
  double scale = 1.0;      // c
  double noiseStd = 0.1;
  TaskType taskType = TaskType::Binary;
  uint64_t seed = 1;
};

// Throws seesaw::Error naming the data.synthetic field when a value is out of range.
InteractionTable generateSynthetic(const SyntheticConfig& config);

}  // namespace seesaw
