#include "train/losses.h"

namespace seesaw {

namespace {

at::Tensor taskLoss(const at::Tensor& output, const at::Tensor& label, TaskType type)
{
  return type == TaskType::Binary ? at::binary_cross_entropy_with_logits(output, label) : at::mse_loss(output, label);
}

}  // namespace

at::Tensor taskLosses(const at::Tensor& outputs, const at::Tensor& labels, const std::vector<TaskType>& types)
{
  std::vector<at::Tensor> losses;
  for (size_t k = 0; k < types.size(); ++k) {
    const auto i = static_cast<int64_t>(k);
    losses.push_back(taskLoss(outputs.select(1, i), labels.select(1, i), types[k]));
  }
  return at::stack(losses);
}

at::Tensor taskLossGradients(const at::Tensor& outputs, const at::Tensor& labels, const std::vector<TaskType>& types)
{
  const double batch = static_cast<double>(outputs.size(0));
  std::vector<at::Tensor> grads;
  for (size_t k = 0; k < types.size(); ++k) {
    const auto i = static_cast<int64_t>(k);
    const at::Tensor z = outputs.select(1, i), y = labels.select(1, i);
    // BCE on logits: (sigmoid(z) - y) / B; MSE: 2 (z - y) / B.
    grads.push_back(types[k] == TaskType::Binary ? (at::sigmoid(z) - y).div_(batch) : (z - y).mul_(2.0 / batch));
  }
  return at::stack(grads, 1);
}

}  // namespace seesaw
