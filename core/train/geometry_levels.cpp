#include "train/geometry_levels.h"

#include <ATen/Parallel.h>

#include "util/error.h"

namespace seesaw {

const std::vector<std::string>& geometryLevelNames()
{
  static const std::vector<std::string> names = {"embedding", "representation", "exact"};
  return names;
}

GeometryLevel geometryLevel(const std::string& name)
{
  const auto& names = geometryLevelNames();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<GeometryLevel>(i);
  throw Error("unknown geometry level '" + name + "' (embedding, representation, exact)");
}

std::string geometryLevelName(GeometryLevel level) { return geometryLevelNames()[static_cast<size_t>(level)]; }

namespace {

// Sums per entity of per-sample K x K matrices [B, K, K] and of pair matrices [P, K, K] (pairs i != j).
at::Tensor perEntity(const BatchGroups& groups, const at::Tensor& perSample, const at::Tensor& perPair)
{
  at::Tensor grams = at::zeros({groups.size(), perSample.size(1), perSample.size(2)}, perSample.options());
  addIntoRows(grams, groups.sampleGroup, perSample);
  if (perPair.defined()) addIntoRows(grams, groups.pairGroup, perPair);
  return grams;
}

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

// X_b X_b^T for every sample of [B, K, W], [B, K, K]. On the CPU a loop: bmm there hands each of
// the B tiny products to BLAS one call at a time, which cost W1 more than the products themselves.
at::Tensor sampleProducts(const at::Tensor& samples)
{
  if (!samples.is_cpu() || samples.scalar_type() != at::kFloat) return at::bmm(samples, samples.transpose(1, 2));
  const at::Tensor x = samples.contiguous();
  const int64_t B = x.size(0), K = x.size(1), W = x.size(2);
  at::Tensor out = at::empty({B, K, K}, x.options());
  const float* in = x.data_ptr<float>();
  float* o = out.data_ptr<float>();
  at::parallel_for(0, B, 64, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b)
      for (int64_t k = 0; k < K; ++k)
        for (int64_t l = k; l < K; ++l) o[(b * K + k) * K + l] = o[(b * K + l) * K + k] = dot(in + (b * K + k) * W, in + (b * K + l) * W, W);
  });
  return out;
}

// X_i X_j^T for every pair, [P, K, K], from per-sample [B, K, width]; undefined without pairs.
at::Tensor pairProducts(const at::Tensor& samples, const BatchGroups& groups)
{
  if (!groups.hasPairs()) return {};
  return at::bmm(samples.index_select(0, groups.pairFirst), samples.index_select(0, groups.pairSecond).transpose(1, 2));
}

}  // namespace

at::Tensor embeddingGrams(const at::Tensor& rows) { return sampleProducts(rows.transpose(0, 1)); }

// Both levels are sums over pairs (i, j) of an entity's samples. The pairs i == j, nearly all of
// them when entities repeat rarely in a batch, are per-sample products on the tensors as they lie;
// only the few pairs i != j are gathered.

at::Tensor representationGrams(const PerSampleGradients& samples, const BatchGroups& groups)
{
  const at::Tensor& r = samples.representation;  // [B, K, D]
  return perEntity(groups, sampleProducts(r), pairProducts(r, groups));
}

at::Tensor exactGrams(const PerSampleGradients& samples, const BatchGroups& groups)
{
  // <G_u^k, G_u^l> = sum over pairs (i, j) of u's samples of each parameter block's per-sample
  // inner products: (d_i^k . d_j^l)(a_i . a_j + 1) for a linear layer (the 1 is its bias), and
  // e_i^k . e_j^l for an embedding field where i and j looked up the same row (always when i == j).
  const at::Tensor& e = samples.embedded;  // [B, K, F * dim]
  at::Tensor perSample = sampleProducts(e);
  for (const auto& layer : samples.layers)
    perSample.addcmul_(sampleProducts(layer.outputGrad),
                       (layer.input * layer.input).sum(1).add_(1).view({-1, 1, 1}));
  if (!groups.hasPairs()) return perEntity(groups, perSample, {});

  const at::Tensor& first = groups.pairFirst;
  const at::Tensor& second = groups.pairSecond;
  const int64_t P = first.size(0), K = e.size(1);
  at::Tensor perPair = at::zeros({P, K, K}, e.options());
  for (const auto& layer : samples.layers) {
    const at::Tensor inputs = (layer.input.index_select(0, first) * layer.input.index_select(0, second)).sum(1).add_(1);
    perPair.addcmul_(pairProducts(layer.outputGrad, groups), inputs.view({P, 1, 1}));
  }
  const int64_t F = samples.categorical.size(1), dim = e.size(2) / F;
  auto rowsOf = [&](const at::Tensor& index) {  // [P * F, K, dim]
    return e.index_select(0, index).view({P, K, F, dim}).permute({0, 2, 1, 3}).reshape({P * F, K, dim});
  };
  const at::Tensor fieldDots = at::bmm(rowsOf(first), rowsOf(second).transpose(1, 2)).view({P, F, K, K});
  const at::Tensor sameRow =
      samples.categorical.index_select(0, first).eq(samples.categorical.index_select(0, second)).to(fieldDots.scalar_type());
  perPair.add_((fieldDots * sameRow.view({P, F, 1, 1})).sum(1));
  return perEntity(groups, perSample, perPair);
}

}  // namespace seesaw
