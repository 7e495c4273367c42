#include "model/layers.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/init.h>

namespace seesaw {

torch::nn::Sequential makeTower(int64_t input, const std::vector<int>& hidden)
{
  torch::nn::Sequential tower;
  for (int width : hidden) {
    tower->push_back(torch::nn::Linear(input, width));
    tower->push_back(torch::nn::ReLU());
    input = width;
  }
  tower->push_back(torch::nn::Linear(input, 1));
  return tower;
}

FeatureEmbeddingImpl::FeatureEmbeddingImpl(const FeatureSpec& spec, int64_t dim)
{
  for (size_t f = 0; f < spec.cardinalities.size(); ++f) {
    auto table = torch::nn::Embedding(spec.cardinalities[f], dim);
    // Small initial rows (as DeepCTR and GradCraft do) keep early logits near zero.
    torch::nn::init::normal_(table->weight, 0.0, 0.01);
    // Registered by position: field names come from data files and may hold dots or repeat.
    tables_.push_back(register_module("table" + std::to_string(f), table));
    fieldNames_.push_back(spec.categoricalNames[f]);
  }
  outputSize_ = static_cast<int64_t>(spec.cardinalities.size()) * dim + spec.denseCount;
}

at::Tensor FeatureEmbeddingImpl::forward(const Batch& batch)
{
  std::vector<at::Tensor> parts;
  parts.reserve(tables_.size() + 1);
  for (size_t f = 0; f < tables_.size(); ++f)
    parts.push_back(tables_[f]->forward(batch.categorical.select(1, static_cast<int64_t>(f))));
  if (batch.dense.size(1) > 0) parts.push_back(batch.dense);
  return at::cat(parts, 1);
}

}  // namespace seesaw
