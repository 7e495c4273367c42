#pragma once
// DTRN's task-specific bottom representations (Liu et al., CIKM 2023; docs/methods.md, "DTRN"),
// without the behaviour-sequence interest module: our data has no behaviour sequences.
//
// For task t and every categorical field f with embedding row e_f (FeatureEmbedding's output x):
// - hypernetwork: one shared MLP H maps the learned task embedding e_t to FiLM parameters for
//   every field, (gamma_t, beta_t) = H(e_t), each [F, dim]; e'_tf = (1 + gamma_tf) * e_f + beta_tf.
//   It stands in for the paper's hypernetwork, which generates a conditional LayerNorm's scale and
//   shift from the task (and behaviour-type) embeddings.
// - refinement (SENet, task t's own weights): s_t = the mean of each e'_tf (F values),
//   a_t = 2 sigmoid(W2_t relu(W1_t s_t)), e''_tf = a_tf * e'_tf.
// - r_t = [e''_t1, ..., e''_tF, dense features], x's layout, so every architecture can read it.
//
// The architecture on top (MultiTaskModel::forward) gives task t the output it computes for task
// t on r_t: y_t = base(r_t)[:, t]. Experts and bottoms stay shared in weights but each task runs
// them on its own input, and task t's gate reads r_t: the reconstruction's "natural reading" of
// "combinable with MMoE/PLE", and the only one that gives every task its own bottom all the way
// into the architecture. It costs K passes of the architecture per batch.
//
// Both H's last layer and W2_t start at zero, so gamma = beta = 0 and a = 1: DTRN starts as the
// identity, r_t = x, and a seed gives the architecture's initial outputs with or without DTRN.
// Training then moves away from the plain architecture only as far as the tasks' losses ask.

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <vector>

#include "config/run_config.h"
#include "model/features.h"

namespace seesaw {

// One task's own parameters: its embedding e_t and its SENet excitation (W1_t, W2_t).
class DtrnTaskImpl : public torch::nn::Module
{
public:
  DtrnTaskImpl(int64_t fields, const ModelConfig& config);
  const at::Tensor& embedding() const { return embedding_; }
  // The field weights a_t [B, F] from the field means s_t [B, F].
  at::Tensor excitation(const at::Tensor& fieldMeans);

private:
  at::Tensor embedding_;
  torch::nn::Linear squeeze_{nullptr};  // W1_t, F -> max(1, F / reduction)
  torch::nn::Linear excite_{nullptr};   // W2_t, back to F
};
TORCH_MODULE(DtrnTask);

class DtrnImpl : public torch::nn::Module
{
public:
  DtrnImpl(const FeatureSpec& spec, const ModelConfig& config);
  // Task t's bottom representation r_t from the embedded input x, both [B, F * dim + dense].
  at::Tensor forward(const at::Tensor& x, int task);
  torch::nn::Sequential& hypernetwork() { return hypernetwork_; }  // H, shared by every task
  const std::vector<DtrnTask>& tasks() const { return tasks_; }

private:
  int64_t fields_;
  int64_t dim_;
  torch::nn::Sequential hypernetwork_{nullptr};
  std::vector<DtrnTask> tasks_;
};
TORCH_MODULE(Dtrn);

}  // namespace seesaw
