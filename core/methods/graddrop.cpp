// GradDrop (Chen et al., NeurIPS 2020), applied to the shared-parameter gradients. The paper
// (and LibMTL) drops signs on the gradient of a shared *representation*, sign-corrected and
// summed over the batch, before it flows back into the trunk; the trainer hands a method only
// per-task gradients of the shared parameters, so here the same rule acts on each coordinate of
// those: a different (and common, e.g. in PCGrad's comparisons) variant, not the paper's.
//   purity P = (1 + sum_t g_t / sum_t |g_t|) / 2 per coordinate (1/2 where every g_t is 0),
//   U ~ Uniform(0, 1) per coordinate, drawn each step by a counter-based hash of train.seed, the
//   step's draw count and the coordinate (graddrop.h),
//   task t keeps its coordinate where (P > U and g_t > 0) or (P < U and g_t < 0),
//   combined = sum_t (leak + (1 - leak) keep_t) g_t.
// leak = 1 is EW. A seed gives the same drops on every device: a GPU gets the U computed on the
// host (one P-long copy per step). On the CPU the rule runs as one fused pass over the
// coordinates, on every thread, drawing U as it goes.
// Effective weight of task t: the coefficient of its surviving part along its own gradient,
// <m_t g_t, g_t> / |g_t|^2 with m_t the multiplier above; with leak 0 that is the fraction of
// |g_t|^2 kept, and for a linear method it would be the usual coefficient.

#include "methods/graddrop.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "methods/method_infos.h"
#include "util/parallel.h"

namespace seesaw {
namespace {

// One pass over the coordinates, K values in and one out: the tensor form's dozen passes over
// [K, P], and a generator's own pass for U, cost a quarter of a W1 step. Weights are accumulated
// in float64; float64 gradients are first scaled to unit peak (a read-only pass) so that tiny
// ones do not underflow when squared, which float32 values cannot do in float64.
template <typename T>
void dropOnHost(const MethodInput& input, uint64_t key, double leak, MethodOutput& out)
{
  const at::Tensor G = input.taskGradients.contiguous();
  const auto K = G.size(0), P = G.size(1);
  const T* g = G.data_ptr<T>();
  out.combined = at::empty({P}, G.options());
  T* combined = out.combined.data_ptr<T>();
  std::vector<double> inversePeak(K, 1.0);
  if (std::is_same<T, double>::value) {
    for (int64_t k = 0; k < K; ++k) {
      double peak = 0;
      for (int64_t p = 0; p < P; ++p) peak = std::max(peak, std::abs(static_cast<double>(g[k * P + p])));
      if (peak > 0) inversePeak[k] = 1 / peak;
    }
  }
  // Per thread: the kept and the total squared mass of every task, added up after the loop.
  std::vector<std::vector<double>> partial(static_cast<size_t>(at::get_num_threads()), std::vector<double>(2 * K, 0.0));
  parallelFor(0, P, 8192, [&](int64_t begin, int64_t end) {
    std::vector<double>& squares = partial[static_cast<size_t>(at::get_thread_num())];
    for (int64_t p = begin; p < end; ++p) {
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
      const bool positiveSurvives = 0.5 * (1 + sum / mass) > uniformDraw(key, p);
      double c = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double v = g[k * P + p];
        const double m = leak + (1 - leak) * ((v > 0) == positiveSurvives && v != 0 ? 1.0 : 0.0);
        c += m * v;
        const double unit = v * inversePeak[k];
        squares[k] += m * unit * unit;
        squares[K + k] += unit * unit;
      }
      combined[p] = static_cast<T>(c);
    }
  });
  out.weights.assign(K, 0.0);
  std::vector<double> total(K, 0.0);
  for (const auto& t : partial)
    for (int64_t k = 0; k < K; ++k) {
      out.weights[k] += t[k];
      total[k] += t[K + k];
    }
  for (int64_t k = 0; k < K; ++k) out.weights[k] /= total[k];
}

void dropWithTensors(const MethodInput& input, uint64_t key, double leak, MethodOutput& out)
{
  const at::Tensor& G = input.taskGradients;
  const int64_t P = G.size(1);
  at::Tensor draws = at::empty({P}, at::kFloat);
  float* u = draws.data_ptr<float>();
  for (int64_t p = 0; p < P; ++p) u[p] = uniformDraw(key, p);
  const at::Tensor uniform = draws.to(G.device());
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
  GradDrop(double leak, uint64_t seed) : leak_(leak), seed_(seed) {}
  // Each step's draws follow from the seed and the count of steps before it.
  void saveState(SavedState& s) const override { s.putNumbers("draws", {static_cast<double>(draws_)}); }
  void loadState(const SavedState& s) override { draws_ = static_cast<uint64_t>(s.number("draws")); }

  MethodOutput combine(const MethodInput& input) override
  {
    // Counted before anything can bail out, so that a skipped step does not shift later draws.
    const uint64_t key = drawKey(seed_, draws_++);
    if (!finiteInput(input)) return equalWeightFallback(input);
    return dropBySignPurity(input, key, leak_, input.taskGradients.is_cpu() ? DropForm::HostLoop : DropForm::Tensors);
  }

private:
  double leak_;
  uint64_t seed_;
  uint64_t draws_ = 0;
};

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// splitmix64's finalizer: consecutive inputs give independent-looking 64-bit outputs.
uint64_t mix(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t drawKey(uint64_t seed, uint64_t draw) { return mix(mix(seed * kGolden + 1) + draw * kGolden); }

float uniformDraw(uint64_t key, int64_t p)
{
  // The top 24 bits: a float in [0, 1) on a 2^-24 grid, never 1.
  return static_cast<float>(mix(key + static_cast<uint64_t>(p) * kGolden) >> 40) * (1.0f / 16777216.0f);
}

MethodOutput dropBySignPurity(const MethodInput& input, uint64_t key, double leak, DropForm form)
{
  MethodOutput out;
  if (form == DropForm::HostLoop) {
    AT_DISPATCH_FLOATING_TYPES(input.taskGradients.scalar_type(), "graddrop", [&] { dropOnHost<scalar_t>(input, key, leak, out); });
  } else {
    dropWithTensors(input, key, leak, out);
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
