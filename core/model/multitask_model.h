#pragma once
// The interface every multi-task architecture implements, and the tags that let the trainer
// split parameters into shared and task-specific ones and group them into modules.

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "config/run_config.h"

namespace seesaw {

// What the model reads: categorical field 0 is the user, field 1 the item.
struct FeatureSpec
{
  std::vector<std::string> categoricalNames;
  std::vector<int64_t> cardinalities;
  int64_t denseCount = 0;
  std::vector<std::string> taskNames;
};

struct Batch
{
  at::Tensor categorical;  // [B, F] int64 codes
  at::Tensor dense;        // [B, D] float, standardized
  at::Tensor labels;       // [B, K] float
  at::Tensor rows;         // [B] int64 row indices in the table (for per-user bookkeeping)
};

// One parameter tensor with what it belongs to.
struct ParameterInfo
{
  std::string name;    // e.g. "expert2.layer0.weight"
  std::string module;  // analysis group, e.g. "expert2", "embedding.user"
  int task = -1;       // -1: shared by several tasks; k: only task k's loss reaches it
  at::Tensor tensor;
};

class MultiTaskModel : public torch::nn::Module
{
public:
  // Logits (binary tasks) or predictions (regression tasks), [B, K].
  virtual at::Tensor forward(const Batch& batch) = 0;
  // Every trainable parameter exactly once, shared ones first, grouped by module.
  const std::vector<ParameterInfo>& parameterInfo() const { return info_; }
  int taskCount() const { return taskCount_; }

protected:
  explicit MultiTaskModel(int taskCount) : taskCount_(taskCount) {}
  // Registers a submodule and tags all its parameters with one module name and task.
  template <typename M>
  M addTagged(const std::string& name, M module, const std::string& group, int task)
  {
    register_module(name, module);
    for (const auto& p : module->named_parameters())
      info_.push_back({name + "." + p.key(), group, task, p.value()});
    return module;
  }
  // Registers the feature embedding and tags each table as its own shared module.
  template <typename E>
  E addEmbedding(E embedding)
  {
    register_module("embedding", embedding);
    for (const auto& p : embedding->named_parameters()) {
      const std::string field = p.key().substr(0, p.key().find('.'));
      info_.push_back({"embedding." + p.key(), "embedding." + field, -1, p.value()});
    }
    return embedding;
  }
  void sortTags();  // shared parameters first, then by task, stable within each

private:
  int taskCount_;
  std::vector<ParameterInfo> info_;
};

}  // namespace seesaw
