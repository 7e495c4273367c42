#pragma once
#include "model/multitask_model.h"

namespace seesaw {

// h = bottom(x) shared by all tasks; y_k = tower_k(h). Each bottom layer is its own module in the
// per-module analysis.
class SharedBottom : public MultiTaskModel
{
public:
  SharedBottom(const FeatureSpec& spec, const ModelConfig& config);
  bool separableHead() const override { return true; }
  at::Tensor taskHead(int task, const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs) override;
  HeadGradients separableHeadGradients(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs,
                                       const OutputGradients& outputGradients) override;

private:
  std::vector<torch::nn::Sequential> towers_;
};

}  // namespace seesaw
