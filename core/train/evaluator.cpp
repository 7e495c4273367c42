#include "train/evaluator.h"

#include <torch/autograd.h>

#include <cmath>
#include <limits>

#include "train/data_parallel.h"
#include "train/metrics.h"
#include "train/prepared_data.h"

namespace seesaw {
namespace {
constexpr int64_t kChunk = 16384;
}

Evaluator::Evaluator(MultiTaskModel& model, const PreparedData& data, at::Tensor categorical, at::Tensor dense,
                     at::Tensor labels, DataParallel* parallel)
    : model_(model),
      data_(data),
      categorical_(std::move(categorical)),
      dense_(std::move(dense)),
      labels_(std::move(labels)),
      parallel_(parallel)
{
}

at::Tensor Evaluator::score(const std::vector<int64_t>& rows)
{
  const auto K = static_cast<int64_t>(data_.table.taskCount());
  const auto n = static_cast<int64_t>(rows.size());
  if (n == 0) return at::zeros({0, K}, at::kFloat);
  torch::NoGradGuard noGrad;
  model_.eval();
  const at::Tensor all = at::tensor(rows, at::kLong).to(categorical_.device());
  std::vector<at::Tensor> outputs;
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const at::Tensor idx = all.narrow(0, begin, std::min(kChunk, n - begin));
    outputs.push_back(model_.forward({categorical_.index_select(0, idx), dense_.index_select(0, idx), {}}));
  }
  model_.train();
  return at::cat(outputs).to(at::kCPU, at::kFloat).contiguous();
}

at::Tensor Evaluator::scoreShared(const std::vector<int64_t>& rows, const std::string& split)
{
  if (parallel_ == nullptr) return score(rows);
  // By user, as the training batches are shared: a rank's users' rows, and their places in `rows`.
  std::vector<int64_t> mine, places;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rankOfUser(data_.table.user.codes[static_cast<size_t>(rows[i])], parallel_->worldSize()) != parallel_->rank()) continue;
    mine.push_back(rows[i]);
    places.push_back(static_cast<int64_t>(i));
  }
  const std::string what = "gathering the " + split + " split's scores";
  const at::Tensor scores = parallel_->gatherRows(score(mine), what);
  const at::Tensor where = parallel_->gatherRows(at::tensor(places, at::kLong), what);
  at::Tensor out = at::empty({static_cast<int64_t>(rows.size()), scores.size(1)}, at::kFloat);
  out.index_copy_(0, where, scores);
  return out;
}

EvalRecord Evaluator::evaluate(const std::vector<int64_t>& rows, const std::string& split, int64_t step)
{
  const at::Tensor out = scoreShared(rows, split);

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
