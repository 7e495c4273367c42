#include "train/losses.h"

namespace seesaw {

at::Tensor taskLosses(const at::Tensor& outputs, const at::Tensor& labels, const std::vector<TaskType>& types)
{
  std::vector<at::Tensor> losses;
  for (size_t k = 0; k < types.size(); ++k) {
    const auto i = static_cast<int64_t>(k);
    const at::Tensor y = outputs.select(1, i), t = labels.select(1, i);
    losses.push_back(types[k] == TaskType::Binary ? at::binary_cross_entropy_with_logits(y, t) : at::mse_loss(y, t));
  }
  return at::stack(losses);
}

}  // namespace seesaw
