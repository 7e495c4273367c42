#pragma once
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "model/multitask_model.h"

namespace seesaw {

// Multi-gate mixture of experts (Ma et al., KDD 2018): shared experts f_e(x) (the trunk), a
// softmax gate per task, h_k = sum_e gate_k(x)_e f_e(x), y_k = tower_k(h_k).
//
// Two options make it DRGrad's Split-MMoE (Liu et al., AAAI 2025):
// - model.split_task p: task p gets a second tower, y_p = mu' T'(h_p) + mu'' T''(v_s), where v_s
//   is what the other towers read: with two tasks the other task's h, with more the mean of the
//   other tasks' h (our generalisation). The other tasks' gates then serve task p too, so they
//   become shared parameters. mu = (mu', mu'') starts at (0.5, 0.5); DRGrad's updater sets it.
// - model.ppnet: a PPNet-style personalized gate from the user and item embeddings multiplies
//   every tower input except the dedicated tower T', h <- 2 h * sigmoid(W [e_user; e_item]).
class MMoE : public MultiTaskModel
{
public:
  MMoE(const FeatureSpec& spec, const ModelConfig& config);
  at::Tensor head(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs) override;
  // With a split task or the personalized gate, some head parameters serve several tasks.
  bool separableHead() const override { return splitTask_ < 0 && !ppnet_; }
  at::Tensor taskHead(int task, const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs) override;
  HeadGradients separableHeadGradients(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs,
                                       const OutputGradients& outputGradients) override;
  const SplitTowers* splitTowers() const override { return splitTask_ < 0 ? nullptr : &split_; }

private:
  std::vector<torch::nn::Linear> gates_;
  std::vector<torch::nn::Sequential> towers_;
  int splitTask_ = -1;
  torch::nn::Sequential splitTower_{nullptr};  // T'' of the split task
  at::Tensor mix_;                             // (mu', mu'')
  SplitTowers split_;
  torch::nn::Linear ppnet_{nullptr};
  int64_t ppnetColumns_ = 0;  // the user and item embeddings: x's first columns
};

// Mixes E expert outputs [B, H] with gate logits [B, E]: softmax over experts, then the
// weighted sum, [B, H].
at::Tensor mixExperts(const std::vector<at::Tensor>& expertOutputs, const at::Tensor& gateLogits);

}  // namespace seesaw
