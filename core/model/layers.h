#pragma once
// Building blocks shared by the architectures.

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include <string>
#include <vector>

#include "model/features.h"

namespace seesaw {

// Hidden ReLU layers, then one linear output unit without activation.
torch::nn::Sequential makeTower(int64_t input, const std::vector<int>& hidden);

// A tower from makeTower() run without autograd, keeping each layer's input for backward().
class TowerRun
{
public:
  TowerRun(const torch::nn::Sequential& tower, const at::Tensor& input);
  const at::Tensor& output() const { return output_; }
  // From the gradient on the output [B, 1], sets the tower's parameters' .grad and returns the
  // gradient on its input.
  at::Tensor backward(const at::Tensor& outputGrad) const;

private:
  std::vector<torch::nn::Linear> layers_;
  std::vector<at::Tensor> inputs_;  // layer l's input: the tower's input, then ReLU outputs
  at::Tensor output_;
};

// One embedding table per categorical field; concatenates the looked-up rows and the dense
// features into the model input.
class FeatureEmbeddingImpl : public torch::nn::Module
{
public:
  FeatureEmbeddingImpl(const FeatureSpec& spec, int64_t dim);
  at::Tensor forward(const Batch& batch);
  int64_t outputSize() const { return outputSize_; }
  const std::vector<torch::nn::Embedding>& tables() const { return tables_; }
  const std::vector<std::string>& fieldNames() const { return fieldNames_; }

private:
  std::vector<torch::nn::Embedding> tables_;
  std::vector<std::string> fieldNames_;
  int64_t outputSize_;
};
TORCH_MODULE(FeatureEmbedding);

}  // namespace seesaw
