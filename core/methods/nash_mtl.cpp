// Nash-MTL (Navon et al., ICML 2022): the bargaining solution alpha > 0 with
//   (M alpha)_t = 1 / alpha_t for every task,
// and the update sum_t alpha_t g_t, whose norm is then sqrt(K) (alpha'M alpha = K). As LibMTL and
// the authors' code do, it is solved on M~ = M / |M|_F for conditioning, and their constraint
// -log(alpha_t nf) - log((M/nf alpha)_t) <= 0 puts the norm back: the alpha they apply solves the
// condition for M itself, alpha~ / sqrt(|M|_F) with alpha~ the normalized problem's solution.
//
// Solver: the condition is the stationarity of the strictly convex, self-concordant
//   f(alpha) = alpha'M~ alpha / 2 - sum_t log alpha_t,
// so damped Newton (step 1/(1 + Newton decrement), full steps once the decrement is below 1/4)
// stays in alpha > 0 and converges whenever the solution exists (Nesterov, Lectures on Convex
// Optimization, sec. 4.1.5). It replaces LibMTL's sequence of convex approximations (cvxpy/ECOS,
// 20 rounds, stop at |M~ alpha - 1/alpha| < 1e-3; its constraint also mixes the normalized and the
// raw Gram). It stops when max_t |alpha_t (M~ alpha)_t - 1| <= tolerance (default 1e-10), a
// relative form of LibMTL's test. Each step starts from scratch, not from the last step's alpha.
//
// As in LibMTL, task-specific parameters get alpha_t times their gradient (LibMTL backpropagates
// sum_t alpha_t L_t), and the shared update is clipped to norm max_norm (default 1.0, LibMTL's and
// the authors'; 0 turns it off). The clip needs no pass over the parameters: the update's norm is
// sqrt(c'M c).
//
// The solution exists exactly when no nonnegative combination of the gradients is zero (a common
// ascent direction exists). A zero gradient breaks that for its own task alone: such tasks are left
// out of the bargaining (coefficient 0, task-specific scale 1) and the flag set. Otherwise, when
// Newton does not meet the tolerance (opposed gradients: the origin is in their cone), the step
// falls back to EW's coefficients (1 each, then clipped), flagged.

#include <algorithm>
#include <cmath>
#include <vector>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

// Solves H x = g for a symmetric positive definite H (n x n, row-major) by Cholesky; false when
// H is not numerically positive definite.
bool choleskySolve(std::vector<double> H, std::vector<double> g, int n, std::vector<double>& x)
{
  for (int j = 0; j < n; ++j) {
    double d = H[static_cast<size_t>(j * n + j)];
    for (int k = 0; k < j; ++k) d -= H[static_cast<size_t>(j * n + k)] * H[static_cast<size_t>(j * n + k)];
    if (!(d > 0)) return false;
    d = std::sqrt(d);
    H[static_cast<size_t>(j * n + j)] = d;
    for (int i = j + 1; i < n; ++i) {
      double s = H[static_cast<size_t>(i * n + j)];
      for (int k = 0; k < j; ++k) s -= H[static_cast<size_t>(i * n + k)] * H[static_cast<size_t>(j * n + k)];
      H[static_cast<size_t>(i * n + j)] = s / d;
    }
  }
  for (int i = 0; i < n; ++i) {  // L y = g
    for (int k = 0; k < i; ++k) g[i] -= H[static_cast<size_t>(i * n + k)] * g[k];
    g[i] /= H[static_cast<size_t>(i * n + i)];
  }
  for (int i = n - 1; i >= 0; --i) {  // L' x = y
    for (int k = i + 1; k < n; ++k) g[i] -= H[static_cast<size_t>(k * n + i)] * g[k];
    g[i] /= H[static_cast<size_t>(i * n + i)];
  }
  x = std::move(g);
  return true;
}

class NashMtl : public LinearMethod
{
public:
  NashMtl(int maxIterations, double tolerance, double maxNorm)
      : maxIterations_(maxIterations), tolerance_(tolerance), maxNorm_(maxNorm) {}

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    const Gram gram(input.gram, K);
    Coefficients out;
    if (gram.allZero()) {
      out.c.assign(K, 1.0);
      out.flags |= kMethodFallback;
      return out;
    }
    // Frobenius norm through the largest entry first, so tiny or huge Grams neither under- nor
    // overflow.
    const double largest = gram.largestSquaredNorm();
    double frobenius = 0;
    for (double v : input.gram) frobenius += (v / largest) * (v / largest);
    frobenius = std::sqrt(frobenius);

