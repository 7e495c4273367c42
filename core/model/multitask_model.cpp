#include "model/multitask_model.h"

#include <algorithm>
#include <stdexcept>

namespace seesaw {

at::Tensor MultiTaskModel::forward(const Batch& batch)
{
  const at::Tensor x = embedding_->forward(batch);
  if (dtrn_.is_empty()) return head(x, runTrunk(x));
  std::vector<at::Tensor> outputs;
  for (int k = 0; k < taskCount_; ++k) outputs.push_back(taskOutput(k, dtrn_->forward(x, k)));
  return at::cat(outputs, 1);
}

std::vector<at::Tensor> MultiTaskModel::runTrunk(const at::Tensor& x)
{
  std::vector<at::Tensor> outputs;
  outputs.reserve(trunk_.size());
  for (auto& mlp : trunk_) outputs.push_back(mlp->forward(x));
  return outputs;
}

at::Tensor MultiTaskModel::taskOutput(int task, const at::Tensor& bottom)
{
  // A separable head computes this task's tower only; any other head computes all K outputs on
  // this task's bottom, and only the task's own is kept.
  if (separableHead()) return taskHead(task, bottom, runTrunk(bottom));
  return head(bottom, runTrunk(bottom)).narrow(1, task, 1);
}

at::Tensor MultiTaskModel::head(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs)
{
  std::vector<at::Tensor> outputs;
  for (int k = 0; k < taskCount_; ++k) outputs.push_back(taskHead(k, x, trunkOutputs));
  return at::cat(outputs, 1);
}

at::Tensor MultiTaskModel::taskHead(int, const at::Tensor&, const std::vector<at::Tensor>&)
{
  throw std::logic_error("taskHead() called on a model whose head is not separable");
}

HeadGradients MultiTaskModel::separableHeadGradients(const at::Tensor&, const std::vector<at::Tensor>&, const OutputGradients&)
{
  throw std::logic_error("separableHeadGradients() called on a model whose head is not separable");
}

void MultiTaskModel::setEmbedding(FeatureEmbedding embedding)
{
  embedding_ = register_module("embedding", embedding);
  for (size_t f = 0; f < embedding->tables().size(); ++f) {
    const std::string& field = embedding->fieldNames()[f];
    info_.push_back({"embedding." + field + ".weight", "embedding." + field, -1, embedding->tables()[f]->weight});
  }
}

Mlp MultiTaskModel::addTrunk(const std::string& name, Mlp mlp, const std::string& group, int task, bool groupPerLayer)
{
  register_module(registrationName(name), mlp);
  trunk_.push_back(mlp);
  for (const auto& p : mlp->named_parameters()) {
    const std::string layer = p.key().substr(0, p.key().find('.'));
    info_.push_back({name + "." + p.key(), groupPerLayer ? group + "." + layer : group, task, p.value()});
  }
  return mlp;
}

void MultiTaskModel::addDtrn(const FeatureSpec& spec, const ModelConfig& config)
{
  dtrn_ = register_module("dtrn", Dtrn(spec, config));
  for (const auto& p : dtrn_->hypernetwork()->named_parameters())
    info_.push_back({"dtrn.hyper." + p.key(), "dtrn.hyper", -1, p.value()});
  for (int k = 0; k < taskCount_; ++k) {
    const std::string group = "dtrn.task." + spec.taskNames[k];
    for (const auto& p : dtrn_->tasks()[k]->named_parameters())
      info_.push_back({group + "." + p.key(), group, k, p.value()});
  }
  sortTags();
}

std::string MultiTaskModel::registrationName(std::string name)
{
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

void MultiTaskModel::sortTags()
{
  std::stable_sort(info_.begin(), info_.end(), [](const ParameterInfo& a, const ParameterInfo& b) {
    return (a.task < 0 ? -1 : a.task) < (b.task < 0 ? -1 : b.task);
  });
}

}  // namespace seesaw
