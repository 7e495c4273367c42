#include "train/trunk_pass.h"

#include <torch/autograd.h>

namespace seesaw {
namespace {

// The gradient before a ReLU, written into `out`, from the gradient after it and the ReLU's
// output [B, width]; `upstream` and `out` are [B, K, width] or one task's [B, width].
void reluGrad(const at::Tensor& upstream, const at::Tensor& output, at::Tensor out)
{
  at::threshold_backward_out(out, upstream, upstream.dim() == 3 ? output.unsqueeze(1) : output, 0);
}

}  // namespace

std::vector<at::Tensor> TrunkPass::forward(const at::Tensor& x)
{
  torch::NoGradGuard noGrad;
  input_ = x;
  inputAndOne_ = at::cat({x, at::ones({x.size(0), 1}, x.options())}, 1);
  std::vector<at::Tensor> weights, biases;
  for (auto& mlp : mlps_) {
    weights.push_back(mlp->layers()[0]->weight);
    biases.push_back(mlp->layers()[0]->bias);
  }
  const at::Tensor first = at::addmm(at::cat(biases), x, at::cat(weights).t()).relu_();
  outputs_.assign(mlps_.size(), {});
  firstOffsets_.clear();
  firstWidth_ = 0;
  std::vector<at::Tensor> result;
  for (size_t j = 0; j < mlps_.size(); ++j) {
    const auto& layers = mlps_[j]->layers();
    const int64_t width = layers[0]->weight.size(0);
    at::Tensor h = first.narrow(1, firstWidth_, width);
    firstOffsets_.push_back(firstWidth_);
    firstWidth_ += width;
    outputs_[j].push_back(h);
    for (size_t l = 1; l < layers.size(); ++l) {
      h = at::addmm(layers[l]->bias, h, layers[l]->weight.t()).relu_();
      outputs_[j].push_back(h);
    }
    result.push_back(h);
  }
  return result;
}

TrunkPass::Gradients TrunkPass::backward(const std::vector<std::vector<at::Tensor>>& outputGrads,
                                         int64_t inputColumns) const
{
  torch::NoGradGuard noGrad;
  const int64_t B = input_.size(0), K = static_cast<int64_t>(outputGrads.front().size());
  Gradients g;
  g.weight.resize(mlps_.size());
  g.bias.resize(mlps_.size());
  g.layerGrad.resize(mlps_.size());
  // The first layers' gradients of all MLPs side by side, [B, K, sum of widths], so that they
  // take one product for the weights and one for the input.
  const int64_t total = firstWidth_;
  std::vector<at::Tensor> firstWeights;
  for (auto& mlp : mlps_) firstWeights.push_back(mlp->layers()[0]->weight);
  const at::Tensor first = at::empty({B, K, total}, input_.options());
  for (size_t j = 0; j < mlps_.size(); ++j) {
    const auto& layers = mlps_[j]->layers();
    g.weight[j].resize(layers.size());
    g.bias[j].resize(layers.size());
    g.layerGrad[j].resize(layers.size());
    const at::Tensor slice = first.narrow(2, firstOffsets_[j], layers[0]->weight.size(0));
    const at::Tensor& output = outputs_[j].back();
    at::Tensor pre = layers.size() == 1 ? slice : at::empty({B, K, output.size(1)}, output.options());  // [B, K, out]
    for (int64_t k = 0; k < K; ++k) reluGrad(outputGrads[j][k], output, pre.select(1, k));
    for (size_t l = layers.size(); l-- > 1;) {
      const at::Tensor& in = outputs_[j][l - 1];
      const int64_t out = pre.size(2);
      g.layerGrad[j][l] = pre;  // never written again: the next layer down gets a tensor of its own
      g.weight[j][l] = at::mm(pre.view({B, K * out}).t(), in).view({K, out, in.size(1)});
      g.bias[j][l] = pre.sum(0);
      const at::Tensor down = at::mm(pre.view({B * K, out}), layers[l]->weight).view({B, K, in.size(1)});
      pre = l == 1 ? slice : down;
      reluGrad(down, in, pre);
    }
  }
  const int64_t in = input_.size(1);
  // The column of ones beside x makes the product give the biases' gradients too, the sums over
  // the batch, which cost more as a reduction of their own.
  const at::Tensor both = at::mm(first.view({B, K * total}).t(), inputAndOne_).view({K, total, in + 1});
  const at::Tensor weights = both.narrow(2, 0, in);
  const at::Tensor biases = both.select(2, in);
  g.firstLayers = first;
  for (size_t j = 0; j < mlps_.size(); ++j) {
    g.layerGrad[j][0] = first.narrow(2, firstOffsets_[j], firstWeights[j].size(0));
    g.weight[j][0] = weights.narrow(1, firstOffsets_[j], firstWeights[j].size(0));
    g.bias[j][0] = biases.narrow(1, firstOffsets_[j], firstWeights[j].size(0));
  }
  g.input = at::mm(first.view({B * K, total}), at::cat(firstWeights).narrow(1, 0, inputColumns)).view({B, K, inputColumns});
  return g;
}

}  // namespace seesaw
