#pragma once
#include <ATen/ATen.h>

#include <vector>

#include "data/table.h"

namespace seesaw {

// Per-task mean losses [K]: BCE on logits for binary tasks, MSE for regression tasks.
at::Tensor taskLosses(const at::Tensor& outputs, const at::Tensor& labels, const std::vector<TaskType>& types);

// dL_k/d(output_k) of those losses, [B, K], for passes that differentiate by hand.
at::Tensor taskLossGradients(const at::Tensor& outputs, const at::Tensor& labels, const std::vector<TaskType>& types);

}  // namespace seesaw
