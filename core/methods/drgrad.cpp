// DRGrad (Liu et al., AAAI 2025), Eqs. 1-8 and Algorithm 1, on the Split-MMoE of model/mmoe.h.
// The primary task p has a dedicated tower T' and a tower T'' on the other tasks' representation.
// With g' and g'' task p's gradients on T' and T'', and g_k task k's on its own tower:
//   router:  xi1_k = cos(g', g_k), lambda1_k = clip(|g'| / |g_k|, 0, 1)^gamma,
//            xi2 = cos(g', g''),   lambda2 = clip(|g'| / |g''|, 0, 1)^gamma,
//            g_R' = sum_k (1 - [xi1_k < 0] xi1_k) lambda1_k g_k + [xi2 >= 0] lambda2 g''  (natural pairing)
//            g_R' = (1 - [xi1 < 0] xi1) lambda1 g'' + [xi2 >= 0] lambda2 g_2               (as printed)
//            g_R'' = -[xi1 xi2 < 0] xi1 xi2 g''
//            T' trains on g' + g_R', T'' on g'' + g_R''; every other tower on its own gradient.
//   updater: sigma' += |g' + g_R'|, sigma'' += |g'' + g_R''|, (mu', mu'') = softmax(sigma', sigma''),
//            the mix of the primary task's two towers from the next forward pass on.
// The printed Eq. 2 (and the paper's Table 1, which follows it) scales g'' by factors measured
// against g_2 and g_2 by factors measured against g''. The natural pairing, the default, scales
// each gradient by the factors measured against it, as the authors' released code does (it
// routes the other head's gradient with (1 - [c <= 0] c) times a ratio, c their cosine); option
// "printed" gives the equation as printed. With more than two tasks (the paper has two) each other
// task k routes its own g_k, and a factor on g'' that depends on k (only in the printed form and
// in g_R'') is the mean over the other tasks.
// A zero gradient has no direction: its cosines count as 0. The accumulated norms grow without
// bound, so mu saturates toward one tower, as the paper's rule implies (it gives no decay).
// Shared parameters get the plain sum of the task gradients (the paper's Loss with alpha = 1).
// Fallback (flagged): non-finite tower gradients or Gram matrix leave every tower on its own
// gradient and the mix unchanged; the router's values are then NaN.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <torch/autograd.h>

#include "methods/gradient_method.h"
#include "methods/host_math.h"
#include "methods/method_infos.h"
#include "util/error.h"

namespace seesaw {
namespace {

at::Tensor flatGradients(const std::vector<at::Tensor>& parameters)
{
  std::vector<at::Tensor> parts;
  for (const auto& p : parameters) parts.push_back(p.grad().reshape(-1));
  return at::cat(parts).to(at::kDouble);
}

// How much of each tower gradient goes where, from the Gram matrix of (g', g'', g_k...).
struct Route
{
  std::vector<double> xi1, lambda1;  // [A] against each other task
  double xi2 = 0, lambda2 = 0;
  double dedicatedFromShared = 0;     // coefficient of g'' in g_R'
  std::vector<double> dedicatedFrom;  // [A] coefficient of g_k in g_R'
  double sharedFromShared = 0;        // coefficient of g'' in g_R''
};

Route route(const std::vector<double>& gram, int A, double gamma, bool printed)
{
  const int n = A + 2;
  auto norm = [&](int i) { return std::sqrt(gram[static_cast<size_t>(i * n + i)]); };
  auto cosine = [&](int i, int j) {
    const double d = norm(i) * norm(j);
    return d > 0 ? gram[static_cast<size_t>(i * n + j)] / d : 0.0;
  };
  // clip(|g'| / |g|, 0, 1)^gamma; a zero g leaves nothing to scale, a zero g' nothing to route.
  auto lambda = [&](int i) {
    const double ratio = norm(i) > 0 ? std::min(norm(0) / norm(i), 1.0) : (norm(0) > 0 ? 1.0 : 0.0);
    return std::pow(ratio, gamma);
  };
  Route r;
  r.xi2 = cosine(0, 1);
  r.lambda2 = lambda(1);
  for (int k = 0; k < A; ++k) {
    r.xi1.push_back(cosine(0, 2 + k));
    r.lambda1.push_back(lambda(2 + k));
  }
  auto amplify = [](double xi) { return 1 - (xi < 0 ? xi : 0.0); };  // 1 - [xi < 0] xi
  for (int k = 0; k < A; ++k) {
    if (printed) {
      r.dedicatedFromShared += amplify(r.xi1[k]) * r.lambda1[k] / A;
      r.dedicatedFrom.push_back(r.xi2 >= 0 ? r.lambda2 : 0.0);
    } else {
      r.dedicatedFrom.push_back(amplify(r.xi1[k]) * r.lambda1[k]);
    }
    if (r.xi1[k] * r.xi2 < 0) r.sharedFromShared -= r.xi1[k] * r.xi2 / A;
  }
  if (!printed) r.dedicatedFromShared = r.xi2 >= 0 ? r.lambda2 : 0.0;
  return r;
}

class DRGrad : public GradientMethod
{
public:
  DRGrad(const SplitTowers& split, std::vector<std::string> taskNames, double gamma, bool printed)
      : split_(split), taskNames_(std::move(taskNames)), gamma_(gamma), printed_(printed)
  {
    for (int k = 0; k < static_cast<int>(taskNames_.size()); ++k)
      if (k != split_.task) others_.push_back(k);
  }

