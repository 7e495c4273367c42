#pragma once
// A stack of Linear + ReLU layers, ReLU after every layer (experts and bottoms output features).
// train/trunk_pass.h runs the same layers task-batched outside autograd.

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <vector>

namespace seesaw {

class MlpImpl : public torch::nn::Module
{
public:
  MlpImpl(int64_t input, const std::vector<int>& hidden);
  at::Tensor forward(const at::Tensor& x);
  const std::vector<torch::nn::Linear>& layers() const { return layers_; }

private:
  std::vector<torch::nn::Linear> layers_;
};
TORCH_MODULE(Mlp);

}  // namespace seesaw
