#include "model/layers.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/init.h>

#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "util/parallel.h"

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

namespace {

// A tower run without autograd, keeping each layer's input for backward().
class TowerRun
{
public:
  TowerRun(const torch::nn::Sequential& tower, const at::Tensor& input)
  {
    for (const auto& module : tower->children())
      if (auto linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(module)) layers_.emplace_back(linear);
    at::Tensor h = input;
    for (size_t l = 0; l < layers_.size(); ++l) {
      inputs_.push_back(h);
      h = at::addmm(layers_[l]->bias, h, layers_[l]->weight.t());
      if (l + 1 < layers_.size()) h.relu_();
    }
    output_ = h;
  }
  const at::Tensor& output() const { return output_; }
  // From the gradient on the output [B, 1], sets the parameters' .grad; the input's gradient.
  at::Tensor backward(const at::Tensor& outputGrad) const
  {
    at::Tensor g = outputGrad;
    for (size_t l = layers_.size(); l-- > 0;) {
      layers_[l]->weight.mutable_grad() = at::mm(g.t(), inputs_[l]);
      layers_[l]->bias.mutable_grad() = g.sum(0);
      g = at::mm(g, layers_[l]->weight);
      if (l > 0) g = at::threshold_backward(g, inputs_[l], 0);
    }
    return g;
  }

private:
  std::vector<torch::nn::Linear> layers_;
  std::vector<at::Tensor> inputs_;  // layer l's input: the tower's input, then ReLU outputs
  at::Tensor output_;
};

}  // namespace

std::vector<at::Tensor> towerGradients(const std::vector<torch::nn::Sequential>& towers, const std::vector<at::Tensor>& inputs,
                                       const std::function<at::Tensor(const at::Tensor& outputs)>& outputGradients)
{
  at::NoGradGuard noGrad;
  const auto K = static_cast<int64_t>(towers.size());
  const c10::Device device = inputs.front().device();
  std::vector<std::optional<TowerRun>> runs(towers.size());
  std::vector<at::Tensor> outputs(towers.size());
  sideBySide(K, device, [&](int64_t k) {
    runs[k].emplace(towers[k], inputs[k]);
    outputs[k] = runs[k]->output();
  });
  const at::Tensor outputGrads = outputGradients(at::cat(outputs, 1));
  std::vector<at::Tensor> inputGrads(towers.size());
  sideBySide(K, device, [&](int64_t k) { inputGrads[k] = runs[k]->backward(outputGrads.narrow(1, k, 1)); });
  return inputGrads;
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
  if (!at::GradMode::is_enabled() && rowCopyable(batch)) return copyRows(batch);
  std::vector<at::Tensor> parts;
  parts.reserve(tables_.size() + 1);
  for (size_t f = 0; f < tables_.size(); ++f)
    parts.push_back(tables_[f]->forward(batch.categorical.select(1, static_cast<int64_t>(f))));
  if (batch.dense.size(1) > 0) parts.push_back(batch.dense);
  return at::cat(parts, 1);
}

bool FeatureEmbeddingImpl::rowCopyable(const Batch& batch) const
{
  const auto isCpuFloat = [](const at::Tensor& t) { return t.is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous(); };
  const auto F = static_cast<int64_t>(tables_.size());
  bool copyable = F > 0 && batch.categorical.is_cpu() && batch.categorical.scalar_type() == at::kLong &&
                  batch.categorical.size(1) == F && isCpuFloat(batch.dense) &&
                  F * tables_.front()->weight.size(1) + batch.dense.size(1) == outputSize_;
  for (const auto& table : tables_) copyable = copyable && isCpuFloat(table->weight);
  return copyable;
}

at::Tensor FeatureEmbeddingImpl::copyRows(const Batch& batch) const
{
  const at::Tensor codes = batch.categorical.contiguous();
  const int64_t B = codes.size(0), F = codes.size(1), dim = tables_.front()->weight.size(1), D = batch.dense.size(1);
  at::Tensor x = at::empty({B, outputSize_}, batch.dense.options());
  std::vector<const float*> rows;
  std::vector<int64_t> cardinality;
  for (const auto& table : tables_) {
    rows.push_back(table->weight.data_ptr<float>());
    cardinality.push_back(table->weight.size(0));
  }
  const int64_t* code = codes.data_ptr<int64_t>();
  const float* dense = batch.dense.data_ptr<float>();
  float* out = x.data_ptr<float>();
  parallelFor(0, B, 256, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      float* row = out + b * outputSize_;
      for (int64_t f = 0; f < F; ++f) {
        const int64_t c = code[b * F + f];
        if (c < 0 || c >= cardinality[f])
          throw std::out_of_range("embedding field '" + fieldNames_[f] + "': code " + std::to_string(c) + " outside its " +
                                  std::to_string(cardinality[f]) + " rows");
        std::memcpy(row + f * dim, rows[f] + c * dim, sizeof(float) * dim);
      }
      if (D > 0) std::memcpy(row + F * dim, dense + b * D, sizeof(float) * D);  // without dense columns, dense is null
    }
  });
  return x;
}

}  // namespace seesaw
