#pragma once
// Adam as torch::optim::Adam defines it, with its options and per-parameter state (so that
// checkpoints read alike), updating each float32 CPU parameter in one pass. LibTorch's step takes
// seven passes and a temporary per parameter, which on W1 cost 2.5 ms of a 35 ms step, nearly all
// of it on the embedding tables. Every other parameter (another device or type, AMSGrad) takes
// torch::optim::Adam's own step.

#include <torch/optim/adam.h>

namespace seesaw {

class FusedAdam : public torch::optim::Adam
{
public:
  using torch::optim::Adam::Adam;
  at::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace seesaw
