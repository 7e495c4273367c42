#pragma once
// The interface every multi-task architecture implements, and the tags that let the trainer
// split parameters into shared and task-specific ones and group them into modules.

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <functional>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "model/dtrn.h"
#include "model/features.h"
#include "model/layers.h"
#include "model/mlp.h"
#include "model/split_towers.h"

namespace seesaw {

// One parameter tensor with what it belongs to.
struct ParameterInfo
{
  std::string name;    // e.g. "expert2.layer0.weight"
  std::string module;  // analysis group, e.g. "expert2", "embedding.user"
  int task = -1;       // -1: shared by several tasks; k: only task k's loss reaches it
  at::Tensor tensor;
};

// Each task's gradient on a head's inputs.
struct HeadGradients
{
  std::vector<at::Tensor> input;  // [K] -> [B, in]; empty where the head does not read x
  std::vector<at::Tensor> trunk;  // [mlp] -> [B, K, out]
};

// An architecture is an embedding of the input features, a trunk of MLPs that all read the
// embedded input x directly (experts, a shared bottom), and a head that reads x and the trunk's
// outputs (gates, deeper levels, towers). The split lets the trainer back-propagate the trunk for
// all tasks at once. A head whose tasks share no parameters (MMoE, Shared-Bottom) is separable:
// it implements taskHead(), and separableHeadGradients() gives every task's input gradients from
// one pass written by hand (a pass of small products, where autograd's bookkeeping cost more
// than the arithmetic).
// With DTRN (model.dtrn) each task runs the architecture on its own bottom representation of x
// instead (model/dtrn.h), and the trunk's MLPs no longer read one shared input.
class MultiTaskModel : public torch::nn::Module
{
public:
  // Logits (binary tasks) or predictions (regression tasks), [B, K].
  at::Tensor forward(const Batch& batch);
  // All tasks' outputs, [B, K]; by default the separable head's outputs side by side.
  virtual at::Tensor head(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs);
  virtual bool separableHead() const { return false; }
  // Task k's output [B, 1] from its own copies of x and the trunk outputs (separable heads only).
  virtual at::Tensor taskHead(int task, const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs);
  // Separable heads, without autograd: runs every task's head, asks outputGradients for
  // dL_k/d(output_k) [B, K] given the outputs [B, K], sets the head's parameters' .grad (task k's
  // from task k's loss) and returns each task's gradient on x and on the trunk outputs.
  using OutputGradients = std::function<at::Tensor(const at::Tensor& outputs)>;
  virtual HeadGradients separableHeadGradients(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs,
                                               const OutputGradients& outputGradients);
  FeatureEmbedding& embedding() { return embedding_; }
  std::vector<Mlp>& trunk() { return trunk_; }
  // Every trainable parameter exactly once, shared ones first, grouped by module.
  const std::vector<ParameterInfo>& parameterInfo() const { return info_; }
  int taskCount() const { return taskCount_; }
  // Gives every task its own bottom representation (model/dtrn.h). Called once the architecture
  // has created its parameters, so that a seed initialises the architecture as it would without DTRN.
  void addDtrn(const FeatureSpec& spec, const ModelConfig& config);
  // True where tasks run the trunk on different inputs (DTRN): TaskGradients' trunk-batched pass
  // then does not apply.
  virtual bool taskSpecificBottoms() const { return !dtrn_.is_empty(); }
  // DRGrad's split primary task, where the model has one (model.split_task), else null.
  virtual const SplitTowers* splitTowers() const { return nullptr; }

protected:
  explicit MultiTaskModel(int taskCount) : taskCount_(taskCount) {}
  // Registers a submodule and tags all its parameters with one module name and task.
  template <typename M>
  M addTagged(const std::string& name, M module, const std::string& group, int task)
  {
    register_module(registrationName(name), module);
    for (const auto& p : module->named_parameters())
      info_.push_back({name + "." + p.key(), group, task, p.value()});
    return module;
  }
  // Registers the feature embedding and tags each table as its own shared module.
  void setEmbedding(FeatureEmbedding embedding);
  // Registers a trunk MLP; with groupPerLayer each layer is its own analysis module (group.layerN).
  Mlp addTrunk(const std::string& name, Mlp mlp, const std::string& group, int task, bool groupPerLayer = false);
  void sortTags();  // shared parameters first, then by task, stable within each
  // LibTorch refuses dots in submodule names; tags keep them ("level0.gate.click").
  static std::string registrationName(std::string name);

private:
  std::vector<at::Tensor> runTrunk(const at::Tensor& x);
  at::Tensor taskOutput(int task, const at::Tensor& bottom);  // task's output [B, 1] on its own bottom

  int taskCount_;
  std::vector<ParameterInfo> info_;
  FeatureEmbedding embedding_{nullptr};
  std::vector<Mlp> trunk_;
  Dtrn dtrn_{nullptr};
};

}  // namespace seesaw
