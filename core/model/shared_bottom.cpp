#include "model/shared_bottom.h"

namespace seesaw {

SharedBottom::SharedBottom(const FeatureSpec& spec, const ModelConfig& config)
    : MultiTaskModel(static_cast<int>(spec.taskNames.size()))
{
  embedding_ = addEmbedding(FeatureEmbedding(spec, config.embeddingDim));
  int64_t input = embedding_->outputSize();
  for (size_t l = 0; l < config.bottomHidden.size(); ++l) {
    const std::string name = "bottom.layer" + std::to_string(l);
    bottom_.push_back(addTagged("bottom_layer" + std::to_string(l), makeMlp(input, {config.bottomHidden[l]}), name, -1));
    input = config.bottomHidden[l];
  }
  for (int k = 0; k < taskCount(); ++k)
    towers_.push_back(addTagged("tower" + std::to_string(k), makeTower(input, config.towerHidden),
                                "tower." + spec.taskNames[k], k));
  sortTags();
}

at::Tensor SharedBottom::forward(const Batch& batch)
{
  at::Tensor h = embedding_->forward(batch);
  for (auto& layer : bottom_) h = layer->forward(h);
  std::vector<at::Tensor> outputs;
  for (auto& tower : towers_) outputs.push_back(tower->forward(h));
  return at::cat(outputs, 1);
}

}  // namespace seesaw
