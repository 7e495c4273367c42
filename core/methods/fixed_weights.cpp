// EW and fixed weights: combined = sum_k w_k g_k, the gradient of sum_k w_k L_k (LibMTL's
// convention, a sum rather than GradCraft's mean). EW has w = 1; fixed weights take w from
// train.task_weights. Task-specific parameters get w_k times their task's gradient, as the
// weighted loss sum would give them.

#include "methods/gradient_method.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

class FixedWeights : public LinearMethod
{
public:
  explicit FixedWeights(std::vector<double> weights) : weights_(std::move(weights)) {}

private:
  Coefficients coefficients(const MethodInput&) override { return {weights_, weights_, 0}; }
  std::vector<double> weights_;
};

}  // namespace

MethodInfo equalWeightInfo()
{
  MethodInfo m;
  m.name = "ew";
  m.description = "equal weighting: the sum of the task gradients";
  m.needsTaskGradients = false;
  m.make = [](const MethodSetup& s) { return std::make_unique<FixedWeights>(std::vector<double>(s.tasks(), 1.0)); };
  return m;
}

MethodInfo fixedWeightsInfo()
{
  MethodInfo m;
  m.name = "fixed";
  m.description = "fixed weights: the task gradients weighted by train.task_weights";
  m.needsTaskGradients = false;
  m.usesTaskWeights = true;
  m.make = [](const MethodSetup& s) { return std::make_unique<FixedWeights>(s.taskWeights); };
  return m;
}

}  // namespace seesaw
