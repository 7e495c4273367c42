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
// Where the weight loss is undefined, p.grad is left undefined (the optimizer skips p), w is kept
// and kMethodFallback is set: while some task has had no positive loss yet (L_t(0) is the first
// positive one), when a task's gradient is zero (its norm at most 1e-12 of the largest: the loss
// would pour weight onto a task that cannot use it), or when the ratios are not finite numbers.
// Non-finite losses or Gram never reach the rule (LinearMethod), so they record no L_t(0).

#include <algorithm>
#include <cmath>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

constexpr double kZeroNorm = 1e-12;  // relative to the largest task gradient's norm

std::vector<double> hostValues(const at::Tensor& t)
{
  const at::Tensor c = t.detach().to(at::kCPU, at::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

bool allFinite(const std::vector<double>& v)
{
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

class GradNormRule : public LinearMethod
{
public:
  GradNormRule(at::Tensor p, double alpha) : p_(std::move(p)), alpha_(alpha), initialLoss_(static_cast<size_t>(p_.numel()), 0.0) {}

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    const std::vector<double> p = hostValues(p_);
    if (static_cast<int>(p.size()) != K) return {};
    const double top = *std::max_element(p.begin(), p.end());
    std::vector<double> sigma(K), w(K);
    double total = 0;
    for (int k = 0; k < K; ++k) total += (sigma[k] = std::exp(p[k] - top));
    for (int k = 0; k < K; ++k) {
      sigma[k] /= total;
      w[k] = K * sigma[k];
    }
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
    double largest = 0, meanG = 0, meanRatio = 0;
    for (int k = 0; k < K; ++k) {
      if (initialLoss_[k] <= 0) return {};
      norm[k] = M.norm(k);
      largest = std::max(largest, norm[k]);
      meanG += w[k] * norm[k] / K;
      ratio[k] = input.losses[k] / initialLoss_[k];
      meanRatio += ratio[k] / K;
    }
    if (!(largest > 0) || !(meanRatio > 0)) return {};
    for (int k = 0; k < K; ++k)
      if (norm[k] <= kZeroNorm * largest) return {};

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

  at::Tensor p_;
  double alpha_;
  std::vector<double> initialLoss_;  // [K] L_t(0); 0 until the task has had a positive loss
};

class GradNorm : public GradientMethod
{
public:
  GradNorm(int tasks, double alpha) : p_(at::zeros({tasks}, at::kFloat).set_requires_grad(true)), rule_(p_, alpha) {}
  MethodOutput combine(const MethodInput& input) override
  {
    // Undefined unless the rule sets it, so that no step re-applies an earlier step's gradient.
    p_.mutable_grad() = at::Tensor();
    return rule_.combine(input);
  }
  std::vector<at::Tensor> parameters() override { return {p_}; }

private:
  at::Tensor p_;  // [K] on the host; read and written through its own device and dtype
  GradNormRule rule_;
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
  m.make = [](const MethodSetup& s) { return std::make_unique<GradNorm>(s.tasks, s.params.get("alpha")); };
  return m;
}

}  // namespace seesaw
