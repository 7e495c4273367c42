#include "util/row_products.h"

#include <ATen/core/grad_mode.h>

#include "util/parallel.h"

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
  parallelFor(0, n, 64, [&](int64_t begin, int64_t end) {
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

std::vector<at::Tensor> rowCombinations(const at::Tensor& weights, const std::vector<at::Tensor>& rows)
{
  const int64_t n = weights.size(0), K = weights.size(1), E = weights.size(2);
  bool recorded = weights.requires_grad();
  for (const auto& r : rows) recorded = recorded || r.requires_grad();
  std::vector<at::Tensor> out;
  if ((recorded && at::GradMode::is_enabled()) || !loopable(rows) || !weights.is_cpu() || weights.scalar_type() != at::kFloat) {
    // A sum of scaled matrices rather than bmm over [n, E, W], which runs n tiny products, or a
    // stacked broadcast, which copies every row once more.
    for (int64_t k = 0; k < K; ++k) {
      at::Tensor sum = rows[0] * weights.select(1, k).narrow(1, 0, 1);
      for (int64_t e = 1; e < E; ++e) sum = sum + rows[e] * weights.select(1, k).narrow(1, e, 1);
      out.push_back(sum);
    }
    return out;
  }
  const int64_t W = rows.front().size(1);
  const at::Tensor w = weights.contiguous();
  const float* pw = w.data_ptr<float>();
  std::vector<const float*> in;
  std::vector<int64_t> stride;
  for (const auto& r : rows) in.push_back(r.data_ptr<float>()), stride.push_back(r.stride(0));
  std::vector<float*> o;
  for (int64_t k = 0; k < K; ++k) {
    out.push_back(at::empty({n, W}, rows.front().options()));
    o.push_back(out.back().data_ptr<float>());
  }
  parallelFor(0, n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      for (int64_t k = 0; k < K; ++k) {
        float* __restrict target = o[k] + i * W;
        const float* wi = pw + (i * K + k) * E;
        for (int64_t j = 0; j < W; ++j) target[j] = wi[0] * in[0][i * stride[0] + j];
        for (int64_t e = 1; e < E; ++e) {
          const float* __restrict source = in[e] + i * stride[e];
          for (int64_t j = 0; j < W; ++j) target[j] += wi[e] * source[j];
        }
      }
  });
  return out;
}

}  // namespace seesaw
