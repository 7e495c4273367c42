#pragma once
// A stack of Linear + ReLU layers (ReLU after every layer) that can also back-propagate several
// tasks' output gradients at once. The trainer uses that to get every task's gradient on the
// experts (or the shared bottom) from one batched pass of large matrix products, instead of one
// autograd pass per task.

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <vector>

namespace seesaw {

struct MlpActivations
{
  std::vector<at::Tensor> outputs;  // [B, width] after each layer's ReLU; the input is not kept here
  at::Tensor input;                 // [B, in]
};

struct MlpTaskGradients
{
  std::vector<at::Tensor> weight;  // per layer [K, out, in]
  std::vector<at::Tensor> bias;    // per layer [K, out]
  at::Tensor input;                // [K, B, in]
};

class MlpImpl : public torch::nn::Module
{
public:
  MlpImpl(int64_t input, const std::vector<int>& hidden);
  at::Tensor forward(const at::Tensor& x);
  // Forward without autograd, keeping what the batched backward needs.
  at::Tensor forwardKeeping(const at::Tensor& x, MlpActivations& kept);
  // Gradients of K tasks at once, given each task's gradient on the output, [K, B, out].
  MlpTaskGradients backwardPerTask(const MlpActivations& kept, const at::Tensor& outputGrad) const;
  const std::vector<torch::nn::Linear>& layers() const { return layers_; }

private:
  std::vector<torch::nn::Linear> layers_;
};
TORCH_MODULE(Mlp);

}  // namespace seesaw
