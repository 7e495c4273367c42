#pragma once
// The seam between the trainer and the gradient methods (EW here; PCGrad, GradCraft, PMTRec and
// the rest plug in behind the same interface). A method sees the per-task gradients on the shared
// parameters and returns one combined gradient plus the task weights it effectively applied.

#include <ATen/ATen.h>

#include <cstdint>

namespace seesaw {

struct MethodInput
{
  at::Tensor taskGradients;  // [K, P] gradients of each task's loss on the shared parameters
  at::Tensor losses;         // [K]
  at::Tensor lossWeights;    // [K] fixed task weights from train.task_weights
  int64_t step = 0;
  double epoch = 0;
};

struct MethodOutput
{
  at::Tensor combined;  // [P]
  at::Tensor weights;   // [K] effective weight of each task in `combined`
};

class GradientMethod
{
public:
  virtual ~GradientMethod() = default;
  virtual MethodOutput combine(const MethodInput& input) = 0;
};

}  // namespace seesaw
