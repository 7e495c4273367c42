#include "methods/simplex_solver.h"

namespace seesaw {

std::vector<double> pairwiseFrankWolfe(const std::vector<double>& Q, int K, std::vector<double> w, int maxIterations,
                                       double tolerance, const SimplexObjective& objective)
{
  std::vector<double> Qw(K), grad(K);
  for (int it = 0; it < maxIterations; ++it) {
    double wQw = 0;
    for (int i = 0; i < K; ++i) {
      Qw[i] = 0;
      for (int j = 0; j < K; ++j) Qw[i] += Q[static_cast<size_t>(i * K + j)] * w[j];
      wQw += w[i] * Qw[i];
    }
    if (!objective.gradient(Qw, wQw, grad)) break;
    double along = 0;
    for (int t = 0; t < K; ++t) along += grad[t] * w[t];
    int s = 0, v = -1;
    for (int t = 0; t < K; ++t) {
      if (grad[t] < grad[s]) s = t;
      if (w[t] > 0 && (v < 0 || grad[t] > grad[v])) v = t;
    }
    if (along - grad[s] <= tolerance || v == s) break;
    const double gamma = objective.lineSearch(s, v, w[v], Qw, wQw);
    w[s] += gamma;
    // Exactly zero when the step takes all of w_v, so that v leaves the active set.
    w[v] = gamma == w[v] ? 0.0 : w[v] - gamma;
  }
  return w;
}

}  // namespace seesaw
