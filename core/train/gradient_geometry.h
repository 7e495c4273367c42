#pragma once
// Geometry of task gradients derived from their Gram matrix M (M_kl = <g_k, g_l>): norms,
// cosines and magnitude ratios. A zero-norm task has NaN cosines (the direction is undefined)
// rather than 0, so that views and traces can show it.

#include <vector>

namespace seesaw {

struct GradientGeometry
{
  std::vector<float> norm;            // [K]
  std::vector<float> cosine;          // [K*K], 1 on the diagonal of non-zero tasks
  std::vector<float> magnitudeRatio;  // [K] norm over the largest norm
  bool anyZero = false;
};

GradientGeometry geometryFromGram(const double* gram, int tasks);

// Cosines of the task pairs (0,1), (0,2), ..., (1,2), ... from a K*K Gram matrix.
std::vector<float> pairCosines(const double* gram, int tasks);

}  // namespace seesaw
