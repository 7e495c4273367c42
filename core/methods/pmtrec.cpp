// PMTRec (Yang et al., IEEE BigData 2024), Algorithm 1: task weights per embedding row. For each
// row e of the user and item tables and each task t, n_t(e) = |row e of g_t|; the main task's
// norm is multiplied by alpha^s (s the 1-based epoch: "task focusing", auxiliary tasks first,
// the main task later); w(e) = softmax_t(n(e) / tau) and the row's gradient is
// sum_t w_t(e) g_t(e). A larger norm gets a larger weight (softmax of norms, as in the paper);
// tau -> infinity averages the tasks, tau -> 0 picks the largest norm (the paper's "tau -> -inf").
// Rows no task touched have n = 0 and weights 1/K, which changes nothing (their rows are zero).
// The paper's model is the embedding table alone; every other shared parameter (an encoder's, a
// trunk's) gets the plain sum of the task gradients, the spec's recommendation where the paper
// is silent.
// Global weights (the trace's per-step weights): the mean of w(e) over the user rows the batch
// touched (any task's row nonzero), or over the touched item rows where the data has no user
// table; 1 each where there is no table (everything was summed).
// Fallback (flagged): a non-finite Gram matrix or loss gives every row weights 1/K (the
// tau -> infinity limit of the rule); a table no task touched gives global weights 1/K.

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "methods/gradient_method.h"
#include "methods/method_infos.h"
#include "util/error.h"

namespace seesaw {
namespace {

class PMTRec : public GradientMethod
{
public:
  PMTRec(int mainTask, double alpha, double tau) : main_(mainTask), alpha_(alpha), tau_(tau) {}

  MethodOutput combine(const MethodInput& input) override
  {
    const auto K = static_cast<int>(input.losses.size());
    const at::Tensor& G = input.taskGradients;
    const bool finite = finiteInput(input);
    MethodOutput out;
    if (!finite) out.flags |= kMethodFallback;
    out.combined = G.sum(0);
    // Capped so that a huge epoch saturates the softmax instead of making inf * 0 = NaN.
    const double boost = std::min(std::pow(alpha_, static_cast<double>(input.epoch)), DBL_MAX);

    Weighed user, item;
    if (input.userRows.rows > 0) user = weighRows(input.userRows, G, K, boost, finite, out.combined);
    if (input.itemRows.rows > 0) item = weighRows(input.itemRows, G, K, boost, finite, out.combined);
    out.userWeights = user.all;

    const at::Tensor& w = user.all.defined() ? user.candidates : item.candidates;
    const at::Tensor& touched = user.all.defined() ? user.touched : item.touched;
    if (!w.defined()) {
      out.weights.assign(static_cast<size_t>(K), 1.0);
      return out;
    }
    const int64_t count = finite ? touched.sum().item<int64_t>() : 0;
    if (count == 0) {
      if (finite) out.flags |= kMethodFallback;  // the whole table had zero gradients
      out.weights.assign(static_cast<size_t>(K), 1.0 / K);
      return out;
    }
    const at::Tensor mean = (w * touched.unsqueeze(1).to(at::kDouble)).sum(0).div(static_cast<double>(count)).cpu().contiguous();
    out.weights.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + K);
    return out;
  }

private:
  struct Weighed
  {
    at::Tensor all;         // [table rows, K] float64, 1/K on rows the batch did not reach
    at::Tensor candidates;  // [n, K] the weights of the batch's rows
    at::Tensor touched;     // [n] which of those any task's gradient touched
  };
  // Writes the weighted rows of one table into `combined`. Only the batch's rows can carry a
  // gradient, so only they are weighed: the work follows the batch, not the table's size.
  Weighed weighRows(const RowBlock& block, const at::Tensor& G, int K, double boost, bool finite, at::Tensor& combined) const
  {
    const at::Tensor table = G.narrow(1, block.offset, block.rows * block.dim).view({K, block.rows, block.dim});
    const auto doubles = G.options().dtype(at::kDouble);
    const at::Tensor candidates = block.batchRows.defined()
                                      ? at::bincount(block.batchRows, {}, block.rows).nonzero().squeeze(1)
                                      : at::arange(block.rows, G.options().dtype(at::kLong));
    const at::Tensor rows = table.index_select(1, candidates);  // [K, n, dim]
    at::Tensor w;  // [K, n]
    if (finite) {
      at::Tensor n = rows.norm(2, {2}).to(at::kDouble).clone();
      n.select(0, main_).mul_(boost);
      // inf only from the boost times a large norm: the main task then takes the whole row.
      n = at::nan_to_num(n, 0.0, DBL_MAX, 0.0);
      // The max subtracted before dividing by tau: a tiny tau sends the others to -inf, never NaN.
      w = at::softmax((n - std::get<0>(n.max(0, true))) / tau_, 0);
    } else {
      w = at::full({K, candidates.size(0)}, 1.0 / K, doubles);
    }
    combined.narrow(0, block.offset, block.rows * block.dim)
        .view({block.rows, block.dim})
        .index_copy_(0, candidates, (w.to(G.scalar_type()).unsqueeze(2) * rows).sum(0));
    Weighed out;
    out.candidates = w.t().contiguous();
    out.all = at::full({block.rows, K}, 1.0 / K, doubles).index_copy_(0, candidates, out.candidates);
    out.touched = rows.ne(0).any(2).any(0);
    return out;
  }

  int main_;
  double alpha_, tau_;
};

}  // namespace

MethodInfo pmtrecInfo()
{
  MethodInfo m;
  m.name = "pmtrec";
  m.description = "PMTRec: per user and item row, softmax task weights of the row gradient norms, main task boosted per epoch";
  m.hyperParameters = {
      {"main_task", 0, 0, 63, "index of the main task, whose row norms grow by alpha^epoch", true},
      {"alpha", 1.02, 1.0, 2.0, "task-focusing base (paper grid 1.00 to 1.20); 1 turns focusing off"},
      {"tau", 1e-4, 1e-8, 1e3, "softmax temperature on the row gradient norms: large averages, small picks the largest"},
  };
  m.make = [](const MethodSetup& s) -> std::unique_ptr<GradientMethod> {
    const int mainTask = static_cast<int>(s.params.get("main_task"));
    if (mainTask >= s.tasks())
      throw Error("config field method.params.main_task: task " + std::to_string(mainTask) + " does not exist (the data has " +
                  std::to_string(s.tasks()) + " tasks)");
    return std::make_unique<PMTRec>(mainTask, s.params.get("alpha"), s.params.get("tau"));
  };
  return m;
}

}  // namespace seesaw
