// Aligned-MTL (Senushkin et al., CVPR 2023) as LibMTL implements it (from the authors' code):
// with M = V diag(lambda) V' and only the eigenvalues above lambda_max * K * eps kept,
//   B = sqrt(lambda_min) V diag(1 / sqrt(lambda)) V',   c = column sums of B (B is symmetric),
//   update = sum_t c_t g_t.
// That is the paper's aligned gradient matrix G V diag(sqrt(lambda_min / lambda)) V' (equal singular
// values, all lambda_min, in the gradients' own principal directions) summed over the tasks, so the
// update stays on EW's scale: on orthogonal gradients c_t = min_k |g_k| / |g_t|, each task's
// direction with the smallest norm, and with equal norms it is EW.
// eps is LibMTL's torch.finfo().eps, float32's 2^-23 (our Gram comes from float32 gradients),
// exposed as rank_eps. Dropping eigenvalues is part of the rule; it still sets the flag, since a
// dropped direction means duplicated, collinear or zero gradients. All-zero gradients leave
// nothing to keep: EW's coefficients (1 each), flagged.

#include <cmath>
#include <vector>

#include "methods/gradient_method.h"
#include "methods/gram.h"
#include "methods/host_math.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

class AlignedMtl : public LinearMethod
{
public:
  explicit AlignedMtl(double rankEps) : rankEps_(rankEps) {}

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const int K = static_cast<int>(input.losses.size());
    const Gram M(input.gram, K);
    if (M.allZero()) return {std::vector<double>(K, 1.0), {}, kMethodFallback};
    const double largest = M.largestSquaredNorm();

    // Scaled so the largest diagonal is one; B does not depend on the scale.
    std::vector<double> scaled(input.gram.size());
    for (size_t i = 0; i < scaled.size(); ++i) scaled[i] = input.gram[i] / largest;
    const SymmetricEigen e = symmetricEigen(scaled, K);
    const std::vector<double>& l = e.values;  // ascending
    const double tolerance = l[K - 1] * K * rankEps_;
    Coefficients out;
    out.c.assign(K, 0.0);
    int first = 0;  // the first kept eigenvalue, the smallest one kept
    while (first < K && !(l[first] > tolerance)) ++first;
    if (first >= K) return {std::vector<double>(K, 1.0), {}, kMethodFallback};
    if (first > 0) out.flags |= kMethodFallback;
    const double root = std::sqrt(l[first]);
    // c = sqrt(lambda_min) V diag(lambda^-1/2) V' 1
    for (int k = first; k < K; ++k) {
      double along = 0;  // v_k' 1
      for (int t = 0; t < K; ++t) along += e.vector(t, k);
      const double factor = root / std::sqrt(l[k]) * along;
      for (int t = 0; t < K; ++t) out.c[t] += factor * e.vector(t, k);
    }
    return out;
  }

  double rankEps_;
};

}  // namespace

MethodInfo alignedMtlInfo()
{
  MethodInfo m;
  m.name = "aligned_mtl";
  m.description = "Aligned-MTL: the task gradients aligned to equal singular values (the smallest), summed";
  m.hyperParameters = {
      {"rank_eps", 1.1920928955078125e-07, 1e-16, 1e-2,
       "eigenvalues of the Gram matrix below largest * K * rank_eps are dropped (LibMTL: float32 machine epsilon)", false},
  };
  m.make = [](const MethodSetup& s) { return std::make_unique<AlignedMtl>(s.params.get("rank_eps")); };
  return m;
}

}  // namespace seesaw
