#include "model/dtrn.h"

#include <torch/nn/init.h>

#include <algorithm>

#include "model/mlp.h"

namespace seesaw {

namespace {

// Zero weights and bias: the layer outputs zeros until training moves it, so that DTRN starts
// as the identity (see dtrn.h).
torch::nn::Linear zeroLinear(int64_t input, int64_t output)
{
  torch::nn::Linear layer(input, output);
  torch::nn::init::zeros_(layer->weight);
  torch::nn::init::zeros_(layer->bias);
  return layer;
}

}  // namespace

DtrnTaskImpl::DtrnTaskImpl(int64_t fields, const ModelConfig& config)
{
  const int64_t squeezed = std::max<int64_t>(1, fields / config.dtrnReduction);
  // Unit-variance task embeddings: distinct from the start, and of the scale H's default
  // initialisation expects of its input.
  embedding_ = register_parameter("embedding", at::randn({config.dtrnTaskDim}));
  squeeze_ = register_module("squeeze", torch::nn::Linear(fields, squeezed));
  // No offset at the start: the field means are near zero while the embeddings are small, and a
  // negative default bias could leave a squeeze of one unit (few fields) dead for every sample.
  torch::nn::init::zeros_(squeeze_->bias);
  excite_ = register_module("excite", zeroLinear(squeezed, fields));
}

at::Tensor DtrnTaskImpl::excitation(const at::Tensor& fieldMeans)
{
  // 2 sigmoid, not sigmoid: weights in (0, 2) that are exactly 1 at W2_t = 0.
  return 2 * at::sigmoid(excite_->forward(at::relu(squeeze_->forward(fieldMeans))));
}

DtrnImpl::DtrnImpl(const FeatureSpec& spec, const ModelConfig& config)
    : fields_(static_cast<int64_t>(spec.cardinalities.size())), dim_(config.embeddingDim)
{
  const Mlp hidden(config.dtrnTaskDim, std::vector<int>{config.dtrnHyperHidden});
  const torch::nn::Linear film = zeroLinear(config.dtrnHyperHidden, 2 * fields_ * dim_);  // gamma_t and beta_t
  hypernetwork_ = register_module("hypernetwork", torch::nn::Sequential({{"hidden", hidden}, {"film", film}}));
  for (size_t k = 0; k < spec.taskNames.size(); ++k)
    tasks_.push_back(register_module("task" + std::to_string(k), DtrnTask(fields_, config)));
}

at::Tensor DtrnImpl::forward(const at::Tensor& x, int task)
{
  const int64_t batch = x.size(0);
  const int64_t embedded = fields_ * dim_;
  DtrnTask& own = tasks_[task];
  const at::Tensor film = hypernetwork_->forward(own->embedding()).view({2, fields_, dim_});  // gamma_t, beta_t
  const at::Tensor fields = x.narrow(1, 0, embedded).reshape({batch, fields_, dim_});
  const at::Tensor conditioned = fields * (1 + film[0]) + film[1];  // e'_t
  const at::Tensor refined = conditioned * own->excitation(conditioned.mean(2)).unsqueeze(2);  // e''_t
  const at::Tensor bottom = refined.reshape({batch, embedded});
  if (x.size(1) == embedded) return bottom;
  return at::cat({bottom, x.narrow(1, embedded, x.size(1) - embedded)}, 1);
}

}  // namespace seesaw
