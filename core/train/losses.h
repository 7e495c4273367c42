#pragma once
#include <ATen/ATen.h>

#include <vector>

#include "data/table.h"

namespace seesaw {

// One task's mean loss: BCE on logits for a binary task, MSE for regression.
at::Tensor taskLoss(const at::Tensor& output, const at::Tensor& label, TaskType type);

// Per-task mean losses [K]: BCE on logits for binary tasks, MSE for regression tasks.
at::Tensor taskLosses(const at::Tensor& outputs, const at::Tensor& labels, const std::vector<TaskType>& types);

}  // namespace seesaw
