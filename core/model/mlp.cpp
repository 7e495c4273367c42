#include "model/mlp.h"

#include <torch/autograd.h>

namespace seesaw {

MlpImpl::MlpImpl(int64_t input, const std::vector<int>& hidden)
{
  for (size_t l = 0; l < hidden.size(); ++l) {
    layers_.push_back(register_module("layer" + std::to_string(l), torch::nn::Linear(input, hidden[l])));
    input = hidden[l];
  }
}

at::Tensor MlpImpl::forward(const at::Tensor& x)
{
  at::Tensor h = x;
  for (auto& layer : layers_) h = at::relu(layer->forward(h));
  return h;
}

at::Tensor MlpImpl::forwardKeeping(const at::Tensor& x, MlpActivations& kept)
{
  torch::NoGradGuard noGrad;
  kept.input = x;
  kept.outputs.clear();
  at::Tensor h = x;
  for (auto& layer : layers_) {
    h = at::addmm(layer->bias, h, layer->weight.t()).relu_();
    kept.outputs.push_back(h);
  }
  return h;
}

MlpTaskGradients MlpImpl::backwardPerTask(const MlpActivations& kept, const at::Tensor& outputGrad) const
{
  torch::NoGradGuard noGrad;
  const int64_t K = outputGrad.size(0), B = outputGrad.size(1);
  MlpTaskGradients g;
  g.weight.resize(layers_.size());
  g.bias.resize(layers_.size());
  at::Tensor upstream = outputGrad;  // [K, B, out] gradient on the layer's ReLU output
  for (size_t i = layers_.size(); i-- > 0;) {
    const at::Tensor& out = kept.outputs[i];
    const at::Tensor& in = i == 0 ? kept.input : kept.outputs[i - 1];
    const int64_t width = out.size(1);
    // ReLU's derivative: pass where the output is positive.
    const at::Tensor pre = upstream * (out > 0).unsqueeze(0);
    // All tasks' weight gradients in one product: [K*out, B] x [B, in].
    g.weight[i] = at::mm(pre.transpose(1, 2).reshape({K * width, B}), in).view({K, width, in.size(1)});
    g.bias[i] = pre.sum(1);
    upstream = at::mm(pre.reshape({K * B, width}), layers_[i]->weight).view({K, B, in.size(1)});
  }
  g.input = upstream;
  return g;
}

}  // namespace seesaw
