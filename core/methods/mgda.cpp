// MGDA (Sener & Koltun, NeurIPS 2018). The update is the min-norm point of the convex hull of the
// normalized task gradients g_t / n_t:
//   w = argmin_{w in simplex} || sum_t w_t g_t / n_t ||^2,   update = sum_t (w_t / n_t) g_t,
// with LibMTL's normalizers n_t: none 1, l2 |g_t|, loss L_t, loss+ L_t |g_t|. As in LibMTL the
// weights sum to one (the update is on the scale of one gradient, not EW's sum).
// Option ub = 1 is MGDA-UB, the paper's upper bound: w (and the l2 normalizers) come from the task
// gradients z_t on the shared representation instead, the trunk's outputs for every sample of the
// batch (LibMTL's rep_grad mode), and the update is still sum_t (w_t / n_t) g_t on the parameters.
//
// Solver: pairwise Frank-Wolfe (simplex_solver.h) with exact line search on the Gram matrix,
// started like LibMTL's from the best pair's closed-form solution (exact for K = 2). LibMTL's loop
// (taken from the paper's code) clamps the two-point step to [0.001, 0.999], so it never lands
// exactly on a vertex, and stops on a small change of w, which a slow step also meets; the
// pairwise steps reach a vertex exactly and stop on the duality gap, which bounds how far the
// squared norm is from its minimum.
//
// A task gradient is zero by gram.h's solver rule (squared norm at most 1e-20 of the largest); a
// loss is zero when it is at most 1e-20 of the largest loss.

#include <algorithm>
#include <cmath>
#include <vector>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/method_infos.h"
#include "methods/simplex_solver.h"

namespace seesaw {
namespace {

enum Normalization { kNone = 0, kL2 = 1, kLoss = 2, kLossPlus = 3 };

// Below this ratio to the largest loss a loss has no use as a normalizer: dividing by it would
// blow up the weight.
constexpr double kZeroLoss = 1e-20;

class Mgda : public LinearMethod
{
public:
  Mgda(int maxIterations, double tolerance, int normalization, bool upperBound)
      : maxIterations_(maxIterations), tolerance_(tolerance), normalization_(normalization), upperBound_(upperBound) {}
  bool needsRepresentationGram() const override { return upperBound_; }

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    const Gram M(upperBound_ ? input.representationGram : input.gram, K);
    Coefficients out;
    // All gradients zero: every point of the hull is the origin; the uniform weights say so.
    if (M.allZero()) return {std::vector<double>(K, 1.0 / K), {}, kMethodFallback};

    const std::vector<bool> zero = M.zeroTasks();
    bool anyZero = false;
    for (int t = 0; t < K; ++t) anyZero = anyZero || zero[t];

    std::vector<double> n(K, 1.0);
    if (normalization_ != kNone) {
      double maxLoss = 0;
      for (double l : input.losses) maxLoss = std::max(maxLoss, l);
      bool defined = true;
      for (int t = 0; t < K; ++t) {
        const double norm = std::sqrt(M(t, t));
        const double loss = input.losses[t];
        // A zero loss or gradient has no normalizer; dividing by it would blow up the weight.
        const bool lossOk = loss > 0 && loss > kZeroLoss * maxLoss;
        if (normalization_ == kL2) {
          defined = defined && !zero[t];
          n[t] = norm;
        } else if (normalization_ == kLoss) {
          defined = defined && lossOk;
          n[t] = loss;
        } else {
          defined = defined && lossOk && !zero[t];
          n[t] = loss * norm;
        }
      }
      if (!defined) {
        n.assign(K, 1.0);
        out.flags |= kMethodFallback;
      }
    }

    // A zero gradient puts the origin in the hull: the min-norm point is zero, reached by weight
    // on the zero tasks alone (shared equally, so no choice among them is made up).
    if (anyZero) {
      int zeros = 0;
      for (int t = 0; t < K; ++t) zeros += zero[t];
      out.c.assign(K, 0.0);
      for (int t = 0; t < K; ++t)
        if (zero[t]) out.c[t] = 1.0 / zeros;
      out.flags |= kMethodFallback;
      return out;
    }

