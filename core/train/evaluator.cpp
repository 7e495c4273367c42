#include "train/evaluator.h"

#include <torch/autograd.h>

#include <cmath>
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
    outputs.push_back(model_.forward({categorical_.index_select(0, idx), dense_.index_select(0, idx), {}}));
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
    // Rank on logits: float32 sigmoids of logits above about 17 are all exactly 1 and would tie.
    std::vector<float> labels(rows.size()), scores(rows.size());
    const at::Tensor column = out.select(1, static_cast<int64_t>(k)).contiguous();
    const float* p = column.data_ptr<float>();
    for (size_t i = 0; i < rows.size(); ++i) {
      labels[i] = task.labels[rows[i]];
      scores[i] = p[i];
    }
    if (task.type == TaskType::Binary) {
      std::vector<float> probabilities(scores.size());
      for (size_t i = 0; i < scores.size(); ++i)
        probabilities[i] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(scores[i]))));
      r.auc.push_back(auc(scores, labels));
      r.gauc.push_back(gauc(scores, labels, users));
      r.logloss.push_back(logloss(probabilities, labels));
      r.mse.push_back(nan);
    } else {
      r.auc.push_back(nan);
      r.gauc.push_back(nan);
      r.logloss.push_back(nan);
      r.mse.push_back(meanSquaredError(scores, labels));
    }
  }
  return r;
}

}  // namespace seesaw
