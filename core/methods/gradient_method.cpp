#include "methods/gradient_method.h"

#include <cmath>

namespace seesaw {
namespace {

bool allFinite(const std::vector<double>& v)
{
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

}  // namespace

MethodOutput LinearMethod::combine(const MethodInput& input)
{
  const size_t K = input.losses.size();
  Coefficients result;
  // With a NaN anywhere no rule is defined; the trainer flags (and skips or stops on) the step,
  // and equal weights keep every recorded weight a number.
  if (allFinite(input.gram) && allFinite(input.losses)) result = coefficients(input);
  if (result.c.size() != K || !allFinite(result.c) || !allFinite(result.taskScale)) {
    result.c.assign(K, 1.0);
    result.taskScale.clear();
    result.flags |= kMethodFallback;
  }
  const at::Tensor c = at::tensor(result.c, at::kDouble).to(input.taskGradients.options());
  MethodOutput out;
  out.combined = at::matmul(c, input.taskGradients);
  out.weights = result.c;
  out.taskScale = result.taskScale;
  out.flags = result.flags;
  return out;
}

}  // namespace seesaw
