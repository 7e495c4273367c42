#include "train/shared_layout.h"

#include <algorithm>
#include <stdexcept>

#include "util/parallel.h"

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
  // [K, n] x [n, K] products over column chunks that stay in cache, side by side: a product over a
  // whole module leaves BLAS's matrix kernels nothing to block, one dot product per task pair
  // reads every column K times from memory, and a second thread on one chunk gains nothing.
  constexpr int64_t kChunk = 16384;
  const int64_t K = g.size(0);
  std::vector<int64_t> chunkBegin, chunkEnd, firstChunk;  // firstChunk[m]: module m's first chunk
  for (const auto& m : modules_) {
    firstChunk.push_back(static_cast<int64_t>(chunkBegin.size()));
    for (int64_t begin = m.begin; begin < m.end; begin += kChunk) {
      chunkBegin.push_back(begin);
      chunkEnd.push_back(std::min(begin + kChunk, m.end));
    }
  }
  firstChunk.push_back(static_cast<int64_t>(chunkBegin.size()));
  const at::Tensor chunkGrams = at::empty({static_cast<int64_t>(chunkBegin.size()), K, K}, g.options());
  sideBySide(static_cast<int64_t>(chunkBegin.size()), g.device(), [&](int64_t c) {
    const at::Tensor part = g.narrow(1, chunkBegin[c], chunkEnd[c] - chunkBegin[c]);
    at::Tensor out = chunkGrams[c];
    at::mm_out(out, part, part.t());
  });
  std::vector<at::Tensor> grams;
  for (size_t m = 0; m < modules_.size(); ++m)
    grams.push_back(chunkGrams.narrow(0, firstChunk[m], firstChunk[m + 1] - firstChunk[m]).sum(0));
  return at::stack(grams);
}

}  // namespace seesaw
