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
// the same drops on every device (one P-long copy per step). On the CPU the rule runs as one
// fused pass over the coordinates (graddrop.h).
// Effective weight of task t: the coefficient of its surviving part along its own gradient,
// <m_t g_t, g_t> / |g_t|^2 with m_t the multiplier above; with leak 0 that is the fraction of
// |g_t|^2 kept, and for a linear method it would be the usual coefficient.

#include "methods/graddrop.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Dispatch.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "methods/method_infos.h"

namespace seesaw {
namespace {

// One pass over the coordinates, K values in and one out: the tensor form's dozen passes over
// [K, P] cost a quarter of a W1 step. Weights are accumulated in float64 on rows scaled to unit
// peak (a first, read-only pass), so that tiny gradients do not underflow.
template <typename T>
void dropOnHost(const MethodInput& input, const at::Tensor& uniform, double leak, MethodOutput& out)
{
  const at::Tensor G = input.taskGradients.contiguous();
  const auto K = G.size(0), P = G.size(1);
  const T* g = G.data_ptr<T>();
  const at::Tensor u = uniform.to(at::kFloat).contiguous();
  const float* draw = u.data_ptr<float>();
  out.combined = at::empty({P}, G.options());
  T* combined = out.combined.data_ptr<T>();
  std::vector<double> inversePeak(K, 1.0), kept(K, 0.0), total(K, 0.0);
  for (int64_t k = 0; k < K; ++k) {
    double peak = 0;
    for (int64_t p = 0; p < P; ++p) peak = std::max(peak, std::abs(static_cast<double>(g[k * P + p])));
    if (peak > 0) inversePeak[k] = 1 / peak;
  }
  for (int64_t p = 0; p < P; ++p) {
    double sum = 0, mass = 0;
    for (int64_t k = 0; k < K; ++k) {
      const double v = g[k * P + p];
      sum += v;
      mass += std::abs(v);
    }
    if (mass == 0) {
      combined[p] = 0;
      continue;
    }
    const bool positiveSurvives = 0.5 * (1 + sum / mass) > draw[p];
    double c = 0;
    for (int64_t k = 0; k < K; ++k) {
      const double v = g[k * P + p];
      const double m = leak + (1 - leak) * ((v > 0) == positiveSurvives && v != 0 ? 1.0 : 0.0);
      c += m * v;
      const double unit = v * inversePeak[k];
      kept[k] += m * unit * unit;
      total[k] += unit * unit;
    }
    combined[p] = static_cast<T>(c);
  }
  out.weights.resize(K);
  for (int64_t k = 0; k < K; ++k) out.weights[k] = kept[k] / total[k];
}

void dropWithTensors(const MethodInput& input, const at::Tensor& uniform, double leak, MethodOutput& out)
{
  const at::Tensor& G = input.taskGradients;
  const at::Tensor total = G.sum(0), mass = G.abs().sum(0);
  const at::Tensor purity = 0.5 * (1 + total / mass.masked_fill(mass.eq(0), 1));
  const at::Tensor keep = (purity.gt(uniform) & G.gt(0)) | (purity.lt(uniform) & G.lt(0));  // [K, P]
  const at::Tensor multiplier = leak + (1 - leak) * keep.to(G.scalar_type());
  out.combined = (multiplier * G).sum(0);
  out.weights = ownDirectionWeights(G, multiplier);
}

class GradDrop : public GradientMethod
{
public:
  GradDrop(double leak, uint64_t seed) : leak_(leak), generator_(at::detail::createCPUGenerator(seed)) {}

  MethodOutput combine(const MethodInput& input) override
  {
    const at::Tensor& G = input.taskGradients;
    // Drawn on the CPU whatever the device, so that a seed gives the same drops everywhere, and
    // before anything can bail out, so that a skipped step does not shift later draws.
    const at::Tensor U = at::empty({G.size(1)}, G.options().device(at::kCPU).dtype(at::kFloat)).uniform_(0, 1, generator_).to(G.device());
    if (!finiteInput(input)) return equalWeightFallback(input);
    return dropBySignPurity(input, U, leak_, G.is_cpu() ? DropForm::HostLoop : DropForm::Tensors);
  }

private:
  double leak_;
  at::Generator generator_;
};

}  // namespace

MethodOutput dropBySignPurity(const MethodInput& input, const at::Tensor& uniform, double leak, DropForm form)
{
  MethodOutput out;
  if (form == DropForm::HostLoop) {
    AT_DISPATCH_FLOATING_TYPES(input.taskGradients.scalar_type(), "graddrop", [&] { dropOnHost<scalar_t>(input, uniform, leak, out); });
  } else {
    dropWithTensors(input, uniform, leak, out);
  }
  const auto K = static_cast<int>(input.losses.size());
  for (int k = 0; k < K; ++k) {
    // A zero gradient has no share to keep: weight 1, as EW, and the flag.
    if (!(input.gram[static_cast<size_t>(k * K + k)] > 0 && std::isfinite(out.weights[k]))) {
      out.weights[k] = 1.0;
      out.flags |= kMethodFallback;
    }
  }
  return out;
}

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
