#include "util/row_products.h"

#include <ATen/Parallel.h>

namespace seesaw {
namespace {

float dot(const float* a, const float* b, int64_t n)
{
  // Eight independent partial sums: a loop the compiler vectorizes without reassociating floats.
  float partial[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) partial[j] += a[i + j] * b[i + j];
  float sum = 0;
  for (; i < n; ++i) sum += a[i] * b[i];
  for (float p : partial) sum += p;
  return sum;
}

bool loopable(const std::vector<at::Tensor>& matrices)
{
  for (const auto& m : matrices)
    if (!m.is_cpu() || m.scalar_type() != at::kFloat || m.dim() != 2 || (m.size(1) > 1 && m.stride(1) != 1)) return false;
  return true;
}

}  // namespace

at::Tensor rowProducts(const std::vector<at::Tensor>& a, const at::Tensor& rowsA, const std::vector<at::Tensor>& b,
                       const at::Tensor& rowsB)
{
  const int64_t n = rowsA.defined() ? rowsA.size(0) : a.front().size(0);
  const bool indexed = rowsA.defined();
  if (!loopable(a) || !loopable(b) || (indexed && !rowsA.is_cpu())) {
    auto gather = [](const std::vector<at::Tensor>& matrices, const at::Tensor& rows) {
      std::vector<at::Tensor> picked;
      for (const auto& m : matrices) picked.push_back(rows.defined() ? m.index_select(0, rows) : m);
      return at::stack(picked, 1);  // [n, |matrices|, W]
    };
    return at::bmm(gather(a, rowsA), gather(b, rowsB).transpose(1, 2));
  }
  const auto A = static_cast<int64_t>(a.size()), Bn = static_cast<int64_t>(b.size()), W = a.front().size(1);
  // The same rows of the same matrices: a Gram matrix, of which the upper triangle is enough.
  const bool symmetric = &a == &b && rowsA.is_same(rowsB);
  std::vector<const float*> baseA, baseB;
  std::vector<int64_t> strideA, strideB;
  for (const auto& m : a) baseA.push_back(m.data_ptr<float>()), strideA.push_back(m.stride(0));
  for (const auto& m : b) baseB.push_back(m.data_ptr<float>()), strideB.push_back(m.stride(0));
  const at::Tensor ia = indexed ? rowsA.to(at::kLong).contiguous() : at::Tensor();
  const at::Tensor ib = indexed ? rowsB.to(at::kLong).contiguous() : at::Tensor();
  const int64_t* pa = indexed ? ia.data_ptr<int64_t>() : nullptr;
  const int64_t* pb = indexed ? ib.data_ptr<int64_t>() : nullptr;
  at::Tensor out = at::empty({n, A, Bn}, a.front().options());
  float* o = out.data_ptr<float>();
  at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t ra = pa ? pa[i] : i, rb = pb ? pb[i] : i;
      float* oi = o + i * A * Bn;
      for (int64_t k = 0; k < A; ++k)
        for (int64_t l = symmetric ? k : 0; l < Bn; ++l) {
          const float v = dot(baseA[k] + ra * strideA[k], baseB[l] + rb * strideB[l], W);
          oi[k * Bn + l] = v;
          if (symmetric) oi[l * Bn + k] = v;
        }
    }
  });
  return out;
}

}  // namespace seesaw
