#include "train/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace seesaw {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Mann-Whitney U over the given indices, with average ranks for ties. NaN when a score is NaN:
// ranks are undefined then (and sorting NaN is undefined behaviour).
double aucOf(const std::vector<float>& scores, const std::vector<float>& labels, std::vector<size_t>& idx)
{
  for (size_t i : idx)
    if (std::isnan(scores[i])) return kNaN;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double positives = 0, rankSum = 0;
  size_t i = 0;
  while (i < idx.size()) {
    size_t j = i;
    while (j < idx.size() && scores[idx[j]] == scores[idx[i]]) ++j;
    const double averageRank = 0.5 * static_cast<double>(i + 1 + j);  // ranks i+1 .. j
    for (size_t t = i; t < j; ++t) {
      if (labels[idx[t]] > 0.5f) {
        positives += 1;
        rankSum += averageRank;
      }
    }
    i = j;
  }
  const double negatives = static_cast<double>(idx.size()) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
}

}  // namespace

double auc(const std::vector<float>& scores, const std::vector<float>& labels)
{
  std::vector<size_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), 0);
  return aucOf(scores, labels, idx);
}

double gauc(const std::vector<float>& scores, const std::vector<float>& labels, const std::vector<int32_t>& users)
{
  std::unordered_map<int32_t, std::vector<size_t>> byUser;
  for (size_t i = 0; i < users.size(); ++i) byUser[users[i]].push_back(i);
  double weighted = 0, weight = 0;
  for (auto& [user, idx] : byUser) {
    const double a = aucOf(scores, labels, idx);
    if (std::isnan(a)) {
      for (size_t i : idx)
        if (std::isnan(scores[i])) return kNaN;  // a NaN score, not a one-class user
      continue;
    }
    weighted += a * static_cast<double>(idx.size());
    weight += static_cast<double>(idx.size());
  }
  return weight > 0 ? weighted / weight : kNaN;
}

double logloss(const std::vector<float>& probabilities, const std::vector<float>& labels)
{
  if (labels.empty()) return kNaN;
  double sum = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const double p = std::clamp(static_cast<double>(probabilities[i]), 1e-7, 1 - 1e-7);
    sum -= labels[i] > 0.5f ? std::log(p) : std::log(1 - p);
  }
  return sum / static_cast<double>(labels.size());
}

double meanSquaredError(const std::vector<float>& predictions, const std::vector<float>& targets)
{
  if (targets.empty()) return kNaN;
  double sum = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    const double d = static_cast<double>(predictions[i]) - targets[i];
    sum += d * d;
  }
  return sum / static_cast<double>(targets.size());
}

}  // namespace seesaw
