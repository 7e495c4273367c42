#include "model/ple.h"

#include "model/mmoe.h"

namespace seesaw {

PLE::PLE(const FeatureSpec& spec, const ModelConfig& config) : MultiTaskModel(static_cast<int>(spec.taskNames.size()))
{
  embedding_ = addEmbedding(FeatureEmbedding(spec, config.embeddingDim));
  const int K = taskCount();
  const int L = config.levels;
  const int64_t width = config.expertHidden.back();
  int64_t input = embedding_->outputSize();
  for (int l = 0; l < L; ++l) {
    const bool final = l == L - 1;
    const std::string prefix = "level" + std::to_string(l) + ".";
    Level level;
    for (int e = 0; e < config.sharedExperts; ++e) {
      const std::string name = prefix + "shared_expert" + std::to_string(e);
      level.shared.push_back(addTagged(name, makeMlp(input, config.expertHidden), name, -1));
    }
    const int64_t perTask = config.specificExperts + config.sharedExperts;
    for (int k = 0; k < K; ++k) {
      level.specific.emplace_back();
      for (int e = 0; e < config.specificExperts; ++e) {
        const std::string name = prefix + spec.taskNames[k] + "_expert" + std::to_string(e);
        level.specific[k].push_back(addTagged(name, makeMlp(input, config.expertHidden), name, final ? k : -1));
      }
      // A task gate feeds the next level's experts of its task, which are shared unless that level is final.
      const bool gateTaskOnly = final || l == L - 2;
      const std::string gate = prefix + "gate." + spec.taskNames[k];
      level.taskGates.push_back(addTagged(gate, torch::nn::Linear(input, perTask), gate, gateTaskOnly ? k : -1));
    }
    if (!final) {
      const std::string gate = prefix + "shared_gate";
      level.sharedGate = addTagged(gate, torch::nn::Linear(input, config.sharedExperts + K * config.specificExperts), gate, -1);
    }
    levels_.push_back(std::move(level));
    input = width;
  }
  for (int k = 0; k < K; ++k)
    towers_.push_back(addTagged("tower" + std::to_string(k), makeTower(width, config.towerHidden),
                                "tower." + spec.taskNames[k], k));
  sortTags();
}

at::Tensor PLE::forward(const Batch& batch)
{
  const at::Tensor x = embedding_->forward(batch);
  const size_t K = towers_.size();
  std::vector<at::Tensor> taskInputs(K, x);
  at::Tensor sharedInput = x;
  for (auto& level : levels_) {
    std::vector<at::Tensor> sharedOut;
    for (auto& expert : level.shared) sharedOut.push_back(expert->forward(sharedInput));
    std::vector<at::Tensor> allOut = sharedOut;
    std::vector<at::Tensor> nextTaskInputs;
    for (size_t k = 0; k < K; ++k) {
      std::vector<at::Tensor> mine;
      for (auto& expert : level.specific[k]) mine.push_back(expert->forward(taskInputs[k]));
      allOut.insert(allOut.end(), mine.begin(), mine.end());
      mine.insert(mine.end(), sharedOut.begin(), sharedOut.end());
      nextTaskInputs.push_back(mixExperts(at::stack(mine, 1), level.taskGates[k]->forward(taskInputs[k])));
    }
    if (level.sharedGate) sharedInput = mixExperts(at::stack(allOut, 1), level.sharedGate->forward(sharedInput));
    taskInputs = std::move(nextTaskInputs);
  }
  std::vector<at::Tensor> outputs;
  for (size_t k = 0; k < K; ++k) outputs.push_back(towers_[k]->forward(taskInputs[k]));
  return at::cat(outputs, 1);
}

}  // namespace seesaw
