#include "model/mlp.h"

namespace seesaw {

MlpImpl::MlpImpl(int64_t input, const std::vector<int>& hidden)
{
  for (size_t l = 0; l < hidden.size(); ++l) {
    layers_.push_back(register_module("layer" + std::to_string(l), torch::nn::Linear(input, hidden[l])));
    input = hidden[l];
  }
}

at::Tensor MlpImpl::forward(const at::Tensor& x)
{
  at::Tensor h = x;
  for (auto& layer : layers_) h = at::relu(layer->forward(h));
  return h;
}

}  // namespace seesaw