  std::vector<std::string> stateNames() const override
  {
    std::vector<std::string> names;
    for (int k : others_) names.push_back("xi1." + taskNames_[k]);
    for (int k : others_) names.push_back("lambda1." + taskNames_[k]);
    names.insert(names.end(), {"xi2", "lambda2", "dedicated<-shared"});
    for (int k : others_) names.push_back("dedicated<-" + taskNames_[k]);
    names.insert(names.end(), {"shared<-shared", "mu.dedicated", "mu.shared"});
    return names;
  }

  void saveState(SavedState& s) const override
  {
    s.putNumbers("sigma", sigma_);
    s.putNumbers("mu", mu_);
  }
  void loadState(const SavedState& s) override
  {
    sigma_ = s.numbers("sigma", 2);
    mu_ = s.numbers("mu", 2);
  }

  MethodOutput combine(const MethodInput& input) override
  {
    torch::NoGradGuard noGrad;
    const auto A = static_cast<int>(others_.size());
    MethodOutput out;
    out.combined = input.taskGradients.sum(0);
    out.weights.assign(input.losses.size(), 1.0);

    std::vector<at::Tensor> rows = {flatGradients(split_.dedicated), flatGradients(split_.shared)};
    for (int k : others_) rows.push_back(flatGradients(split_.others[k]));
    const at::Tensor basis = at::stack(rows);
    const std::vector<double> gram = hostValues(at::mm(basis, basis.t()));
    if (!finiteInput(input) || !allFinite(gram)) {
      out.flags |= kMethodFallback;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      out.state.assign(stateNames().size() - 2, nan);  // every router value; the mix follows
      out.state.push_back(mu_[0]);
      out.state.push_back(mu_[1]);
      return out;
    }
    const Route r = route(gram, A, gamma_, printed_);

    // T' first: its route reads g'' before T'' gets its own.
    for (size_t i = 0; i < split_.dedicated.size(); ++i) {
      at::Tensor g = split_.dedicated[i].mutable_grad();
      g.add_(split_.shared[i].grad(), r.dedicatedFromShared);
      for (int k = 0; k < A; ++k) g.add_(split_.others[others_[k]][i].grad(), r.dedicatedFrom[k]);
    }
    for (const auto& p : split_.shared) p.mutable_grad().mul_(1 + r.sharedFromShared);

    // |g' + g_R'| and |g'' + g_R''| from the Gram matrix, as coefficient vectors on the basis.
    const int n = A + 2;
    std::vector<double> dedicated(static_cast<size_t>(n), 0.0);
    dedicated[0] = 1;
    dedicated[1] = r.dedicatedFromShared;
    for (int k = 0; k < A; ++k) dedicated[static_cast<size_t>(2 + k)] = r.dedicatedFrom[k];
    double square = 0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) square += dedicated[i] * dedicated[j] * gram[static_cast<size_t>(i * n + j)];
    sigma_[0] += std::sqrt(std::max(square, 0.0));
    sigma_[1] += std::abs(1 + r.sharedFromShared) * std::sqrt(gram[static_cast<size_t>(n + 1)]);
    mu_ = softmax({sigma_[0], sigma_[1]});
    split_.mix.copy_(at::tensor(mu_, at::kDouble));

    out.state = r.xi1;
    out.state.insert(out.state.end(), r.lambda1.begin(), r.lambda1.end());
    out.state.insert(out.state.end(), {r.xi2, r.lambda2, r.dedicatedFromShared});
    out.state.insert(out.state.end(), r.dedicatedFrom.begin(), r.dedicatedFrom.end());
    out.state.insert(out.state.end(), {r.sharedFromShared, mu_[0], mu_[1]});
    return out;
  }

private:
  SplitTowers split_;
  std::vector<std::string> taskNames_;
  std::vector<int> others_;  // every task but the primary, in order
  double gamma_;
  bool printed_;
  std::vector<double> sigma_ = {0, 0};  // accumulated update norms of T' (dedicated) and T'' (shared)
  std::vector<double> mu_ = {0.5, 0.5};
};

}  // namespace

MethodInfo drgradInfo()
{
  MethodInfo m;
  m.name = "drgrad";
  m.description = "DRGrad: routes other tasks' tower gradients into the split primary task's towers (needs model.split_task)";
  m.hyperParameters = {
      {"gamma", 1.0, 0.0, 10.0, "exponent on the clipped norm ratios that scale every route (the paper gives no value)"},
      {"printed", 0, 0, 1, "1: the router's Eq. 2 as printed; 0: the natural pairing (each gradient scaled by the factors measured against it)", true},
  };
  m.make = [](const MethodSetup& s) -> std::unique_ptr<GradientMethod> {
    if (!s.split)
      throw Error("method drgrad routes gradients between the towers of a split primary task: set config field "
                  "model.split_task to that task's name (model type mmoe)");
    return std::make_unique<DRGrad>(*s.split, s.taskNames, s.params.get("gamma"), s.params.get("printed") != 0);
  };
  return m;
}

}  // namespace seesaw
