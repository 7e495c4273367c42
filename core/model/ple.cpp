#include "model/ple.h"

#include "model/mmoe.h"

namespace seesaw {

PLE::PLE(const FeatureSpec& spec, const ModelConfig& config) : MultiTaskModel(static_cast<int>(spec.taskNames.size()))
{
  setEmbedding(FeatureEmbedding(spec, config.embeddingDim));
  const int K = taskCount();
  const int L = config.levels;
  const int64_t width = config.expertHidden.back();
  int64_t input = embedding()->outputSize();
  for (int l = 0; l < L; ++l) {
    const bool final = l == L - 1;
    const std::string prefix = "level" + std::to_string(l) + ".";
    // The first level's experts read x and form the trunk; deeper ones belong to the head.
    auto addExpert = [&](const std::string& name, int task) {
      Mlp mlp(input, config.expertHidden);
      return l == 0 ? addTrunk(name, mlp, name, task) : addTagged(name, mlp, name, task);
    };
    Level level;
    for (int e = 0; e < config.sharedExperts; ++e)
      level.shared.push_back(addExpert(prefix + "shared_expert" + std::to_string(e), -1));
    for (int k = 0; k < K; ++k) {
      level.specific.emplace_back();
      for (int e = 0; e < config.specificExperts; ++e)
        level.specific[k].push_back(addExpert(prefix + spec.taskNames[k] + "_expert" + std::to_string(e), final ? k : -1));
      // A task gate feeds the next level's experts of its task, which are shared unless that level is final.
      const bool gateTaskOnly = final || l == L - 2;
      const std::string gate = prefix + "gate." + spec.taskNames[k];
      level.taskGates.push_back(addTagged(gate, torch::nn::Linear(input, config.specificExperts + config.sharedExperts),
                                          gate, gateTaskOnly ? k : -1));
    }
    if (!final) {
      const std::string gate = prefix + "shared_gate";
      level.sharedGate =
          addTagged(gate, torch::nn::Linear(input, config.sharedExperts + K * config.specificExperts), gate, -1);
    }
    levels_.push_back(std::move(level));
    input = width;
  }
  for (int k = 0; k < K; ++k)
    towers_.push_back(addTagged("tower" + std::to_string(k), makeTower(width, config.towerHidden),
                                "tower." + spec.taskNames[k], k));
  sortTags();
}

at::Tensor PLE::head(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs)
{
  const size_t K = towers_.size();
  std::vector<at::Tensor> taskInputs(K, x);
  at::Tensor sharedInput = x;
  size_t trunkIndex = 0;
  for (size_t l = 0; l < levels_.size(); ++l) {
    Level& level = levels_[l];
    // Level 0's expert outputs come from the trunk, in registration order.
    auto run = [&](Mlp& expert, const at::Tensor& in) { return l == 0 ? trunkOutputs[trunkIndex++] : expert->forward(in); };
    std::vector<at::Tensor> sharedOut;
    for (auto& expert : level.shared) sharedOut.push_back(run(expert, sharedInput));
    std::vector<at::Tensor> allOut = sharedOut;
    std::vector<at::Tensor> nextTaskInputs;
    for (size_t k = 0; k < K; ++k) {
      std::vector<at::Tensor> mine;
      for (auto& expert : level.specific[k]) mine.push_back(run(expert, taskInputs[k]));
      allOut.insert(allOut.end(), mine.begin(), mine.end());
      mine.insert(mine.end(), sharedOut.begin(), sharedOut.end());
      nextTaskInputs.push_back(mixExperts(mine, level.taskGates[k]->forward(taskInputs[k])));
    }
    if (level.sharedGate) sharedInput = mixExperts(allOut, level.sharedGate->forward(sharedInput));
    taskInputs = std::move(nextTaskInputs);
  }
  std::vector<at::Tensor> outputs;
  for (size_t k = 0; k < K; ++k) outputs.push_back(towers_[k]->forward(taskInputs[k]));
  return at::cat(outputs, 1);
}

}  // namespace seesaw
