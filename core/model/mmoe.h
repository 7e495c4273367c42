#pragma once
#include "model/multitask_model.h"

namespace seesaw {

// Multi-gate mixture of experts (Ma et al., KDD 2018): shared experts f_e(x) (the trunk), a
// softmax gate per task, h_k = sum_e gate_k(x)_e f_e(x), y_k = tower_k(h_k).
class MMoE : public MultiTaskModel
{
public:
  MMoE(const FeatureSpec& spec, const ModelConfig& config);
  bool separableHead() const override { return true; }
  at::Tensor taskHead(int task, const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs) override;

private:
  std::vector<torch::nn::Linear> gates_;
  std::vector<torch::nn::Sequential> towers_;
};

// Mixes E expert outputs [B, H] with gate logits [B, E]: softmax over experts, then the
// weighted sum, [B, H].
at::Tensor mixExperts(const std::vector<at::Tensor>& expertOutputs, const at::Tensor& gateLogits);

}  // namespace seesaw
