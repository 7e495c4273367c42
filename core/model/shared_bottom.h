#pragma once
#include "model/layers.h"

namespace seesaw {

// h = bottom(x) shared by all tasks; y_k = tower_k(h).
class SharedBottom : public MultiTaskModel
{
public:
  SharedBottom(const FeatureSpec& spec, const ModelConfig& config);
  at::Tensor forward(const Batch& batch) override;

private:
  FeatureEmbedding embedding_{nullptr};
  std::vector<torch::nn::Sequential> bottom_;  // one module per layer, for per-layer analysis
  std::vector<torch::nn::Sequential> towers_;
};

}  // namespace seesaw
