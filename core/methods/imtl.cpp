// IMTL-G, the gradient part of IMTL (Liu et al., ICLR 2021). LibMTL runs the hybrid, whose
// IMTL-L half scales each loss by learnable exp(s_t) and adds -s_t; those scales are trained
// parameters that change the losses and the gradients every other method sees, so they would make
// this a different method, while the gradient part alone is well defined on the Gram matrix:
//   u_t = g_t / |g_t|,  D = [g_1 - g_t], U = [u_1 - u_t] (t = 2..K),
//   alpha_{2..K} = g_1 U' (D U')^{-1},  alpha_1 = 1 - sum_{t>=2} alpha_t,
// so that the update sum_t alpha_t g_t has the same projection on every u_t. LibMTL's alpha sums
// to one (the mean's scale); here it is multiplied by K, so it sums to K like EW's weights (EW
// here is the sum of the task gradients): on orthogonal gradients of equal norm IMTL-G is then EW,
// and a learning rate carries over between them.
//
// (D U') is singular when gradients are collinear or duplicated (their equal-projection
// conditions coincide). LibMTL inverts it anyway; here the pseudo-inverse, dropping singular
// values below rcond times the largest, gives the least-squares alpha of least norm, which still
// meets every condition that can be met, and the step is flagged. A zero gradient has no unit
// direction: such tasks are left out (coefficient 0) and the others' weights sum to their count.

#include <cmath>
#include <vector>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/host_math.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

class Imtl : public LinearMethod
{
public:
  explicit Imtl(double rcond) : rcond_(rcond) {}

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    const Gram gram(input.gram, K);
    if (gram.allZero()) return {std::vector<double>(K, 1.0), {}, kMethodFallback};
    const double largest = gram.largestSquaredNorm();

    Coefficients out;
    out.c.assign(K, 0.0);
    const std::vector<bool> zero = gram.zeroTasks();
    std::vector<int> live;
    for (int t = 0; t < K; ++t) {
      if (!zero[t])
        live.push_back(t);
      else
        out.flags |= kMethodFallback;
    }
    const int m = static_cast<int>(live.size());
    // Scaled so the largest gradient has norm one; alpha does not depend on the scale.
    const auto q = [&](int i, int j) { return gram(live[i], live[j]) / largest; };
    std::vector<double> n(m);
    for (int i = 0; i < m; ++i) n[i] = std::sqrt(q(i, i));
    const auto gu = [&](int i, int j) { return q(i, j) / n[j]; };  // <g_i, u_j>

    std::vector<double> alpha(m, 0.0);
    if (m > 1) {
      // A_st = <g_1 - g_s, u_1 - u_t>, b_t = <g_1, u_1 - u_t>; alpha' A = b', i.e. A'x = b.
      // A is not symmetric, but H = [[0, A], [A', 0]] is, with eigenvalues +-s_k (A's singular
      // values) and pinv(H) [0; b] = [pinv(A') b; 0]: H's pseudo-inverse cut at rcond times the
      // largest |eigenvalue| is A's truncated SVD, and x the least-norm least-squares solution.
      const int r = m - 1, h = 2 * m - 2;
      std::vector<double> H(static_cast<size_t>(h * h), 0.0), rhs(static_cast<size_t>(h), 0.0), x;
      for (int s = 0; s < r; ++s) {
        for (int t = 0; t < r; ++t) {
          const double a = gu(0, 0) - gu(0, t + 1) - gu(s + 1, 0) + gu(s + 1, t + 1);
          H[static_cast<size_t>(s * h + r + t)] = H[static_cast<size_t>((r + t) * h + s)] = a;
        }
        rhs[static_cast<size_t>(r + s)] = gu(0, 0) - gu(0, s + 1);
      }
      if (!pseudoInverseSolve(H, h, rhs, rcond_, x)) out.flags |= kMethodFallback;
      double rest = 0;
      for (int t = 0; t < r; ++t) {
        alpha[t + 1] = x[t];
        rest += x[t];
      }
      alpha[0] = 1 - rest;
    } else {
      alpha[0] = 1;
    }
    for (int i = 0; i < m; ++i) out.c[live[i]] = m * alpha[i];
    return out;
  }

  double rcond_;
};

}  // namespace

MethodInfo imtlInfo()
{
  MethodInfo m;
  m.name = "imtl";
  m.description = "IMTL-G: the combination with equal projections on every task's unit gradient; weights sum to K";
  m.hyperParameters = {
      {"rcond", 1e-7, 1e-15, 1e-2,
       "singular values of the IMTL system below this fraction of the largest are dropped (pseudo-inverse; flagged)", false},
  };
  m.make = [](const MethodSetup& s) { return std::make_unique<Imtl>(s.params.get("rcond")); };
  return m;
}

}  // namespace seesaw
