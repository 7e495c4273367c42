#include "model/mmoe.h"

namespace seesaw {

at::Tensor mixExperts(const std::vector<at::Tensor>& expertOutputs, const at::Tensor& gateLogits)
{
  // A sum of scaled [B, H] outputs rather than bmm over [B, E, H], which runs B tiny matrix
  // products, or a stacked broadcast, which copies every expert's output once more.
  const at::Tensor weights = at::softmax(gateLogits, 1);
  at::Tensor mixed = expertOutputs[0] * weights.narrow(1, 0, 1);
  for (size_t e = 1; e < expertOutputs.size(); ++e)
    mixed = mixed + expertOutputs[e] * weights.narrow(1, static_cast<int64_t>(e), 1);
  return mixed;
}

MMoE::MMoE(const FeatureSpec& spec, const ModelConfig& config) : MultiTaskModel(static_cast<int>(spec.taskNames.size()))
{
  setEmbedding(FeatureEmbedding(spec, config.embeddingDim));
  const int64_t input = embedding()->outputSize();
  for (int e = 0; e < config.experts; ++e) {
    const std::string name = "expert" + std::to_string(e);
    addTrunk(name, Mlp(input, config.expertHidden), name, -1);
  }
  for (int k = 0; k < taskCount(); ++k) {
    const std::string& task = spec.taskNames[k];
    gates_.push_back(addTagged("gate" + std::to_string(k), torch::nn::Linear(input, config.experts), "gate." + task, k));
    towers_.push_back(addTagged("tower" + std::to_string(k), makeTower(config.expertHidden.back(), config.towerHidden),
                                "tower." + task, k));
  }
  sortTags();
}

at::Tensor MMoE::taskHead(int task, const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs)
{
  return towers_[task]->forward(mixExperts(trunkOutputs, gates_[task]->forward(x)));
}

}  // namespace seesaw
