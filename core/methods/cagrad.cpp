// CAGrad (Liu et al., NeurIPS 2021) as LibMTL and the authors' code state it:
//   g0 = mean_t g_t,  c = calpha |g0|,
//   w  = argmin_{w in simplex} w'M 1/K + c sqrt(w'M w),  gw = sum_t w_t g_t,
//   d  = g0 + (c / |gw|) gw,  divided by 1 (rescale 0), 1 + calpha^2 (1) or 1 + calpha (2).
// The update is K d, not d: EW here is the sum of the task gradients, and with the factor K
// CAGrad with calpha = 0 is EW exactly (each coefficient is then (1 + K c/|gw| w_t) / rescale,
// computed in that form so that it is exactly 1), and a learning rate carries over between them.
// LibMTL's update is d itself, the mean's scale.
//
// Solver: the objective is convex (a linear term plus a norm) and smooth wherever gw != 0. Both
// codes call SLSQP; here pairwise Frank-Wolfe on the Gram matrix (simplex_solver.h), each step an
// exact line search
// (bisection on the derivative of the convex 1-D restriction), stops on the Frank-Wolfe duality
// gap, which bounds the distance of the objective from its minimum. LibMTL adds 1e-8 inside the
// square roots; here the degenerate case is a fallback instead: when the minimizer has gw = 0
// (the origin is in the hull and the linear term cannot do better; numerically, |gw| below 1e-6
// of the largest task gradient norm), d's second term has no direction and the update is K g0
// (EW's, divided by the rescale), flagged.

#include <algorithm>
#include <cmath>
#include <vector>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/method_infos.h"
#include "methods/simplex_solver.h"

namespace seesaw {
namespace {

// In the solver, |gw| below this fraction of the largest task gradient norm is at the kink, where
// the objective has no gradient: the solver stops there, and a vertex there is no start. (Not
// gram.h's zero-gradient rules: this is about a combination, and the caller's test is kKinkNorm.)
constexpr double kKinkStop = 1e-10;
// At the solution, |gw| below this fraction means the minimum is at (or numerically at) the kink
// gw = 0: the iterates only reach it to about the square root of the rounding in w'Mw, and a Gram
// from float32 gradients fixes the direction of so short a gw no better.
constexpr double kKinkNorm = 1e-6;

class CAGrad : public LinearMethod
{
public:
  CAGrad(double calpha, int rescale, int maxIterations, double tolerance)
      : calpha_(calpha), rescale_(rescale), maxIterations_(maxIterations), tolerance_(tolerance) {}

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    const double divisor = rescale_ == 1 ? 1 + calpha_ * calpha_ : rescale_ == 2 ? 1 + calpha_ : 1.0;
    const Gram M(input.gram, K);
    if (M.allZero()) return {std::vector<double>(K, 1.0 / divisor), {}, kMethodFallback};
    const double largest = M.largestSquaredNorm();

    // The Gram scaled so the largest gradient has norm one: the tolerance is then relative.
    std::vector<double> Q(input.gram.size());
    for (size_t i = 0; i < Q.size(); ++i) Q[i] = input.gram[i] / largest;
    const auto q = [&](int i, int j) { return Q[static_cast<size_t>(i * K + j)]; };
    std::vector<double> b(K, 0.0);  // M 1/K: <g_t, g0>
    double g0Squared = 0;
    for (int i = 0; i < K; ++i) {
      for (int j = 0; j < K; ++j) b[i] += q(i, j) / K;
      g0Squared += b[i] / K;
    }
    const double c = calpha_ * std::sqrt(std::max(0.0, g0Squared));

    Coefficients out;
    out.c.assign(K, 1.0 / divisor);
    if (c <= 0) return out;  // calpha = 0 or g0 = 0: d = g0 exactly

    const std::vector<double> w = solve(Q, b, c, K);
    double gwSquared = 0;
    for (int i = 0; i < K; ++i)
      for (int j = 0; j < K; ++j) gwSquared += w[i] * q(i, j) * w[j];
    const double gwNorm = std::sqrt(std::max(0.0, gwSquared));
    if (!(gwNorm > kKinkNorm)) {
      out.flags |= kMethodFallback;
      return out;
    }
    const double lambda = c / gwNorm;
    for (int t = 0; t < K; ++t) out.c[t] = (1 + K * lambda * w[t]) / divisor;
    return out;
  }

