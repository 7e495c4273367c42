#pragma once
// Scores a split with the model in eval mode and computes per-task AUC, GAUC and logloss
// (MSE for regression tasks). In a data-parallel run each rank scores its users' rows and every
// rank gets all the scores, in the split's order, so that the metrics are the one-process values.

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "model/multitask_model.h"
#include "records/step_records.h"

namespace seesaw {

class DataParallel;
struct PreparedData;

class Evaluator
{
public:
  // The tensors are the data's, already on the model's device; parallel: this process's group
  // when it is one rank of several (every rank must then evaluate the same rows together).
  Evaluator(MultiTaskModel& model, const PreparedData& data, at::Tensor categorical, at::Tensor dense, at::Tensor labels,
            DataParallel* parallel = nullptr);
  EvalRecord evaluate(const std::vector<int64_t>& rows, const std::string& split, int64_t step);

private:
  // The model's outputs for the rows, [n, K] on the host.
  at::Tensor score(const std::vector<int64_t>& rows);
  // Every rank's share of the scores, in the rows' order.
  at::Tensor scoreShared(const std::vector<int64_t>& rows, const std::string& split);

  MultiTaskModel& model_;
  const PreparedData& data_;
  at::Tensor categorical_, dense_, labels_;
  DataParallel* parallel_;
};

}  // namespace seesaw
