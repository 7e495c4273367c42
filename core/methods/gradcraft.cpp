// GradCraft (Bai et al., KDD 2024), as in the slides and the authors' solver
// (solvers/global_pc_grad_magnitude_positive.py):
//   1. magnitude: gh_i = (tau m / |g_i| + 1 - tau) g_i with m = max_j |g_j| (current batch: the
//      reference's norm EMA has b = 0 in every config);
//   2. direction: for each i independently, C_i = {j : <gh_i, gh_j> < 0} and
//      gt_i = gh_i + sum_{j in C_i} w_j gh_j with w solving (G_C G_C^T) w = -G_C gh_i + z,
//      z_j = eps |gh_i| |gh_j|, so that <gh_j, gt_i> = eps |gh_i| |gh_j| for every j in C_i;
//   3. merge (option "merge"): 0 sums the gt_i (default: the scale of EW and of our PCGrad, so
//      two tasks with tau = 0 and eps = 0 give PCGrad exactly), 1 takes their mean (the slides),
//      2 is the reference code's rule: the mean on coordinates where every task's gradient is
//      nonzero, the sum elsewhere. Options 0 and 1 are linear in the g_k and run on the Gram
//      matrix; option 2 scales coordinates of that same sum.
// The reference run's second Adam step on the L2 loss alone is the trainer's train.l2_step.
// Not implemented: its per-parameter-tensor zero test (we see one flat vector, so the mask is per
// coordinate).

#include <algorithm>
#include <cmath>
#include <vector>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/host_math.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

// Eigenvalues of a conflict system below this fraction of its largest are treated as zero
// (conflicting gradients that are linearly dependent at double precision).
constexpr double kSingular = 1e-10;

// sum_i gt_i as coefficients on the g_k (merge option 0), from the Gram matrix alone.
struct Crafted
{
  std::vector<double> c;
  uint32_t flags = 0;
};

Crafted craft(const std::vector<double>& gram, int K, double tau, double eps)
{
  const Gram M(gram, K);
  Crafted out;
  out.c.assign(static_cast<size_t>(K), 0.0);
  double largest = 0;
  for (int k = 0; k < K; ++k) largest = std::max(largest, M.norm(k));
  // Zero tasks (gram.h's negligible-norm rule: the rescaling to the max norm would multiply their rounding noise
  // by more than 1e12) keep their gradient, scale 1, and join no conflict set.
  std::vector<double> s(static_cast<size_t>(K), 1.0);
  const std::vector<bool> zero = M.negligibleTasks();
  std::vector<bool> live(static_cast<size_t>(K), false);
  for (int k = 0; k < K; ++k) {
    live[k] = !zero[k];
    if (live[k]) s[k] = tau * largest / M.norm(k) + (1 - tau);
    else out.flags |= kMethodFallback;
  }
  const auto H = [&](int i, int j) { return s[i] * s[j] * M(i, j); };  // <gh_i, gh_j>
  for (int i = 0; i < K; ++i) {
    out.c[i] += s[i];
    if (!live[i]) continue;
    std::vector<int> conflicts;
    for (int j = 0; j < K; ++j)
      if (j != i && live[j] && H(i, j) < 0) conflicts.push_back(j);
    const int n = static_cast<int>(conflicts.size());
    if (n == 0) continue;
    std::vector<double> a(static_cast<size_t>(n * n)), b(static_cast<size_t>(n)), w;
    for (int r = 0; r < n; ++r) {
      const int j = conflicts[r];
      for (int q = 0; q < n; ++q) a[r * n + q] = H(j, conflicts[q]);
      b[r] = -H(j, i) + eps * std::sqrt(std::max(0.0, H(i, i) * H(j, j)));
    }
    // The minimum-norm least-squares w where the conflicts are linearly dependent.
    if (!pseudoInverseSolve(a, n, b, kSingular, w)) out.flags |= kMethodFallback;
    for (int r = 0; r < n; ++r) out.c[conflicts[r]] += w[r] * s[conflicts[r]];
  }
  return out;
}

// Merge options 0 and 1: a linear method.
class GradCraft : public LinearMethod
{
public:
  GradCraft(double tau, double eps, bool mean) : tau_(tau), eps_(eps), mean_(mean) {}

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    Crafted r = craft(input.gram, K, tau_, eps_);
    if (mean_)
      for (double& x : r.c) x /= K;
    return {r.c, {}, r.flags};
  }
  double tau_, eps_;
  bool mean_;
};

// Merge option 2: the same sum of the gt_i, divided by K on the coordinates every task touches.
// Not a combination of whole gradients: task k's contribution is c_k (D g_k) with D that
// coordinate scaling, and its effective weight is the coefficient of that contribution along its
// own gradient, c_k <D g_k, g_k> / |g_k|^2 (c_k where |g_k| = 0, where D does not matter).
class GradCraftMasked : public GradientMethod
{
public:
  GradCraftMasked(double tau, double eps) : tau_(tau), eps_(eps) {}

  MethodOutput combine(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    const at::Tensor& G = input.taskGradients;
    if (!finiteInput(input)) return equalWeightFallback(input);
    const Crafted r = craft(input.gram, K, tau_, eps_);
    if (!allFinite(r.c)) return equalWeightFallback(input);
    MethodOutput out;
    const at::Tensor c = at::tensor(r.c, at::kDouble).to(G.options());
    const at::Tensor shared = G.ne(0).all(0);
    const at::Tensor scale = at::where(shared, at::full({}, 1.0 / K, G.options()), at::full({}, 1.0, G.options()));
    out.combined = at::matmul(c, G) * scale;
    const std::vector<double> q = ownDirectionWeights(G, scale);
    out.weights = r.c;
    for (int k = 0; k < K; ++k)
      if (std::isfinite(q[k])) out.weights[k] *= q[k];
    out.flags = r.flags;
    return out;
  }

private:
  double tau_, eps_;
};

}  // namespace

MethodInfo gradCraftInfo()
{
  MethodInfo m;
  m.name = "gradcraft";
  m.description = "GradCraft: rescale task gradients toward the max norm, project each off all its conflicts at once";
  m.hyperParameters = {
      {"tau", 1.0, 0.0, 1.0, "magnitude adjustment: 0 keeps each gradient's norm, 1 sets every norm to the largest"},
      {"eps", 0.0, 0.0, 1.0, "target inner product after projection, as a fraction of |gh_i| |gh_j| (0: orthogonal)"},
      {"merge", 0, 0, 2, "0: sum of the crafted gradients; 1: their mean; 2: mean where every task's gradient is nonzero, sum elsewhere",
       true},
  };
  m.make = [](const MethodSetup& s) -> std::unique_ptr<GradientMethod> {
    const double tau = s.params.get("tau"), eps = s.params.get("eps");
    const int merge = static_cast<int>(s.params.get("merge"));
    if (merge == 2) return std::make_unique<GradCraftMasked>(tau, eps);
    return std::make_unique<GradCraft>(tau, eps, merge == 1);
  };
  return m;
}

}  // namespace seesaw
