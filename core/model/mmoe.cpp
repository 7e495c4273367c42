#include "model/mmoe.h"

#include <algorithm>

#include "util/error.h"
#include "util/row_products.h"

namespace seesaw {
namespace {

// Softmax over the last dimension, a gate's experts.
at::Tensor gateSoftmax(const at::Tensor& logits)
{
  // Four element-wise passes: at::softmax vectorises along the softmax's dimension, here a gate's
  // E entries, and took 0.42 ms on W1's [2048, 3, 4] where these take 0.1. The shift by the row's
  // largest logit, for range, is held constant: softmax does not depend on it.
  const at::Tensor w = (logits - logits.amax(-1, true).detach()).exp();
  return w / w.sum(-1, true);
}

int findSplitTask(const FeatureSpec& spec, const std::string& name)
{
  if (name.empty()) return -1;
  const auto it = std::find(spec.taskNames.begin(), spec.taskNames.end(), name);
  if (it == spec.taskNames.end()) {
    std::string tasks;
    for (const auto& t : spec.taskNames) tasks += (tasks.empty() ? "" : ", ") + t;
    throw Error("config field model.split_task: '" + name + "' is not a task of the data (" + tasks + ")");
  }
  if (spec.taskNames.size() < 2)
    throw Error("config field model.split_task: a split task routes gradients from other tasks, and the data has one task");
  return static_cast<int>(it - spec.taskNames.begin());
}

}  // namespace

at::Tensor mixExperts(const std::vector<at::Tensor>& expertOutputs, const at::Tensor& gateLogits)
{
  return rowCombinations(gateSoftmax(gateLogits).unsqueeze(1), expertOutputs).front();
}

MMoE::MMoE(const FeatureSpec& spec, const ModelConfig& config)
    : MultiTaskModel(static_cast<int>(spec.taskNames.size())), splitTask_(findSplitTask(spec, config.splitTask))
{
  setEmbedding(FeatureEmbedding(spec, config.embeddingDim));
  const int64_t input = embedding()->outputSize();
  const int64_t hidden = config.expertHidden.back();
  for (int e = 0; e < config.experts; ++e) {
    const std::string name = "expert" + std::to_string(e);
    addTrunk(name, Mlp(input, config.expertHidden), name, -1);
  }
  for (int k = 0; k < taskCount(); ++k) {
    const std::string& task = spec.taskNames[k];
    const bool sharedGate = splitTask_ >= 0 && k != splitTask_;  // T'' reads this gate's mixture too
    gates_.push_back(addTagged("gate" + std::to_string(k), torch::nn::Linear(input, config.experts), "gate." + task,
                               sharedGate ? -1 : k));
    const std::string tower = k == splitTask_ ? "tower." + task + ".dedicated" : "tower." + task;
    towers_.push_back(addTagged("tower" + std::to_string(k), makeTower(hidden, config.towerHidden), tower, k));
  }
  if (splitTask_ >= 0) {
    const std::string& task = spec.taskNames[splitTask_];
    splitTower_ = addTagged("tower_split", makeTower(hidden, config.towerHidden), "tower." + task + ".shared", splitTask_);
    mix_ = register_buffer("split_mix", at::full({2}, 0.5));
    split_.task = splitTask_;
    split_.dedicated = towers_[splitTask_]->parameters();
    split_.shared = splitTower_->parameters();
    for (int k = 0; k < taskCount(); ++k)
      split_.others.push_back(k == splitTask_ ? std::vector<at::Tensor>{} : towers_[k]->parameters());
    split_.mix = mix_;
  }
  if (config.ppnet) {
    ppnetColumns_ = std::min<int64_t>(2, static_cast<int64_t>(spec.cardinalities.size())) * config.embeddingDim;
    if (ppnetColumns_ == 0) throw Error("config field model.ppnet: the personalized gate reads user and item ids, and the data has none");
    ppnet_ = addTagged("ppnet", torch::nn::Linear(ppnetColumns_, hidden), "ppnet", -1);
  }
  sortTags();
}

at::Tensor MMoE::taskHead(int task, const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs)
{
  return towers_[task]->forward(mixExperts(trunkOutputs, gates_[task]->forward(x)));
}

HeadGradients MMoE::separableHeadGradients(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs,
                                           const OutputGradients& outputGradients)
{
  at::NoGradGuard noGrad;
  const int K = taskCount();
  const auto E = static_cast<int64_t>(trunkOutputs.size());
  std::vector<at::Tensor> gateWeights, gateBiases;
  for (const auto& gate : gates_) {
    gateWeights.push_back(gate->weight);
    gateBiases.push_back(gate->bias);
  }
  // Every task's gate in one product, [B, K * E].
  const at::Tensor logits = at::addmm(at::cat(gateBiases), x, at::cat(gateWeights).t());
  const at::Tensor weights = gateSoftmax(logits.view({-1, K, E}));  // [B, K, E]
  const std::vector<at::Tensor> mixed = rowCombinations(weights, trunkOutputs);
  const std::vector<at::Tensor> mixedGrads = towerGradients(towers_, mixed, outputGradients);  // [K] -> [B, H]

  // Expert e's gradient from task k is w_ke dL/dmixed_k, written expert-major, [E, B, K, H], so
  // that each expert's [B, K, H] block is contiguous for the trunk's products.
  const at::Tensor trunkGrads = at::empty({E, logits.size(0), K, mixedGrads.front().size(1)}, x.options());
  for (int k = 0; k < K; ++k) {
    at::Tensor target = trunkGrads.select(2, k);
    at::mul_out(target, mixedGrads[k].unsqueeze(0), weights.select(1, k).t().unsqueeze(2));
  }
  HeadGradients g;
  g.trunk = trunkGrads.unbind(0);
  // dL/dw_ke = <dL/dmixed_k, expert e's output> per sample, [B, K, E]; then through each task's
  // softmax: dL/dlogit = w * (dw - <w, dw>).
  const at::Tensor dw = rowProducts(mixedGrads, {}, trunkOutputs, {});
  const at::Tensor logitGrads = (weights * (dw - (weights * dw).sum(2, true))).view({-1, K * E});
  const at::Tensor gateWeightGrads = at::mm(logitGrads.t(), x);  // [K * E, in]
  const at::Tensor gateBiasGrads = logitGrads.sum(0);
  for (int k = 0; k < K; ++k) {
    gates_[k]->weight.mutable_grad() = gateWeightGrads.narrow(0, k * E, E);
    gates_[k]->bias.mutable_grad() = gateBiasGrads.narrow(0, k * E, E);
    g.input.push_back(at::mm(logitGrads.narrow(1, k * E, E), gateWeights[k]));
  }
  return g;
}

at::Tensor MMoE::head(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs)
{
  if (separableHead()) return MultiTaskModel::head(x, trunkOutputs);
  const int K = taskCount();
  std::vector<at::Tensor> inputs;  // each tower's input
  for (int k = 0; k < K; ++k) inputs.push_back(mixExperts(trunkOutputs, gates_[k]->forward(x)));
  if (ppnet_) {
    // The gate acts on the shared representation only (the paper): the dedicated tower's input
    // stays as it is.
    const at::Tensor gate = 2 * at::sigmoid(ppnet_->forward(x.narrow(1, 0, ppnetColumns_)));
    for (int k = 0; k < K; ++k)
      if (k != splitTask_) inputs[k] = inputs[k] * gate;
  }
  std::vector<at::Tensor> outputs;
  for (int k = 0; k < K; ++k) outputs.push_back(towers_[k]->forward(inputs[k]));
  if (splitTask_ >= 0) {
    at::Tensor shared;
    for (int k = 0; k < K; ++k)
      if (k != splitTask_) shared = shared.defined() ? shared + inputs[k] : inputs[k];
    shared = shared / (K - 1);
    outputs[splitTask_] = mix_[0] * outputs[splitTask_] + mix_[1] * splitTower_->forward(shared);
  }
  return at::cat(outputs, 1);
}

}  // namespace seesaw
