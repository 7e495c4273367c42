// Uncertainty weighting (Kendall et al., CVPR 2018), in LibMTL's form: a learnable s_t per task
// (log variance, init -0.5 as in LibMTL) and the loss sum_t L_t / (2 exp(s_t)) + s_t / 2, so the
// task gradients get c_t = 1 / (2 exp(s_t)) and dLoss/ds_t = 1/2 - L_t c_t. GradCraft's "UC"
// baseline (sum w_t L_t + log(1 + 0.5 / w_t), learnable w) is a different rule and is not this.
// Task-specific parameters get c_t times their task's gradient, as the weighted loss would give
// them.
//
// A step on which the rule is undefined (non-finite losses or Gram, or an s so large that c
// overflows) leaves s.grad undefined (LinearMethod clears it), so the optimizer skips s instead of
// applying the last step's gradient again.

#include <cmath>

#include "methods/gradient_method.h"
#include "methods/host_math.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

constexpr double kInitialLogVariance = -0.5;

class UncertaintyWeighting : public LinearMethod
{
public:
  explicit UncertaintyWeighting(int tasks) : s_(at::full({tasks}, kInitialLogVariance, at::kFloat).set_requires_grad(true)) {}
  std::vector<at::Tensor> parameters() override { return {s_}; }

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const std::vector<double> s = hostValues(s_);
    const size_t K = input.losses.size();
    if (s.size() != K) return {};
    std::vector<double> c(K), grad(K);
    for (size_t k = 0; k < K; ++k) {
      c[k] = 0.5 * std::exp(-s[k]);
      grad[k] = 0.5 - input.losses[k] * c[k];
      if (!std::isfinite(c[k]) || !std::isfinite(grad[k])) return {};
    }
    s_.mutable_grad() = at::tensor(grad, at::kDouble).to(s_.device(), s_.scalar_type());
    return {c, c, 0};
  }

  at::Tensor s_;  // [K] on the host; read and written through its own device and dtype
};

}  // namespace

MethodInfo uncertaintyWeightingInfo()
{
  MethodInfo m;
  m.name = "uw";
  m.description = "uncertainty weighting: learnable log variances s, loss sum L/(2 exp(s)) + s/2";
  m.make = [](const MethodSetup& s) { return std::make_unique<UncertaintyWeighting>(s.tasks()); };
  return m;
}

}  // namespace seesaw
