#include "methods/host_math.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace seesaw {

std::vector<double> hostValues(const at::Tensor& t)
{
  const at::Tensor c = t.detach().to(at::kCPU, at::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

bool allFinite(const std::vector<double>& v)
{
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

std::vector<double> softmax(const std::vector<double>& x)
{
  const double top = *std::max_element(x.begin(), x.end());
  std::vector<double> e(x.size());
  double total = 0;
  for (size_t k = 0; k < x.size(); ++k) total += (e[k] = std::exp(x[k] - top));
  for (double& v : e) v /= total;
  return e;
}

SymmetricEigen symmetricEigen(const std::vector<double>& a, int n)
{
  at::Tensor lambda, V;
  std::tie(lambda, V) = at::linalg_eigh(at::tensor(a, at::kDouble).view({n, n}));
  SymmetricEigen out;
  out.n = n;
  out.values = hostValues(lambda);
  out.vectors = hostValues(V);
  return out;
}

bool pseudoInverseSolve(const std::vector<double>& a, int n, const std::vector<double>& b, double cut, std::vector<double>& x)
{
  const SymmetricEigen e = symmetricEigen(a, n);
  double largest = 0;
  for (double lambda : e.values) largest = std::max(largest, std::fabs(lambda));
  bool regular = largest > 0;
  x.assign(static_cast<size_t>(n), 0.0);
  for (int k = 0; k < n; ++k) {
    const double lambda = e.values[k];
    if (!(std::fabs(lambda) > cut * largest)) {
      regular = false;
      continue;
    }
    double along = 0;  // <v_k, b>
    for (int r = 0; r < n; ++r) along += e.vector(r, k) * b[r];
    along /= lambda;
    for (int r = 0; r < n; ++r) x[r] += along * e.vector(r, k);
  }
  return regular;
}

}  // namespace seesaw
