#include "train/shared_layout.h"

#include <algorithm>
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
  // [K, n] x [n, K] products over column chunks that stay in cache: a product over a whole module
  // leaves BLAS's matrix kernels nothing to block, and one dot product per task pair reads every
  // column K times from memory.
  constexpr int64_t kChunk = 16384;
  const int64_t K = g.size(0);
  at::Tensor grams = at::zeros({static_cast<int64_t>(modules_.size()), K, K}, g.options());
  for (size_t m = 0; m < modules_.size(); ++m) {
    at::Tensor gram = grams[static_cast<int64_t>(m)];
    for (int64_t begin = modules_[m].begin; begin < modules_[m].end; begin += kChunk) {
      const at::Tensor part = g.narrow(1, begin, std::min(kChunk, modules_[m].end - begin));
      gram.addmm_(part, part.t());
    }
  }
  return grams;
}

}  // namespace seesaw
