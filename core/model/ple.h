#pragma once
#include "model/multitask_model.h"

namespace seesaw {

// Progressive layered extraction (Tang et al., RecSys 2020): `levels` CGC layers. Each level has
// shared experts and per-task experts; task k's gate mixes its own and the shared experts. In
// every level but the last, a shared gate mixes all experts into the next level's shared input.
// levels = 1 is CGC. The first level's experts, which read the embedded input, form the trunk.
//
// Tags follow gradient reachability: in a non-final level the shared gate mixes every expert,
// so every loss reaches every expert there, and they are tagged shared.
class PLE : public MultiTaskModel
{
public:
  PLE(const FeatureSpec& spec, const ModelConfig& config);
  at::Tensor head(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs) override;

private:
  struct Level
  {
    std::vector<Mlp> shared;
    std::vector<std::vector<Mlp>> specific;  // [task][expert]
    std::vector<torch::nn::Linear> taskGates;
    torch::nn::Linear sharedGate{nullptr};  // non-final levels only
  };
  std::vector<Level> levels_;
  std::vector<torch::nn::Sequential> towers_;
};

}  // namespace seesaw
