#include "data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "util/error.h"

namespace seesaw {
namespace {

void validate(const SyntheticConfig& c)
{
  auto require = [](bool ok, const char* field, const std::string& why) {
    if (!ok) throw Error(std::string("config field data.synthetic.") + field + ": " + why);
  };
  // Upper bounds too: the table is generated in memory, and a typo (a few zeros too many) must be
  // refused by name, not run into std::bad_alloc after minutes.
  require(c.users > 0 && c.users <= 100'000'000, "users", "must lie in [1, 100,000,000]");
  require(c.items > 0 && c.items <= 100'000'000, "items", "must lie in [1, 100,000,000]");
  require(c.rows > 0 && c.rows <= 200'000'000, "rows", "must lie in [1, 200,000,000] (the table is held in memory)");
  require(c.tasks >= 1 && c.tasks <= 64, "tasks", "must lie in [1, 64]");
  require(c.latentDim >= 1 && c.latentDim <= 1024, "latent_dim", "must lie in [1, 1024]");
  require(c.denseFeatures >= 0 && c.denseFeatures <= 1024, "dense_features", "must lie in [0, 1024]");
  require(c.sineTerms >= 0 && c.sineTerms <= 1000, "sine_terms", "must lie in [0, 1000]");
  require(c.latentDim + c.denseFeatures >= c.tasks, "latent_dim",
          "latent_dim + dense_features must be at least the number of tasks (one basis vector per task)");
  require(!c.groups.empty(), "groups", "needs at least one group");
  for (const auto& g : c.groups) {
    require(g.taskCosine >= -1.0 && g.taskCosine <= 1.0, "groups[].task_cosine", "must lie in [-1, 1]");
    require(g.share > 0, "groups[].share", "must be positive");
  }
  for (int32_t card : c.extraCardinalities) require(card > 0 && card <= 100'000'000, "extra_cardinalities", "each must lie in [1, 100,000,000]");
  require(c.noiseStd >= 0, "noise_std", "must not be negative");
}

using Vector = std::vector<double>;

double dot(const Vector& a, const Vector& b)
{
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Orthonormal vectors e_1..e_K in R^d by Gram-Schmidt on Gaussian draws.
std::vector<Vector> orthonormalBasis(int count, int dim, std::mt19937_64& rng)
{
  std::normal_distribution<double> normal;
  std::vector<Vector> basis;
  while (static_cast<int>(basis.size()) < count) {
    Vector v(dim);
    for (auto& x : v) x = normal(rng);
    for (const auto& b : basis) {
      double p = dot(v, b);
      for (int i = 0; i < dim; ++i) v[i] -= p * b[i];
    }
    double n = std::sqrt(dot(v, v));
    if (n < 1e-6) continue;
    for (auto& x : v) x /= n;
    basis.push_back(std::move(v));
  }
  return basis;
}

}  // namespace

InteractionTable generateSynthetic(const SyntheticConfig& c)
{
  validate(c);
  std::mt19937_64 rng(c.seed);
  std::normal_distribution<double> normal;
  const int d = c.latentDim + c.denseFeatures;

  // Task weights per group share one basis, so groups differ only in their task cosine.
  const auto basis = orthonormalBasis(c.tasks, d, rng);
  std::vector<std::vector<Vector>> weights(c.groups.size());
  for (size_t g = 0; g < c.groups.size(); ++g) {
    const double p = c.groups[g].taskCosine;
    for (int k = 0; k < c.tasks; ++k) {
      Vector w(d);
      for (int i = 0; i < d; ++i)
        w[i] = k == 0 ? c.scale * basis[0][i] : c.scale * (p * basis[0][i] + std::sqrt(1 - p * p) * basis[k][i]);
      weights[g].push_back(std::move(w));
    }
  }
  Vector alpha(c.sineTerms), beta(c.sineTerms);
  for (int i = 0; i < c.sineTerms; ++i) {
    alpha[i] = normal(rng);
    beta[i] = normal(rng);
  }

  auto latent = [&](int32_t count) {
    std::vector<Vector> vs(count, Vector(c.latentDim));
    for (auto& v : vs)
      for (auto& x : v) x = normal(rng);
    return vs;
  };
  const auto userLatent = latent(c.users);
  const auto itemLatent = latent(c.items);

  InteractionTable table;
  table.user.name = "user";
  table.item.name = "item";
  for (int32_t u = 0; u < c.users; ++u) table.user.vocabulary.push_back(std::to_string(u));
  for (int32_t i = 0; i < c.items; ++i) table.item.vocabulary.push_back(std::to_string(i));

  std::discrete_distribution<int32_t> pickGroup(
      c.groups.size(), 0.0, static_cast<double>(c.groups.size()),
      [&](double x) { return c.groups[static_cast<size_t>(x)].share; });
  table.userGroup.resize(c.users);
  for (auto& g : table.userGroup) g = pickGroup(rng);

  std::vector<Vector> fieldBias;
  for (size_t f = 0; f < c.extraCardinalities.size(); ++f) {
    CategoricalColumn column{"field" + std::to_string(f), {}, {}};
    for (int32_t v = 0; v < c.extraCardinalities[f]; ++v) column.vocabulary.push_back(std::to_string(v));
    table.categorical.push_back(std::move(column));
    Vector bias(c.extraCardinalities[f]);
    for (auto& b : bias) b = 0.3 * normal(rng);
    fieldBias.push_back(std::move(bias));
  }
  for (int j = 0; j < c.denseFeatures; ++j) table.dense.push_back({"dense" + std::to_string(j), {}});
  for (int k = 0; k < c.tasks; ++k) table.tasks.push_back({"task" + std::to_string(k), c.taskType, {}});

  const auto n = static_cast<size_t>(c.rows);
  table.user.codes.resize(n);
  table.item.codes.resize(n);
  for (auto& col : table.categorical) col.codes.resize(n);
  for (auto& col : table.dense) col.values.resize(n);
  for (auto& task : table.tasks) task.labels.resize(n);

  std::uniform_int_distribution<int32_t> pickUser(0, c.users - 1), pickItem(0, c.items - 1);
  Vector z(d);
  const double invSqrt2 = 1.0 / std::sqrt(2.0);
  for (size_t r = 0; r < n; ++r) {
    const int32_t u = pickUser(rng), i = pickItem(rng);
    table.user.codes[r] = u;
    table.item.codes[r] = i;
    for (int j = 0; j < c.latentDim; ++j) z[j] = (userLatent[u][j] + itemLatent[i][j]) * invSqrt2;
    for (int j = 0; j < c.denseFeatures; ++j) {
      z[c.latentDim + j] = normal(rng);
      table.dense[j].values[r] = static_cast<float>(z[c.latentDim + j]);
    }
    double bias = 0;
    for (size_t f = 0; f < fieldBias.size(); ++f) {
      std::uniform_int_distribution<int32_t> pickValue(0, c.extraCardinalities[f] - 1);
      const int32_t v = pickValue(rng);
      table.categorical[f].codes[r] = v;
      bias += fieldBias[f][v];
    }
    const auto& groupWeights = weights[table.userGroup[u]];
    for (int k = 0; k < c.tasks; ++k) {
      const double s = dot(groupWeights[k], z);
      double y = s + bias + c.noiseStd * normal(rng);
      for (int m = 0; m < c.sineTerms; ++m) y += std::sin(alpha[m] * s + beta[m]);
      table.tasks[k].labels[r] = static_cast<float>(y);
    }
  }

  if (c.taskType == TaskType::Binary) {
    for (auto& task : table.tasks) {
      std::vector<float> sorted = task.labels;
      auto mid = sorted.begin() + static_cast<std::ptrdiff_t>(n / 2);
      std::nth_element(sorted.begin(), mid, sorted.end());
      const float median = *mid;
      for (auto& y : task.labels) y = y > median ? 1.0f : 0.0f;
    }
  }
  table.checkConsistent();
  return table;
}

}  // namespace seesaw
