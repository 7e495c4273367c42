#include "train/geometry_levels.h"

#include <algorithm>

#include "util/error.h"
#include "util/row_products.h"

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

void checkGeometryLevels(const std::vector<std::string>& levels)
{
  const auto& names = geometryLevelNames();
  for (size_t i = 0; i < levels.size(); ++i) {
    const std::string& level = levels[i];
    if (std::find(names.begin(), names.end(), level) == names.end())
      throw Error("config field train.geometry_levels: unknown level '" + level + "' (embedding, representation, exact)");
    if (std::find(levels.begin(), levels.begin() + static_cast<long>(i), level) != levels.begin() + static_cast<long>(i))
      throw Error("config field train.geometry_levels: lists '" + level + "' twice");
  }
}

namespace {

// Sums per entity of per-sample K x K matrices [B, K, K] and of pair matrices [P, K, K] (pairs i != j).
at::Tensor perEntity(const BatchGroups& groups, const at::Tensor& perSample, const at::Tensor& perPair)
{
  at::Tensor grams = at::zeros({groups.size(), perSample.size(1), perSample.size(2)}, perSample.options());
  addIntoRows(grams, groups.sampleGroup, perSample);
  if (perPair.defined()) addIntoRows(grams, groups.pairGroup, perPair);
  return grams;
}

// Every sample's K x K Gram matrix, [B, K, K], from each task's per-sample rows [B, width].
at::Tensor sampleProducts(const std::vector<at::Tensor>& tasks) { return rowProducts(tasks, {}, tasks, {}); }

// X_i X_j^T for every pair, [P, K, K], from each task's per-sample rows [B, width]; undefined without pairs.
at::Tensor pairProducts(const std::vector<at::Tensor>& tasks, const BatchGroups& groups)
{
  if (!groups.hasPairs()) return {};
  return rowProducts(tasks, groups.pairFirst, tasks, groups.pairSecond);
}

}  // namespace

at::Tensor embeddingGrams(const at::Tensor& tableGradient, const at::Tensor& entity)
{
  const auto tasks = tableGradient.unbind(0);
  return rowProducts(tasks, entity, tasks, entity);
}

at::Tensor embeddingFit(const at::Tensor& tableGradient, const at::Tensor& combined, const at::Tensor& entity)
{
  return rowProducts(tableGradient.unbind(0), entity, {combined}, entity).squeeze(2);
}

// Both levels are sums over pairs (i, j) of an entity's samples. The pairs i == j, nearly all of
// them when entities repeat rarely in a batch, are per-sample products on the tensors as they lie;
// only the few pairs i != j are gathered.

at::Tensor representationGrams(const PerSampleGradients& samples, const BatchGroups& groups)
{
  const at::Tensor& e = samples.embedded;  // for the sizes: [B, K, ...]
  const int64_t K = e.size(1);
  at::Tensor perSample = at::zeros({e.size(0), K, K}, e.options());
  at::Tensor perPair = groups.hasPairs() ? at::zeros({groups.pairFirst.size(0), K, K}, e.options()) : at::Tensor();
  for (const auto& output : samples.representation) {
    const std::vector<at::Tensor> tasks = output.unbind(1);
    perSample.add_(sampleProducts(tasks));
    if (perPair.defined()) perPair.add_(pairProducts(tasks, groups));
  }
  return perEntity(groups, perSample, perPair);
}

at::Tensor exactGrams(const PerSampleGradients& samples, const BatchGroups& groups)
{
  // <G_u^k, G_u^l> = sum over pairs (i, j) of u's samples of each parameter block's per-sample
  // inner products: (d_i^k . d_j^l)(a_i . a_j + 1) for a linear layer (the 1 is its bias), and
  // e_i^k . e_j^l for an embedding field where i and j looked up the same row (always when i == j).
  const at::Tensor& e = samples.embedded;  // [B, K, F * dim]
  at::Tensor perSample = sampleProducts(e.unbind(1));
  for (const auto& layer : samples.layers)
    perSample.addcmul_(sampleProducts(layer.outputGrad.unbind(1)), sampleProducts({layer.input}).add_(1));
  if (!groups.hasPairs()) return perEntity(groups, perSample, {});

  const at::Tensor& first = groups.pairFirst;
  const at::Tensor& second = groups.pairSecond;
  at::Tensor perPair = at::zeros({first.size(0), e.size(1), e.size(1)}, e.options());
  for (const auto& layer : samples.layers)
    perPair.addcmul_(pairProducts(layer.outputGrad.unbind(1), groups), pairProducts({layer.input}, groups).add_(1));
  // The fields where the pair's samples looked up the same row: the first sample's embedding
  // gradients with every other field's columns zeroed, against the second's.
  const int64_t F = samples.categorical.size(1), dim = e.size(2) / F;
  const at::Tensor sameRow = samples.categorical.index_select(0, first).eq(samples.categorical.index_select(0, second));
  const at::Tensor sameRowColumns = sameRow.to(e.scalar_type()).repeat_interleave(dim, 1).unsqueeze(1);  // [P, 1, F * dim]
  perPair.add_(rowProducts((e.index_select(0, first) * sameRowColumns).unbind(1), {}, e.index_select(0, second).unbind(1), {}));
  return perEntity(groups, perSample, perPair);
}

}  // namespace seesaw
