#pragma once
// Train/validation/test row indices. Random splits shuffle all rows; time splits keep each
// user's latest interactions for validation and test, as a deployed recommender would see them.

#include <cstdint>
#include <vector>

#include "data/table.h"

namespace seesaw {

enum class SplitMethod { Random, TimePerUser };

struct SplitConfig
{
  SplitMethod method = SplitMethod::Random;
  double validFraction = 0.1;
  double testFraction = 0.1;
  uint64_t seed = 1;
};

struct Split
{
  std::vector<int64_t> train, valid, test;
};

// Throws seesaw::Error for fractions out of range or a time split without timestamps.
Split splitRows(const InteractionTable& table, const SplitConfig& config);

}  // namespace seesaw
