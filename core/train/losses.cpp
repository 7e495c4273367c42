#include "train/losses.h"

namespace seesaw {

at::Tensor taskLoss(const at::Tensor& output, const at::Tensor& label, TaskType type)
{
  return type == TaskType::Binary ? at::binary_cross_entropy_with_logits(output, label) : at::mse_loss(output, label);
}

at::Tensor taskLosses(const at::Tensor& outputs, const at::Tensor& labels, const std::vector<TaskType>& types)
{
  std::vector<at::Tensor> losses;
  for (size_t k = 0; k < types.size(); ++k) {
    const auto i = static_cast<int64_t>(k);
    losses.push_back(taskLoss(outputs.select(1, i), labels.select(1, i), types[k]));
  }
  return at::stack(losses);
}

}  // namespace seesaw