  // argmin over the simplex of b'w + c sqrt(w'Qw).
  std::vector<double> solve(const std::vector<double>& Q, const std::vector<double>& b, double c, int K) const
  {
    const auto q = [&](int i, int j) { return Q[static_cast<size_t>(i * K + j)]; };
    const auto value = [&](const std::vector<double>& w) {
      double lin = 0, quad = 0;
      for (int i = 0; i < K; ++i) {
        lin += b[i] * w[i];
        for (int j = 0; j < K; ++j) quad += w[i] * q(i, j) * w[j];
      }
      return lin + c * std::sqrt(std::max(0.0, quad));
    };
    // Start from the best of LibMTL's start (uniform: g0, never zero here) and the vertices
    // that are not at the kink.
    std::vector<double> w(K, 1.0 / K);
    double best = value(w);
    for (int t = 0; t < K; ++t) {
      if (!(q(t, t) > kKinkStop * kKinkStop)) continue;
      std::vector<double> e(K, 0.0);
      e[t] = 1;
      const double v = value(e);
      if (v < best) {
        best = v;
        w = e;
      }
    }

    SimplexObjective objective;
    objective.gradient = [&](const std::vector<double>& Qw, double quad, std::vector<double>& grad) {
      const double norm = std::sqrt(std::max(0.0, quad));
      if (!(norm > kKinkStop)) return false;  // at the kink: the caller's fallback
      for (int t = 0; t < K; ++t) grad[t] = b[t] + c * Qw[t] / norm;
      return true;
    };
    objective.lineSearch = [&](int s, int v, double limit, const std::vector<double>& Qw, double quad) {
      // phi(gamma) = objective(w + gamma (e_s - e_v)), gamma in [0, limit]; convex, so its
      // derivative is nondecreasing and bisection finds the minimum.
      const double dLin = b[s] - b[v];
      const double q1 = Qw[s] - Qw[v];
      const double q2 = q(s, s) + q(v, v) - 2 * q(s, v);
      const auto slope = [&](double gamma) {
        const double r = std::sqrt(std::max(0.0, quad + 2 * gamma * q1 + gamma * gamma * q2));
        const double u = q1 + gamma * q2;
        return dLin + (r > 0 ? c * u / r : (u > 0 ? c : u < 0 ? -c : 0.0));
      };
      if (slope(limit) <= 0) return limit;
      double lo = 0, hi = limit;
      for (int k = 0; k < 100 && hi - lo > 1e-17; ++k) {
        const double mid = 0.5 * (lo + hi);
        (slope(mid) > 0 ? hi : lo) = mid;
      }
      return 0.5 * (lo + hi);
    };
    return pairwiseFrankWolfe(Q, K, std::move(w), maxIterations_, tolerance_, objective);
  }

  double calpha_;
  int rescale_;
  int maxIterations_;
  double tolerance_;
};

}  // namespace

MethodInfo cagradInfo()
{
  MethodInfo m;
  m.name = "cagrad";
  m.description = "CAGrad: the mean gradient moved towards the worst-off task within a ball of radius calpha |g0|; times K";
  m.hyperParameters = {
      {"calpha", 0.5, 0, 10, "radius of the ball around the mean gradient, as a fraction of its norm (0: EW)", false},
      {"rescale", 1, 0, 2, "divide the update by 0: 1, 1: 1 + calpha^2, 2: 1 + calpha", true},
      {"max_iterations", 10000, 1, 1000000, "most pairwise Frank-Wolfe steps of the weight solver", true},
      {"tolerance", 1e-10, 1e-15, 1e-1,
       "stop when the Frank-Wolfe duality gap of the weight problem, in units of the largest squared task gradient norm, is "
       "below this",
       false},
  };
  m.make = [](const MethodSetup& s) {
    return std::make_unique<CAGrad>(s.params.get("calpha"), static_cast<int>(s.params.get("rescale")),
                                    static_cast<int>(s.params.get("max_iterations")), s.params.get("tolerance"));
  };
  return m;
}

}  // namespace seesaw
