#pragma once
#include "model/layers.h"

namespace seesaw {

// Progressive layered extraction (Tang et al., RecSys 2020): `levels` CGC layers. Each level has
// shared experts and per-task experts; task k's gate mixes its own and the shared experts. In
// every level but the last, a shared gate mixes all experts into the next level's shared input.
// levels = 1 is CGC.
//
// Tags follow gradient reachability: in a non-final level the shared gate mixes every expert,
// so every loss reaches every expert there, and they are tagged shared.
class PLE : public MultiTaskModel
{
public:
  PLE(const FeatureSpec& spec, const ModelConfig& config);
  at::Tensor forward(const Batch& batch) override;

private:
  struct Level
  {
    std::vector<torch::nn::Sequential> shared;
    std::vector<std::vector<torch::nn::Sequential>> specific;  // [task][expert]
    std::vector<torch::nn::Linear> taskGates;
    torch::nn::Linear sharedGate{nullptr};  // non-final levels only
  };
  FeatureEmbedding embedding_{nullptr};
  std::vector<Level> levels_;
  std::vector<torch::nn::Sequential> towers_;
};

}  // namespace seesaw
