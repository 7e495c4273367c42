#include "methods/gradient_method.h"

#include "methods/host_math.h"

namespace seesaw {

bool finiteInput(const MethodInput& input)
{
  return allFinite(input.gram) && allFinite(input.losses) && allFinite(input.representationGram);
}

MethodOutput equalWeightFallback(const MethodInput& input)
{
  MethodOutput out;
  out.combined = input.taskGradients.sum(0);
  out.weights.assign(input.losses.size(), 1.0);
  out.flags = kMethodFallback;
  return out;
}

std::vector<double> ownDirectionWeights(const at::Tensor& taskGradients, const at::Tensor& multiplier)
{
  // On rows scaled to unit max, so that tiny gradients do not underflow.
  const at::Tensor peak = taskGradients.abs().amax(1, true);
  const at::Tensor unit = taskGradients / peak.masked_fill(peak.eq(0), 1);
  const at::Tensor squares = unit * unit;
  return hostValues(at::sum(multiplier * squares, {1}, false, at::kDouble) / at::sum(squares, {1}, false, at::kDouble));
}

MethodOutput LinearMethod::combine(const MethodInput& input)
{
  for (at::Tensor& p : parameters()) p.mutable_grad() = at::Tensor();
  const size_t K = input.losses.size();
  Coefficients result;
  // With a NaN anywhere no rule is defined; the fallback below then gives equalWeightFallback's
  // weights.
  if (finiteInput(input)) result = coefficients(input);
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
