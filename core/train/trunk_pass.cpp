#include "train/trunk_pass.h"

#include <torch/autograd.h>

#include "util/parallel.h"

namespace seesaw {
namespace {

// The gradient before a ReLU, in place, from the gradient after it [B, K, width] and the ReLU's
// output [B, width].
void maskByRelu(at::Tensor grad, const at::Tensor& output)
{
  at::threshold_backward_out(grad, grad, output.unsqueeze(1), 0);
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
  firstWeights_ = at::cat(weights);
  firstOutput_ = at::addmm(at::cat(biases), x, firstWeights_.t()).relu_();
  const at::Tensor& first = firstOutput_;
  outputs_.assign(mlps_.size(), {});
  firstOffsets_.clear();
  firstWidth_ = 0;
  for (size_t j = 0; j < mlps_.size(); ++j) {
    const int64_t width = mlps_[j]->layers()[0]->weight.size(0);
    outputs_[j].push_back(first.narrow(1, firstWidth_, width));
    firstOffsets_.push_back(firstWidth_);
    firstWidth_ += width;
  }
  sideBySide(static_cast<int64_t>(mlps_.size()), x.device(), [&](int64_t mlp) {
    const auto j = static_cast<size_t>(mlp);
    const auto& layers = mlps_[j]->layers();
    for (size_t l = 1; l < layers.size(); ++l)
      outputs_[j].push_back(at::addmm(layers[l]->bias, outputs_[j].back(), layers[l]->weight.t()).relu_());
  });
  std::vector<at::Tensor> result;
  for (const auto& outputs : outputs_) result.push_back(outputs.back());
  return result;
}

TrunkPass::Gradients TrunkPass::backward(const std::vector<at::Tensor>& outputGrads, int64_t inputColumns) const
{
  torch::NoGradGuard noGrad;
  const int64_t B = input_.size(0), K = outputGrads.front().size(1);
  Gradients g;
  g.weight.resize(mlps_.size());
  g.bias.resize(mlps_.size());
  g.layerGrad.resize(mlps_.size());
  // The first layers' gradients of all MLPs side by side, [B, K, sum of widths], so that they
  // take one product for the weights and one for the input, and one pass for their ReLUs: each
  // MLP leaves its gradient on its first layer's output in its slice, and the mask comes after.
  const int64_t total = firstWidth_;
  const at::Tensor first = at::empty({B, K, total}, input_.options());
  for (size_t j = 0; j < mlps_.size(); ++j) {
    const size_t layers = mlps_[j]->layers().size();
    g.weight[j].resize(layers);
    g.bias[j].resize(layers);
    g.layerGrad[j].resize(layers);
  }
  sideBySide(static_cast<int64_t>(mlps_.size()), input_.device(), [&](int64_t mlp) {
    const auto j = static_cast<size_t>(mlp);
    const auto& layers = mlps_[j]->layers();
    const at::Tensor slice = first.narrow(2, firstOffsets_[j], layers[0]->weight.size(0));
    if (layers.size() == 1) {
      slice.copy_(outputGrads[j]);
      return;
    }
    at::Tensor pre = at::threshold_backward(outputGrads[j], outputs_[j].back().unsqueeze(1), 0);  // [B, K, out]
    for (size_t l = layers.size(); l-- > 1;) {
      const at::Tensor& in = outputs_[j][l - 1];
      const int64_t out = pre.size(2);
      g.layerGrad[j][l] = pre;  // never written again: the next layer down gets a tensor of its own
      g.weight[j][l] = at::mm(pre.view({B, K * out}).t(), in).view({K, out, in.size(1)});
      g.bias[j][l] = pre.sum(0);
      // Into the first layers' slice directly: BLAS writes a matrix whose rows lie apart.
      const at::Tensor down = l == 1 ? slice : at::empty({B, K, in.size(1)}, in.options());
      at::Tensor rows = down.view({B * K, in.size(1)});
      at::mm_out(rows, pre.view({B * K, out}), layers[l]->weight);
      if (l > 1) maskByRelu(down, in);
      pre = down;
    }
  });
  maskByRelu(first, firstOutput_);
  const int64_t in = input_.size(1);
  // The weights' product and the input's, side by side: each gains little from a second thread.
  // The column of ones beside x makes the weights' product give the biases' gradients too, the
  // sums over the batch, which cost more as a reduction of their own.
  at::Tensor both, inputGrad;
  sideBySide(2, first.device(), [&](int64_t product) {
    if (product == 0) both = at::mm(first.view({B, K * total}).t(), inputAndOne_).view({K, total, in + 1});
    else inputGrad = at::mm(first.view({B * K, total}), firstWeights_.narrow(1, 0, inputColumns)).view({B, K, inputColumns});
  });
  const at::Tensor weights = both.narrow(2, 0, in);
  const at::Tensor biases = both.select(2, in);
  g.firstLayers = first;
  for (size_t j = 0; j < mlps_.size(); ++j) {
    const int64_t width = mlps_[j]->layers()[0]->weight.size(0);
    g.layerGrad[j][0] = first.narrow(2, firstOffsets_[j], width);
    g.weight[j][0] = weights.narrow(1, firstOffsets_[j], width);
    g.bias[j][0] = biases.narrow(1, firstOffsets_[j], width);
  }
  g.input = inputGrad;
  return g;
}

}  // namespace seesaw
