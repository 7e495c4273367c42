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
  std::vector<at::Tensor> grams;
  grams.reserve(modules_.size());
  for (const auto& m : modules_) {
    const at::Tensor part = g.narrow(1, m.begin, m.end - m.begin);
    grams.push_back(at::mm(part, part.t()));
  }
  return at::stack(grams);
}

}  // namespace seesaw
