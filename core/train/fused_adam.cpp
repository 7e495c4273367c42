#include "train/fused_adam.h"

#include <cmath>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "train/optimizer_state.h"
#include "util/parallel.h"

namespace seesaw {
namespace {

// What distinguishes the two: their option and state types, and where the weight decay goes.
template <class Base>
struct AdamKind;
template <>
struct AdamKind<torch::optim::Adam>
{
  using Options = torch::optim::AdamOptions;
  using State = torch::optim::AdamParamState;
  static constexpr bool decoupled = false;
};
template <>
struct AdamKind<torch::optim::AdamW>
{
  using Options = torch::optim::AdamWOptions;
  using State = torch::optim::AdamWParamState;
  static constexpr bool decoupled = true;
};

template <class Options>
bool fusable(const at::Tensor& p, const Options& options)
{
  return !options.amsgrad() && p.is_cpu() && p.scalar_type() == at::kFloat && p.is_contiguous() &&
         p.grad().is_cpu() && p.grad().scalar_type() == at::kFloat;
}

// One parameter's update: LibTorch's arithmetic, element by element.
template <class Kind>
void update(at::Tensor& p, const at::Tensor& gradient, typename Kind::State& state, const typename Kind::Options& options)
{
  state.step(state.step() + 1);
  const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
  const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const auto c1 = static_cast<float>(1 - beta1), c2 = static_cast<float>(1 - beta2);
  const auto decay = static_cast<float>(options.weight_decay());
  const auto shrink = static_cast<float>(1 - options.lr() * options.weight_decay());  // AdamW's decay
  const auto eps = static_cast<float>(options.eps());
  const auto sqrtCorrection2 = static_cast<float>(std::sqrt(1 - std::pow(beta2, static_cast<double>(state.step()))));
  const auto stepSize = static_cast<float>(options.lr() / (1 - std::pow(beta1, static_cast<double>(state.step()))));
  const at::Tensor g = gradient.contiguous();
  float* __restrict w = p.data_ptr<float>();
  const at::Tensor& firstMoment = state.exp_avg();
  const at::Tensor& secondMoment = state.exp_avg_sq();
  float* __restrict m = firstMoment.data_ptr<float>();
  float* __restrict v = secondMoment.data_ptr<float>();
  const float* __restrict d = g.data_ptr<float>();
  // The decay's test outside the loop, which then vectorises.
  const auto pass = [&](auto decays) {
    parallelFor(0, p.numel(), 16384, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        float grad = d[i];
        if constexpr (decltype(decays)::value && Kind::decoupled) w[i] *= shrink;
        if constexpr (decltype(decays)::value && !Kind::decoupled) grad += decay * w[i];
        m[i] = m[i] * b1 + c1 * grad;
        v[i] = v[i] * b2 + c2 * grad * grad;
        w[i] -= stepSize * (m[i] / (std::sqrt(v[i]) / sqrtCorrection2 + eps));
      }
    });
  };
  if (decay != 0) pass(std::true_type{});
  else pass(std::false_type{});
}

}  // namespace

template <class Base>
at::Tensor FusedAdamStep<Base>::step(torch::optim::Optimizer::LossClosure closure)
{
  using Kind = AdamKind<Base>;
  at::Tensor loss;
  if (closure) {
    at::AutoGradMode enableGrad(true);
    loss = closure();
  }
  at::NoGradGuard noGrad;
  using StateMap = std::remove_reference_t<decltype(this->state())>;
  std::vector<std::pair<at::Tensor, at::Tensor>> updated;  // with their gradients, set aside while LibTorch's step runs
  bool others = false;
  for (auto& group : this->param_groups()) {
    const auto& options = static_cast<const typename Kind::Options&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (!fusable(p, options)) {
        others = true;
        continue;
      }
      auto& entry = this->state()[optimizerStateKey<StateMap>(p)];
      if (!entry) {
        auto fresh = std::make_unique<typename Kind::State>();
        fresh->exp_avg(at::zeros_like(p, at::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Contiguous));
        entry = std::move(fresh);
      }
      auto& s = static_cast<typename Kind::State&>(*entry);
      if (!s.exp_avg().is_contiguous() || !s.exp_avg_sq().is_contiguous()) {
        s.exp_avg(s.exp_avg().contiguous());
        s.exp_avg_sq(s.exp_avg_sq().contiguous());
      }
      update<Kind>(p, p.grad(), s, options);
      updated.emplace_back(p, p.grad());
    }
  }
  if (others) {
    for (auto& [p, gradient] : updated) p.mutable_grad() = at::Tensor();
    Base::step();
    for (auto& [p, gradient] : updated) p.mutable_grad() = gradient;
  }
  return loss;
}

template class FusedAdamStep<torch::optim::Adam>;
template class FusedAdamStep<torch::optim::AdamW>;

}  // namespace seesaw