    // The normalized Gram, scaled so the largest diagonal is one: the tolerance is then relative.
    std::vector<double> Q(static_cast<size_t>(K * K));
    double scale = 0;
    for (int i = 0; i < K; ++i) scale = std::max(scale, M(i, i) / (n[i] * n[i]));
    for (int i = 0; i < K; ++i)
      for (int j = 0; j < K; ++j) Q[static_cast<size_t>(i * K + j)] = M(i, j) / (n[i] * n[j] * scale);

    const std::vector<double> w = minNormPoint(Q, K);
    out.c.resize(K);
    for (int t = 0; t < K; ++t) out.c[t] = w[t] / n[t];
    return out;
  }

  std::vector<double> minNormPoint(const std::vector<double>& Q, int K) const
  {
    const auto q = [&](int i, int j) { return Q[static_cast<size_t>(i * K + j)]; };
    std::vector<double> w(K, 0.0);
    if (K == 1) return {1.0};
    // The best pair: min over gamma of |gamma g_i + (1 - gamma) g_j|^2 in closed form.
    double best = INFINITY;
    for (int i = 0; i < K; ++i)
      for (int j = i + 1; j < K; ++j) {
        const double d = q(i, i) + q(j, j) - 2 * q(i, j);
        double gamma = d > 0 ? (q(j, j) - q(i, j)) / d : 1.0;
        gamma = std::clamp(gamma, 0.0, 1.0);
        const double v = gamma * gamma * q(i, i) + 2 * gamma * (1 - gamma) * q(i, j) + (1 - gamma) * (1 - gamma) * q(j, j);
        if (v < best) {
          best = v;
          std::fill(w.begin(), w.end(), 0.0);
          w[i] = gamma;
          w[j] = 1 - gamma;
        }
      }
    if (K == 2) return w;

    // (1/2) w'Qw: gradient Qw, and along e_s - e_v a parabola with its minimum in closed form.
    SimplexObjective halfSquaredNorm;
    halfSquaredNorm.gradient = [](const std::vector<double>& Qw, double, std::vector<double>& grad) {
      grad = Qw;
      return true;
    };
    halfSquaredNorm.lineSearch = [&](int s, int v, double limit, const std::vector<double>& Qw, double) {
      const double curvature = q(s, s) + q(v, v) - 2 * q(s, v);
      const double slope = Qw[v] - Qw[s];
      return curvature > 0 ? std::min(limit, slope / curvature) : limit;
    };
    return pairwiseFrankWolfe(Q, K, std::move(w), maxIterations_, tolerance_, halfSquaredNorm);
  }

  int maxIterations_;
  double tolerance_;
  int normalization_;
  bool upperBound_;
};

}  // namespace

MethodInfo mgdaInfo()
{
  MethodInfo m;
  m.name = "mgda";
  m.description = "MGDA: the min-norm point of the convex hull of the task gradients (Frank-Wolfe on the Gram matrix)";
  m.hyperParameters = {
      {"max_iterations", 250, 1, 100000, "most pairwise Frank-Wolfe steps of the min-norm solver", true},
      {"tolerance", 1e-5, 1e-15, 1e-1,
       "stop when the Frank-Wolfe duality gap, in units of the largest squared (normalized) task gradient norm, is below this",
       false},
      {"normalize", 0, 0, 3, "gradient normalization before the solve: 0 none, 1 l2 norm, 2 loss, 3 loss times l2 norm", true},
      {"ub", 0, 0, 1, "1: MGDA-UB, the weights from the task gradients on the shared representation (the trunk's outputs)", true},
  };
  m.make = [](const MethodSetup& s) {
    return std::make_unique<Mgda>(static_cast<int>(s.params.get("max_iterations")), s.params.get("tolerance"),
                                  static_cast<int>(s.params.get("normalize")), s.params.get("ub") != 0);
  };
  return m;
}

}  // namespace seesaw
