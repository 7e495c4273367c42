// GradVac (Wang et al., ICLR 2021), the paper's rule as LibMTL runs it: each task keeps an EMA
// target phi_ij (start 0) for its cosine with every other task. For each i, over the j != i in a
// fresh random order, with phi = cos(gp_i, g_j) before any change:
//   if phi < phi_ij: gp_i += g_j |gp_i| (phi_ij sqrt(1 - phi^2) - phi sqrt(1 - phi_ij^2))
//                                / (|g_j| sqrt(1 - phi_ij^2)),
//   then phi_ij <- (1 - beta) phi_ij + beta phi;
// the update is the sum of the gp_i (LibMTL's sum, the scale of EW and PCGrad). With two tasks,
// the adjusted gp_i has cosine exactly phi_ij with g_j. beta defaults to the paper's 0.01
// (GradCraft's code agrees); LibMTL's default is 0.5. Whole-model granularity only: the paper's
// per-layer and per-matrix variants need the parameter layout, which a method does not see.
// Every gp_i is a combination of the g_k, so the method runs on the Gram matrix.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

class GradVac : public LinearMethod
{
public:
  GradVac(int tasks, double beta, uint64_t seed)
      : beta_(beta), target_(static_cast<size_t>(tasks * tasks), 0.0), rng_(seed)
  {
  }

  void saveState(SavedState& s) const override
  {
    s.putNumbers("target", target_);
    s.putEngine("rng", rng_);
  }
  void loadState(const SavedState& s) override
  {
    target_ = s.numbers("target", static_cast<int64_t>(target_.size()));
    s.restoreEngine("rng", rng_);
  }

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    const Gram M(input.gram, K);
    uint32_t flags = 0;
    // A negligible task (gram.h's rule) has no direction to align with (the step would scale it
    // by more than 1e12); it passes unchanged and adjusts nothing.
    const std::vector<bool> zero = M.negligibleTasks();
    std::vector<bool> live(static_cast<size_t>(K));
    for (int k = 0; k < K; ++k) {
      live[k] = !zero[k];
      if (!live[k]) flags |= kMethodFallback;
    }
    std::vector<double> c(static_cast<size_t>(K), 0.0);
    std::vector<int> order;
    for (int i = 0; i < K; ++i) {
      std::vector<double> a = unitCoefficients(K, i);
      order.clear();
      for (int j = 0; j < K; ++j)
        if (j != i) order.push_back(j);
      // Drawn whatever the gradients, so that one zero gradient does not shift later orders.
      std::shuffle(order.begin(), order.end(), rng_);
      for (int j : order) {
        if (!live[i] || !live[j]) continue;
        const double na = M.norm(a), nj = M.norm(j);
        if (!(na > 0)) {
          // Earlier steps cancelled gp_i exactly: no cosine, nothing left to align.
          flags |= kMethodFallback;
          continue;
        }
        double& target = target_[static_cast<size_t>(i * K + j)];
        const double phi = std::clamp(M.innerWith(a, j) / (na * nj), -1.0, 1.0);
        if (phi < target) {
          const double room = std::sqrt(std::max(0.0, 1 - target * target));
          // A target of exactly 1 (beta = 1 after parallel gradients) asks for perfect alignment,
          // which no finite step reaches.
          if (room > 0) a[j] += na * (target * std::sqrt(1 - phi * phi) - phi * room) / (nj * room);
          else flags |= kMethodFallback;
        }
        target = (1 - beta_) * target + beta_ * phi;
      }
      for (int k = 0; k < K; ++k) c[k] += a[k];
    }
    return {c, {}, flags};
  }

  double beta_;
  std::vector<double> target_;  // [K*K] phi_ij, row i the task being adjusted
  std::mt19937_64 rng_;
};

}  // namespace

MethodInfo gradVacInfo()
{
  MethodInfo m;
  m.name = "gradvac";
  m.description = "GradVac: raise each task pair's gradient cosine toward an EMA target; sum";
  m.hyperParameters = {
      {"beta", 0.01, 0.0, 1.0, "EMA rate of the cosine targets (paper 0.01; LibMTL 0.5)"},
  };
  m.make = [](const MethodSetup& s) { return std::make_unique<GradVac>(s.tasks(), s.params.get("beta"), s.seed); };
  return m;
}

}  // namespace seesaw
