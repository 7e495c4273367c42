#pragma once
// Ranking and calibration metrics for binary tasks. Scores may tie: tied scores share their
// average rank, so AUC counts a tied positive/negative pair as one half.

#include <cstdint>
#include <vector>

namespace seesaw {

// Area under the ROC curve; NaN when the labels hold one class only or a score is NaN.
double auc(const std::vector<float>& scores, const std::vector<float>& labels);

// Group AUC: each user's AUC weighted by the user's sample count, over users with both classes
// (users with one class are skipped, as in GradCraft's reference code); NaN when none qualify or
// a score is NaN.
double gauc(const std::vector<float>& scores, const std::vector<float>& labels, const std::vector<int32_t>& users);

// Mean binary cross-entropy of probabilities, clipped to [1e-7, 1 - 1e-7].
double logloss(const std::vector<float>& probabilities, const std::vector<float>& labels);

// Mean squared error (regression tasks).
double meanSquaredError(const std::vector<float>& predictions, const std::vector<float>& targets);

}  // namespace seesaw
