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
  HeadGradients g;
  g.trunk = {at::stack(towerGradients(towers_, std::vector<at::Tensor>(towers_.size(), trunkOutputs[0]), outputGradients), 1)};
  return g;
}

}  // namespace seesaw
