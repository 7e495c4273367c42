// PCGrad (Yu et al., NeurIPS 2020): each task's gradient is projected, in a fresh random order of
// the other tasks, onto the normal plane of every task it conflicts with at that point:
//   gp_i <- gp_i - min(0, <gp_i, g_j>) / |g_j|^2 g_j,  for j != i,
// and the update is the sum of the gp_i (LibMTL's sum, not GradCraft's mean). As in the paper,
// a task is never projected against itself (LibMTL's loop includes j = i, which can only act when
// earlier projections turned gp_i against g_i). Every gp_i stays a combination of the g_k, so the
// whole method runs on the Gram matrix.

#include <algorithm>
#include <numeric>
#include <random>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

class PCGrad : public LinearMethod
{
public:
  explicit PCGrad(uint64_t seed) : rng_(seed) {}
  void saveState(SavedState& s) const override { s.putEngine("rng", rng_); }
  void loadState(const SavedState& s) override { s.restoreEngine("rng", rng_); }

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    const Gram M(input.gram, K);
    std::vector<double> c(K, 0.0);
    std::vector<int> order(K);
    for (int i = 0; i < K; ++i) {
      std::vector<double> a = unitCoefficients(K, i);
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng_);
      for (int j : order) {
        if (j == i || M(j, j) <= 0) continue;
        const double d = M.innerWith(a, j);
        if (d < 0) a[j] -= d / M(j, j);
      }
      for (int k = 0; k < K; ++k) c[k] += a[k];
    }
    return {c, {}, 0};
  }
  std::mt19937_64 rng_;
};

}  // namespace

MethodInfo pcgradInfo()
{
  MethodInfo m;
  m.name = "pcgrad";
  m.description = "PCGrad: project each task's gradient off the tasks it conflicts with, in random order; sum";
  m.make = [](const MethodSetup& s) { return std::make_unique<PCGrad>(s.seed); };
  return m;
}

}  // namespace seesaw
