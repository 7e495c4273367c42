#pragma once
// DRGrad's split primary task (Liu et al., AAAI 2025): the primary task has two towers whose
// outputs mix as y = mu' T'(own representation) + mu'' T''(the other tasks' representation). The
// model owns the towers and reads the mix on every forward pass; the method routes gradients
// between the towers and sets the mix (docs/methods.md, "DRGrad").

#include <ATen/ATen.h>

#include <vector>

namespace seesaw {

struct SplitTowers
{
  int task = -1;                                // the primary task
  std::vector<at::Tensor> dedicated;            // T' parameters
  std::vector<at::Tensor> shared;               // T'' parameters, shaped like the dedicated ones
  std::vector<std::vector<at::Tensor>> others;  // [K] the other tasks' tower parameters; empty at `task`
  at::Tensor mix;                               // [2] (mu', mu''), on the model's device
};

}  // namespace seesaw
