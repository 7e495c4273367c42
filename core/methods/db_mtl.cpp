// DB-MTL (Lin et al., 2023), LibMTL's variant; GradCraft's "DBMTL" baseline (max-norm rescale of
// unit gradients, no log, no EMA) is a different rule and is not this. Each task's loss is taken
// as log(L_t + 1e-8), whose gradient is g_t / (L_t + 1e-8) by the chain rule (no extra backward).
// A buffer per task, zero at the start as in LibMTL, follows
//   gb_t <- g_t / (L_t + 1e-8) + b_n (gb_t - g_t / (L_t + 1e-8)),   b_n = beta / n^beta_sigma,
// n counting the updates; then alpha_t = max_j ||gb_j|| / ||gb_t|| and combined = sum_t alpha_t gb_t.
// Because the buffer starts at zero and has no bias correction, the first update is (1 - beta)
// times the max-norm sum of the log-loss gradients, as in LibMTL.
//
// The buffers hold past steps, so the update is not a combination of this step's g_t alone:
// the reported weight of task t is the coefficient of this step's g_t in `combined`,
// alpha_t (1 - b_n) / (L_t + 1e-8). Task-specific parameters get 1 / (L_t + 1e-8) times their
// task's gradient, as the backward of the log loss gives them in LibMTL.
//
// Fallbacks (kMethodFallback): with a non-finite loss or Gram, a loss of -1e-8 or less (no log),
// or a buffer that would turn non-finite, the buffers are left as they were and the update is
// the plain sum of the task gradients, as in LinearMethod. A task whose buffer is zero (its norm
// at most 1e-12 of the largest: gram.h's negligible-norm rule, applied to the buffers) has no
// direction to rescale: it keeps alpha_t = 1. LibMTL instead divides by ||gb_t|| + 1e-8, which
// differs from ours only for norms near 1e-8.

#include <algorithm>
#include <cmath>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/host_math.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

constexpr double kLogEpsilon = 1e-8;  // LibMTL's log(L + 1e-8)

class DbMtl : public GradientMethod
{
public:
  DbMtl(double beta, double betaSigma) : beta_(beta), betaSigma_(betaSigma) {}

  // The buffer is absent before the first update.
  void saveState(SavedState& s) const override
  {
    if (buffer_.defined()) s.put("buffer", buffer_);
    s.putNumbers("updates", {static_cast<double>(updates_)});
  }
  void loadState(const SavedState& s) override
  {
    buffer_ = s.has("buffer") ? s.get("buffer") : at::Tensor();
    updates_ = static_cast<int64_t>(s.number("updates"));
  }

  MethodOutput combine(const MethodInput& input) override
  {
    MethodOutput out;
    if (finiteInput(input) && balance(input, out)) return out;
    return equalWeightFallback(input);
  }

private:
  // Fills `out` and advances the buffers; false (buffers untouched) where the rule is undefined.
  bool balance(const MethodInput& input, MethodOutput& out)
  {
    const at::Tensor& g = input.taskGradients;
    const size_t K = input.losses.size();
    if (g.dim() != 2 || g.size(0) != static_cast<int64_t>(K)) return false;
    std::vector<double> logScale(K);
    for (size_t k = 0; k < K; ++k) {
      const double shifted = input.losses[k] + kLogEpsilon;
      if (!(shifted > 0)) return false;
      logScale[k] = 1.0 / shifted;
    }
    if (!allFinite(logScale)) return false;

    // A buffer of another shape (a different model) starts afresh.
    const bool fresh = !buffer_.defined() || !buffer_.sizes().equals(g.sizes());
    const int64_t n = fresh ? 1 : updates_ + 1;
    const double b = beta_ / std::pow(static_cast<double>(n), betaSigma_);
    std::vector<double> current(K);
    for (size_t k = 0; k < K; ++k) current[k] = (1.0 - b) * logScale[k];
    // Out of place, so that a buffer that would overflow is never stored.
    at::Tensor next = g * at::tensor(current, at::kDouble).to(g.device(), g.scalar_type()).unsqueeze(1);
    if (!fresh) next.add_(buffer_, b);
    const std::vector<double> norm = hostValues(next.norm(2, at::IntArrayRef{1}));
    if (!allFinite(norm)) return false;

    const double largest = *std::max_element(norm.begin(), norm.end());
    const std::vector<bool> zero = negligibleNorms(norm);
    std::vector<double> alpha(K, 1.0);
    for (size_t k = 0; k < K; ++k) {
      if (!zero[k])
        alpha[k] = largest / norm[k];
      else
        out.flags |= kMethodFallback;
    }
    buffer_ = next;
    updates_ = n;
    out.combined = at::matmul(at::tensor(alpha, at::kDouble).to(g.device(), g.scalar_type()), buffer_);
    out.weights.resize(K);
    for (size_t k = 0; k < K; ++k) out.weights[k] = alpha[k] * current[k];
    out.taskScale = logScale;
    return true;
  }

  double beta_, betaSigma_;
  at::Tensor buffer_;    // [K, P] gb, on the gradients' device; undefined before the first update
  int64_t updates_ = 0;  // n of the last update
};

}  // namespace

MethodInfo dbMtlInfo()
{
  MethodInfo m;
  m.name = "db_mtl";
  m.description = "DB-MTL: log-loss gradients, averaged over steps, each rescaled to the largest norm; sum";
  m.hyperParameters = {
      {"beta", 0.9, 0.0, 0.999, "weight of the past in the gradient average (0: this step only)", false},
      {"beta_sigma", 0.0, 0.0, 10.0, "decay of beta over updates: beta / n^beta_sigma", false},
  };
  m.make = [](const MethodSetup& s) { return std::make_unique<DbMtl>(s.params.get("beta"), s.params.get("beta_sigma")); };
  return m;
}

}  // namespace seesaw
