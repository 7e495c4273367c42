#include "train/gradient_geometry.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "records/task_pairs.h"

namespace seesaw {
namespace {
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

float cosineOf(const double* gram, int tasks, int k, int l)
{
  const double denom = std::sqrt(gram[k * tasks + k] * gram[l * tasks + l]);
  if (!(denom > 0)) return kNaN;
  // Rounding can push |cos| past 1 for parallel gradients.
  return static_cast<float>(std::clamp(gram[k * tasks + l] / denom, -1.0, 1.0));
}
}  // namespace

GradientGeometry geometryFromGram(const double* gram, int tasks)
{
  GradientGeometry g;
  double largest = 0;
  for (int k = 0; k < tasks; ++k) {
    const double sq = gram[k * tasks + k];  // NaN stays NaN: a broken gradient is not a zero one
    const double norm = std::sqrt(std::max(0.0, sq));
    g.norm.push_back(std::isnan(sq) ? kNaN : static_cast<float>(norm));
    if (!std::isnan(sq)) largest = std::max(largest, norm);
    g.anyZero = g.anyZero || sq == 0;
  }
  for (int k = 0; k < tasks; ++k)
    for (int l = 0; l < tasks; ++l) g.cosine.push_back(cosineOf(gram, tasks, k, l));
  for (int k = 0; k < tasks; ++k)
    g.magnitudeRatio.push_back(largest > 0 ? static_cast<float>(g.norm[k] / largest) : kNaN);  // NaN norm -> NaN
  return g;
}

std::vector<float> pairCosines(const double* gram, int tasks)
{
  std::vector<float> out;
  forEachPair(tasks, [&](int k, int l) { out.push_back(cosineOf(gram, tasks, k, l)); });
  return out;
}

}  // namespace seesaw
