#pragma once
// Adam and AdamW as torch::optim::Adam and torch::optim::AdamW define them, with their options and
// per-parameter state (so that checkpoints read alike), updating each float32 CPU parameter in one
// pass. LibTorch's step takes seven passes and a temporary per parameter, which on W1 cost 2.5 ms
// of a 35 ms step, nearly all of it on the embedding tables. Every other parameter (another
// device or type, AMSGrad) takes LibTorch's own step.

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>

namespace seesaw {

// Base: torch::optim::Adam (weight decay added to the gradient) or torch::optim::AdamW (decoupled:
// the parameter shrinks by lr * weight_decay before the update).
template <class Base>
class FusedAdamStep : public Base
{
public:
  using Base::Base;
  at::Tensor step(torch::optim::Optimizer::LossClosure closure = nullptr) override;
};

extern template class FusedAdamStep<torch::optim::Adam>;
extern template class FusedAdamStep<torch::optim::AdamW>;
using FusedAdam = FusedAdamStep<torch::optim::Adam>;
using FusedAdamW = FusedAdamStep<torch::optim::AdamW>;

}  // namespace seesaw
