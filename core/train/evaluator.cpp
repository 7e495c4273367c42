#include "train/evaluator.h"

#include <torch/autograd.h>

#include <limits>

#include "train/metrics.h"
#include "train/prepared_data.h"

namespace seesaw {
namespace {
constexpr int64_t kChunk = 16384;
}

Evaluator::Evaluator(MultiTaskModel& model, const PreparedData& data, at::Tensor categorical, at::Tensor dense,
                     at::Tensor labels)
    : model_(model), data_(data), categorical_(std::move(categorical)), dense_(std::move(dense)), labels_(std::move(labels))
{
}

EvalRecord Evaluator::evaluate(const std::vector<int64_t>& rows, const std::string& split, int64_t step)
{
  torch::NoGradGuard noGrad;
  model_.eval();
  const auto n = static_cast<int64_t>(rows.size());
  const at::Tensor all = at::tensor(rows, at::kLong).to(categorical_.device());
  std::vector<at::Tensor> outputs;
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const at::Tensor idx = all.narrow(0, begin, std::min(kChunk, n - begin));
    outputs.push_back(model_.forward({categorical_.index_select(0, idx), dense_.index_select(0, idx), {}, idx}));
  }
  model_.train();
  const at::Tensor out = at::cat(outputs).to(at::kCPU).contiguous();

  std::vector<int32_t> users(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) users[i] = data_.table.user.codes[rows[i]];
  EvalRecord r;
  r.step = step;
  r.split = split;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (size_t k = 0; k < data_.table.taskCount(); ++k) {
    const auto& task = data_.table.tasks[k];
    std::vector<float> labels(rows.size()), predictions(rows.size());
    const at::Tensor column = out.select(1, static_cast<int64_t>(k)).contiguous();
    const at::Tensor scores = task.type == TaskType::Binary ? at::sigmoid(column) : column;
    const float* p = scores.data_ptr<float>();
    for (size_t i = 0; i < rows.size(); ++i) {
      labels[i] = task.labels[rows[i]];
      predictions[i] = p[i];
    }
    if (task.type == TaskType::Binary) {
      r.auc.push_back(auc(predictions, labels));
      r.gauc.push_back(gauc(predictions, labels, users));
      r.logloss.push_back(logloss(predictions, labels));
      r.mse.push_back(nan);
    } else {
      r.auc.push_back(nan);
      r.gauc.push_back(nan);
      r.logloss.push_back(nan);
      r.mse.push_back(meanSquaredError(predictions, labels));
    }
  }
  return r;
}

}  // namespace seesaw
