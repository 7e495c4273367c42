// GradDrop (Chen et al., NeurIPS 2020), applied to the shared-parameter gradients. The paper
// (and LibMTL) drops signs on the gradient of a shared *representation*, sign-corrected and
// summed over the batch, before it flows back into the trunk; the trainer hands a method only
// per-task gradients of the shared parameters, so here the same rule acts on each coordinate of
// those: a different (and common, e.g. in PCGrad's comparisons) variant, not the paper's.
//   purity P = (1 + sum_t g_t / sum_t |g_t|) / 2 per coordinate (1/2 where every g_t is 0),
//   U ~ Uniform(0, 1) per coordinate, drawn each step from a generator seeded by train.seed,
//   task t keeps its coordinate where (P > U and g_t > 0) or (P < U and g_t < 0),
//   combined = sum_t (leak + (1 - leak) keep_t) g_t.
// leak = 1 is EW. The U are drawn on the CPU and copied to the gradients' device, so a seed gives
// the same drops on every device (one P-long copy per step).
// Effective weight of task t: the coefficient of its surviving part along its own gradient,
// <m_t g_t, g_t> / |g_t|^2 with m_t the multiplier above; with leak 0 that is the fraction of
// |g_t|^2 kept, and for a linear method it would be the usual coefficient.

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <vector>

#include "methods/gradient_method.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

class GradDrop : public GradientMethod
{
public:
  GradDrop(double leak, uint64_t seed) : leak_(leak), generator_(at::detail::createCPUGenerator(seed)) {}

  MethodOutput combine(const MethodInput& input) override
  {
    const auto K = static_cast<int>(input.losses.size());
    const at::Tensor& G = input.taskGradients;
    // Drawn before anything can bail out, so that a skipped step does not shift later draws.
    const at::Tensor U = at::empty({G.size(1)}, G.options().device(at::kCPU)).uniform_(0, 1, generator_).to(G.device());
    if (!finiteInput(input)) return equalWeightFallback(input);
    MethodOutput out;
    const at::Tensor total = G.sum(0), mass = G.abs().sum(0);
    const at::Tensor purity = 0.5 * (1 + total / mass.masked_fill(mass.eq(0), 1));
    const at::Tensor keep = (purity.gt(U) & G.gt(0)) | (purity.lt(U) & G.lt(0));  // [K, P]
    const at::Tensor multiplier = leak_ + (1 - leak_) * keep.to(G.scalar_type());
    const at::Tensor kept = multiplier * G;
    out.combined = kept.sum(0);
    const std::vector<double> r = ownDirectionWeights(G, multiplier);
    out.weights.assign(static_cast<size_t>(K), 1.0);
    for (int k = 0; k < K; ++k) {
      // A zero gradient has no share to keep: weight 1, as EW, and the flag.
      if (input.gram[static_cast<size_t>(k * K + k)] > 0 && std::isfinite(r[k])) out.weights[k] = r[k];
      else out.flags |= kMethodFallback;
    }
    return out;
  }

private:
  double leak_;
  at::Generator generator_;
};

}  // namespace

MethodInfo gradDropInfo()
{
  MethodInfo m;
  m.name = "graddrop";
  m.description = "GradDrop: per coordinate, keep only the gradients of one sign, drawn by sign purity";
  m.hyperParameters = {
      {"leak", 0.0, 0.0, 1.0, "fraction of every task's gradient kept regardless of the drop (1: EW)"},
  };
  m.make = [](const MethodSetup& s) { return std::make_unique<GradDrop>(s.params.get("leak"), s.seed); };
  return m;
}

}  // namespace seesaw
