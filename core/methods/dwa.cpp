// Dynamic weight average (Liu et al., CVPR 2019), per epoch as in the paper and LibMTL, not
// per step as in GradCraft's code (which also drops the factor K): each task's loss is averaged
// over every epoch, and in epoch e >= 3
//   r_t = Lbar_t(e-1) / Lbar_t(e-2),   lambda = K softmax(r / temperature),
// with lambda = 1 in the first two epochs. combined = sum_t lambda_t g_t; task-specific parameters
// get lambda_t times their task's gradient. As LibMTL's loss meter does, an epoch's average weights
// each batch's mean loss by the batch's rows, so a short last batch counts for what it holds (a
// caller that gives no batch size weights its steps alike).
//
// An epoch ends when MethodInput::epoch changes. Steps that reach coefficients() have finite
// losses only (LinearMethod's contract), so a non-finite step neither enters an average nor
// poisons a later ratio; an epoch with no finite step at all is passed over, and the ratio then
// uses the two latest epochs that had one. A ratio that is not a finite number (an average of 0)
// gives lambda = 1 with kMethodFallback.

#include <algorithm>
#include <cmath>

#include "methods/gradient_method.h"
#include "methods/host_math.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

class Dwa : public LinearMethod
{
public:
  Dwa(int tasks, double temperature) : temperature_(temperature), sum_(static_cast<size_t>(tasks), 0.0) {}

  void saveState(SavedState& s) const override
  {
    s.putNumbers("epoch", {static_cast<double>(epoch_)});
    s.putNumbers("sum", sum_);
    s.putNumbers("count", {static_cast<double>(count_)});
    s.putNumbers("weighted_by_rows", {1});
    s.putNumbers("last", last_);
    s.putNumbers("older", older_);
  }
  void loadState(const SavedState& s) override
  {
    const auto K = static_cast<int64_t>(sum_.size());
    epoch_ = static_cast<int64_t>(s.number("epoch"));
    sum_ = s.numbers("sum", K);
    count_ = static_cast<int64_t>(s.number("count"));
    // A checkpoint from before the averages were weighted by rows holds a step count: its partial
    // epoch cannot be reweighted, so the epoch's average starts again from the resumed step.
    if (!s.has("weighted_by_rows")) {
      std::fill(sum_.begin(), sum_.end(), 0.0);
      count_ = 0;
    }
    last_ = s.numbers("last");
    older_ = s.numbers("older");
  }

private:
  Coefficients coefficients(const MethodInput& input) override
  {
    const size_t K = input.losses.size();
    if (sum_.size() != K) return {};
    if (input.epoch != epoch_) {
      if (count_ > 0) {
        older_.swap(last_);
        last_.assign(K, 0.0);
        for (size_t k = 0; k < K; ++k) last_[k] = sum_[k] / static_cast<double>(count_);
      }
      std::fill(sum_.begin(), sum_.end(), 0.0);
      count_ = 0;
      epoch_ = input.epoch;
    }
    const int64_t rows = input.batchSize > 0 ? input.batchSize : 1;
    for (size_t k = 0; k < K; ++k) sum_[k] += input.losses[k] * static_cast<double>(rows);
    count_ += rows;

    std::vector<double> lambda(K, 1.0);
    if (older_.empty()) return {lambda, lambda, 0};
    std::vector<double> x(K);
    for (size_t k = 0; k < K; ++k) {
      x[k] = last_[k] / older_[k] / temperature_;
      if (!std::isfinite(x[k])) return {lambda, lambda, kMethodFallback};
    }
    const std::vector<double> sigma = softmax(x);
    for (size_t k = 0; k < K; ++k) lambda[k] = static_cast<double>(K) * sigma[k];
    return {lambda, lambda, 0};
  }

  double temperature_;
  int64_t epoch_ = 0;          // the epoch being averaged; 0 before the first step
  std::vector<double> sum_;    // [K] this epoch's loss sums, each batch's mean times its rows
  int64_t count_ = 0;          // rows in sum_
  std::vector<double> last_;   // [K] Lbar(e-1); empty until an epoch has ended
  std::vector<double> older_;  // [K] Lbar(e-2); empty until two have
};

}  // namespace

MethodInfo dwaInfo()
{
  MethodInfo m;
  m.name = "dwa";
  m.description = "dynamic weight average: K softmax of the last two epochs' loss ratios over a temperature";
  m.hyperParameters = {
      {"temperature", 2.0, 0.01, 100.0, "softmax temperature on the loss ratios; larger is closer to equal weights", false},
  };
  m.make = [](const MethodSetup& s) { return std::make_unique<Dwa>(s.tasks(), s.params.get("temperature")); };
  return m;
}

}  // namespace seesaw
