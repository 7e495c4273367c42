#pragma once
// Pairwise Frank-Wolfe on the probability simplex, for the methods whose task weights minimize a
// convex function of w through a K x K Gram matrix Q (MGDA's min-norm point, CAGrad's weight
// problem). Each step moves weight from the worst task in use to the best one, as far as the
// method's line search finds optimal; pairwise steps converge linearly on the simplex
// (Lacoste-Julien & Jaggi, NeurIPS 2015), can reach a vertex exactly, and stop on the Frank-Wolfe
// duality gap, which bounds how far the objective is from its minimum.

#include <functional>
#include <vector>

namespace seesaw {

struct SimplexObjective
{
  // The objective's gradient at w, from Qw and w'Qw; false where it has none (the solver stops).
  std::function<bool(const std::vector<double>& Qw, double wQw, std::vector<double>& gradient)> gradient;
  // The step gamma in [0, limit] that minimizes the objective at w + gamma (e_s - e_v).
  std::function<double(int s, int v, double limit, const std::vector<double>& Qw, double wQw)> lineSearch;
};

// Q: [K*K] row-major; w: a starting point on the simplex. Stops after maxIterations steps or when
// the duality gap is at most tolerance.
std::vector<double> pairwiseFrankWolfe(const std::vector<double>& Q, int K, std::vector<double> w, int maxIterations,
                                       double tolerance, const SimplexObjective& objective);

}  // namespace seesaw
