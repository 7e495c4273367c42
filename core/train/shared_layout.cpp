#include "train/shared_layout.h"

#include <stdexcept>

namespace seesaw {

SharedLayout::SharedLayout(const std::vector<ParameterInfo>& info)
{
  for (const auto& p : info) {
    if (p.task >= 0) continue;
    if (modules_.empty() || modules_.back().name != p.module) {
      for (const auto& m : modules_)
        if (m.name == p.module) throw std::logic_error("shared module '" + p.module + "' is not contiguous");
      modules_.push_back({p.module, size_, size_});
    }
    slots_.push_back({p.tensor, size_, p.tensor.numel()});
    size_ += p.tensor.numel();
    modules_.back().end = size_;
  }
}

std::vector<std::string> SharedLayout::moduleNames() const
{
  std::vector<std::string> names;
  for (const auto& m : modules_) names.push_back(m.name);
  return names;
}

at::Tensor SharedLayout::moduleGrams(const at::Tensor& g) const
{
  // One dot product per task pair: BLAS is ten times faster at that than at a [K, n] x [n, K]
  // product, whose output is too small for its matrix kernels.
  const int64_t K = g.size(0);
  at::Tensor grams = at::empty({static_cast<int64_t>(modules_.size()), K, K}, g.options());
  for (size_t m = 0; m < modules_.size(); ++m) {
    const at::Tensor part = g.narrow(1, modules_[m].begin, modules_[m].end - modules_[m].begin);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t l = k; l < K; ++l) {
        const at::Tensor dot = at::dot(part[k], part[l]);
        grams[static_cast<int64_t>(m)][k][l].copy_(dot);
        if (l != k) grams[static_cast<int64_t>(m)][l][k].copy_(dot);
      }
  }
  return grams;
}

}  // namespace seesaw
