#pragma once
// The trunk's forward and its backward for all tasks at once, outside autograd. All trunk MLPs
// read the same input x, so their first layers run as one product with the weights stacked, and
// every layer's gradients for all K tasks come from one product each. Tensors are batch-major,
// [B, K, width], so that no transpose is ever copied.

#include <ATen/ATen.h>

#include <vector>

#include "model/mlp.h"

namespace seesaw {

class TrunkPass
{
public:
  explicit TrunkPass(std::vector<Mlp>& mlps) : mlps_(mlps) {}

  // Outputs of every MLP, [B, out_j]; keeps the activations for backward().
  std::vector<at::Tensor> forward(const at::Tensor& x);

  struct Gradients
  {
    std::vector<std::vector<at::Tensor>> weight;  // [mlp][layer] -> [K, out, in]
    std::vector<std::vector<at::Tensor>> bias;    // [mlp][layer] -> [K, out]
    at::Tensor input;                             // [B, K, inputColumns], summed over the MLPs
    // Per-sample gradients at every layer's output before its ReLU, which with the layer's input
    // (layerInput) make the per-sample weight gradients as outer products: [mlp][layer] -> [B, K, out].
    std::vector<std::vector<at::Tensor>> layerGrad;
    at::Tensor firstLayers;  // every MLP's layerGrad[j][0] side by side, [B, K, sum of widths]
  };
  // outputGrads[j]: every task's gradient on MLP j's output, [B, K, out_j]. The input's gradient
  // is computed for its first inputColumns columns only (the embeddings; dense features need none).
  Gradients backward(const std::vector<at::Tensor>& outputGrads, int64_t inputColumns) const;

  // What layer `layer` of MLP `mlp` read in the last forward(), [B, in].
  const at::Tensor& layerInput(size_t mlp, size_t layer) const { return layer == 0 ? input_ : outputs_[mlp][layer - 1]; }

private:
  std::vector<Mlp>& mlps_;
  at::Tensor input_;
  at::Tensor inputAndOne_;  // [x, 1], [B, in + 1]
  at::Tensor firstWeights_;  // every MLP's first-layer weights stacked, [sum of widths, in]
  at::Tensor firstOutput_;   // every MLP's first layer after ReLU side by side, [B, sum of widths]
  std::vector<std::vector<at::Tensor>> outputs_;  // [mlp][layer] after ReLU
  std::vector<int64_t> firstOffsets_;             // where each MLP's first layer starts in the stacked one
  int64_t firstWidth_ = 0;                        // width of the stacked first layers
};

}  // namespace seesaw
