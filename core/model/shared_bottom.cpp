#include "model/shared_bottom.h"

namespace seesaw {

SharedBottom::SharedBottom(const FeatureSpec& spec, const ModelConfig& config)
    : MultiTaskModel(static_cast<int>(spec.taskNames.size()))
{
  setEmbedding(FeatureEmbedding(spec, config.embeddingDim));
  addTrunk("bottom", Mlp(embedding()->outputSize(), config.bottomHidden), "bottom", -1, /*groupPerLayer=*/true);
  for (int k = 0; k < taskCount(); ++k)
    towers_.push_back(addTagged("tower" + std::to_string(k), makeTower(config.bottomHidden.back(), config.towerHidden),
                                "tower." + spec.taskNames[k], k));
  sortTags();
}

at::Tensor SharedBottom::taskHead(int task, const at::Tensor&, const std::vector<at::Tensor>& trunkOutputs)
{
  return towers_[task]->forward(trunkOutputs[0]);
}

HeadGradients SharedBottom::separableHeadGradients(const at::Tensor&, const std::vector<at::Tensor>& trunkOutputs,
                                                   const OutputGradients& outputGradients)
{
  at::NoGradGuard noGrad;
  std::vector<TowerRun> runs;
  std::vector<at::Tensor> outputs;
  for (const auto& tower : towers_) {
    runs.emplace_back(tower, trunkOutputs[0]);
    outputs.push_back(runs.back().output());
  }
  const at::Tensor outputGrads = outputGradients(at::cat(outputs, 1));
  HeadGradients g;
  g.trunk.resize(1);
  for (size_t k = 0; k < runs.size(); ++k) g.trunk[0].push_back(runs[k].backward(outputGrads.narrow(1, static_cast<int64_t>(k), 1)));
  return g;
}

}  // namespace seesaw