    const std::vector<bool> zero = gram.zeroTasks();
    std::vector<int> live;
    for (int t = 0; t < K; ++t)
      if (!zero[t]) live.push_back(t);
    if (static_cast<int>(live.size()) < K) out.flags |= kMethodFallback;
    const int m = static_cast<int>(live.size());
    std::vector<double> Q(static_cast<size_t>(m * m));
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < m; ++j) Q[static_cast<size_t>(i * m + j)] = gram(live[i], live[j]) / largest / frobenius;

    std::vector<double> alpha;
    out.c.assign(K, 1.0);
    out.taskScale.assign(K, 1.0);
    if (solve(Q, m, alpha)) {
      // Back to M's own scale: (M a)_t = 1/a_t for a = alpha / sqrt(|M|_F), |M|_F = largest * frobenius.
      const double unnormalize = 1 / (std::sqrt(largest) * std::sqrt(frobenius));
      for (int t = 0; t < K; ++t) out.c[t] = 0;
      for (int i = 0; i < m; ++i) out.c[live[i]] = out.taskScale[live[i]] = alpha[i] * unnormalize;
    } else {
      out.taskScale.clear();
      out.flags |= kMethodFallback;
    }
    if (maxNorm_ > 0) {
      double squared = 0;
      for (int i = 0; i < K; ++i)
        for (int j = 0; j < K; ++j) squared += out.c[i] * gram(i, j) * out.c[j];
      const double norm = std::sqrt(std::max(0.0, squared));
      if (norm > maxNorm_)
        for (double& c : out.c) c *= maxNorm_ / norm;
    }
    return out;
  }

  // Damped Newton on f(a) = a'Qa/2 - sum log a; false when the tolerance is not met.
  bool solve(const std::vector<double>& Q, int m, std::vector<double>& a) const
  {
    const auto q = [&](int i, int j) { return Q[static_cast<size_t>(i * m + j)]; };
    a.assign(m, 0.0);
    for (int i = 0; i < m; ++i) a[i] = 1 / std::sqrt(q(i, i));  // exact for orthogonal gradients
    std::vector<double> Qa(m), grad(m), H(static_cast<size_t>(m * m)), step;
    for (int it = 0; it <= maxIterations_; ++it) {
      double worst = 0;
      for (int i = 0; i < m; ++i) {
        Qa[i] = 0;
        for (int j = 0; j < m; ++j) Qa[i] += q(i, j) * a[j];
        worst = std::max(worst, std::abs(a[i] * Qa[i] - 1));
        grad[i] = Qa[i] - 1 / a[i];
      }
      if (worst <= tolerance_) return true;
      if (it == maxIterations_) break;
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < m; ++j) H[static_cast<size_t>(i * m + j)] = q(i, j) + (i == j ? 1 / (a[i] * a[i]) : 0.0);
      if (!choleskySolve(H, grad, m, step)) return false;
      double decrement = 0;
      for (int i = 0; i < m; ++i) decrement += grad[i] * step[i];
      decrement = std::sqrt(std::max(0.0, decrement));
      double t = decrement < 0.25 ? 1.0 : 1 / (1 + decrement);
      // The theory keeps a > 0; rounding might not, so halve until it does.
      for (;;) {
        bool positive = true;
        for (int i = 0; i < m; ++i) positive = positive && a[i] - t * step[i] > 0;
        if (positive) break;
        t *= 0.5;
        if (t < 1e-30) return false;
      }
      for (int i = 0; i < m; ++i) a[i] -= t * step[i];
    }
    return false;
  }

  int maxIterations_;
  double tolerance_;
  double maxNorm_;
};

}  // namespace

MethodInfo nashMtlInfo()
{
  MethodInfo m;
  m.name = "nash_mtl";
  m.description = "Nash-MTL: the bargaining solution alpha_t (M alpha)_t = 1 (solved on the normalized Gram, applied at M's scale as LibMTL does); update clipped to max_norm";
  m.hyperParameters = {
      {"max_iterations", 100, 1, 10000, "most damped Newton steps of the bargaining solver", true},
      {"tolerance", 1e-10, 1e-15, 1e-2, "stop when every |alpha_t (M alpha)_t - 1| is below this (normalized Gram)", false},
      {"max_norm", 1.0, 0, 1e12, "clip the shared update's norm to this (0: off); task-specific scales are not clipped", false},
  };
  m.make = [](const MethodSetup& s) {
    return std::make_unique<NashMtl>(static_cast<int>(s.params.get("max_iterations")), s.params.get("tolerance"),
                                     s.params.get("max_norm"));
  };
  return m;
}

}  // namespace seesaw
