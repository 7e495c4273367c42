// GradNorm (Chen et al., ICML 2018) in LibMTL's parameterization: weights w = K softmax(p) with a
// learnable p (init 0, so w = 1), gradient norms over all shared parameters (the paper uses the
// last shared layer only), and the weight loss
//   G_t = w_t ||g_t||,  Ltilde_t = L_t / L_t(0),  r_t = Ltilde_t / mean(Ltilde),
//   L_grad = sum_t |G_t - const(mean(G) r_t^alpha)|.
// Two departures from LibMTL, both to keep the method a per-step rule: L_t(0) is the task's loss
// at the first step (LibMTL divides by the first epoch's average loss and uses equal weights
// during that epoch), and p's gradient is written analytically instead of by a backward pass:
// with sigma = softmax(p) and a_t = sign(G_t - target_t) ||g_t||,
//   dL_grad/dp_j = a_j w_j - sigma_j sum_t a_t w_t.
// The update uses w as it was before the optimizer moves p; task-specific parameters get w_t
// times their task's gradient.
//
// Where the weight loss is undefined, p.grad is left undefined (LinearMethod clears it; the
// optimizer skips p), w is kept and kMethodFallback is set: while some task has had no positive
// loss yet (L_t(0) is the first positive one), when a task's gradient is zero (its norm at most
// 1e-12 of the largest, gram.h's negligible-norm rule: the loss would pour weight onto a task that
// cannot use it), or when the ratios are not finite numbers.
// Non-finite losses or Gram never reach the rule (LinearMethod), so they record no L_t(0).

#include <algorithm>
#include <cmath>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/host_math.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

class GradNorm : public LinearMethod
{
public:
  GradNorm(int tasks, double alpha)
      : p_(at::zeros({tasks}, at::kFloat).set_requires_grad(true)), alpha_(alpha), initialLoss_(static_cast<size_t>(tasks), 0.0)
  {
  }
  std::vector<at::Tensor> parameters() override { return {p_}; }
  void saveState(SavedState& s) const override { s.putNumbers("initial_loss", initialLoss_); }
  void loadState(const SavedState& s) override
  {
    initialLoss_ = s.numbers("initial_loss", static_cast<int64_t>(initialLoss_.size()));
  }

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    const std::vector<double> p = hostValues(p_);
    if (static_cast<int>(p.size()) != K) return {};
    const std::vector<double> sigma = softmax(p);
    std::vector<double> w(K);
    for (int k = 0; k < K; ++k) w[k] = K * sigma[k];
    if (!allFinite(w)) return {};

    for (int k = 0; k < K; ++k)
      if (initialLoss_[k] <= 0 && input.losses[k] > 0) initialLoss_[k] = input.losses[k];
    const std::vector<double> grad = weightLossGradient(input, sigma, w);
    if (grad.empty()) return {w, w, kMethodFallback};
    p_.mutable_grad() = at::tensor(grad, at::kDouble).to(p_.device(), p_.scalar_type());
    return {w, w, 0};
  }

  // dL_grad/dp, or empty where the weight loss is undefined.
  std::vector<double> weightLossGradient(const MethodInput& input, const std::vector<double>& sigma,
                                         const std::vector<double>& w) const
  {
    const int K = static_cast<int>(w.size());
    const Gram M(input.gram, K);
    std::vector<double> norm(K), ratio(K);
    double meanG = 0, meanRatio = 0;
    for (int k = 0; k < K; ++k) {
      if (initialLoss_[k] <= 0) return {};
      norm[k] = M.norm(k);
      meanG += w[k] * norm[k] / K;
      ratio[k] = input.losses[k] / initialLoss_[k];
      meanRatio += ratio[k] / K;
    }
    if (!(meanRatio > 0)) return {};
    for (bool zero : negligibleNorms(norm))
      if (zero) return {};

    std::vector<double> a(K);
    double sumAW = 0;
    for (int k = 0; k < K; ++k) {
      const double target = meanG * std::pow(ratio[k] / meanRatio, alpha_);
      const double gap = w[k] * norm[k] - target;
      // d|x|/dx = sign(x), 0 at 0 as in torch's abs backward.
      a[k] = gap > 0 ? norm[k] : gap < 0 ? -norm[k] : 0.0;
      if (!std::isfinite(target)) return {};
      sumAW += a[k] * w[k];
    }
    std::vector<double> grad(K);
    for (int j = 0; j < K; ++j) grad[j] = a[j] * w[j] - sigma[j] * sumAW;
    return allFinite(grad) ? grad : std::vector<double>{};
  }

  at::Tensor p_;  // [K] on the host; read and written through its own device and dtype
  double alpha_;
  std::vector<double> initialLoss_;  // [K] L_t(0); 0 until the task has had a positive loss
};

}  // namespace

MethodInfo gradNormInfo()
{
  MethodInfo m;
  m.name = "gradnorm";
  m.description = "GradNorm: learnable weights K softmax(p) trained to equalize weighted gradient norms by training rate";
  m.hyperParameters = {
      {"alpha", 1.5, 0.0, 10.0, "restoring force: how strongly tasks that train slower get larger gradient norms", false},
  };
  m.make = [](const MethodSetup& s) { return std::make_unique<GradNorm>(s.tasks(), s.params.get("alpha")); };
  return m;
}

}  // namespace seesaw
