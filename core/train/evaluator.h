#pragma once
// Scores a split with the model in eval mode and computes per-task AUC, GAUC and logloss
// (MSE for regression tasks).

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "model/multitask_model.h"
#include "records/step_records.h"

namespace seesaw {

struct PreparedData;

class Evaluator
{
public:
  // The tensors are the data's, already on the model's device.
  Evaluator(MultiTaskModel& model, const PreparedData& data, at::Tensor categorical, at::Tensor dense, at::Tensor labels);
  EvalRecord evaluate(const std::vector<int64_t>& rows, const std::string& split, int64_t step);

private:
  MultiTaskModel& model_;
  const PreparedData& data_;
  at::Tensor categorical_, dense_, labels_;
};

}  // namespace seesaw
