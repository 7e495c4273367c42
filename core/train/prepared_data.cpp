#include "train/prepared_data.h"

#include <cmath>

#include "data/load_table.h"

namespace seesaw {
namespace {

// Standardizes dense values with the training rows' mean and deviation; missing values become
// the mean (0 after standardizing).
void standardize(std::vector<float>& column, const std::vector<int64_t>& trainRows)
{
  double sum = 0, sumSq = 0;
  size_t n = 0;
  for (int64_t r : trainRows) {
    const double v = column[r];
    if (std::isnan(v)) continue;
    sum += v;
    sumSq += v * v;
    ++n;
  }
  const double mean = n ? sum / static_cast<double>(n) : 0.0;
  const double var = n ? sumSq / static_cast<double>(n) - mean * mean : 0.0;
  const double sd = var > 1e-12 ? std::sqrt(var) : 1.0;
  for (auto& v : column) v = std::isnan(v) ? 0.0f : static_cast<float>((v - mean) / sd);
}

}  // namespace

PreparedData prepareData(InteractionTable table, const SplitConfig& splitConfig)
{
  PreparedData d;
  d.split = splitRows(table, splitConfig);
  const auto n = static_cast<int64_t>(table.rows());

  std::vector<const CategoricalColumn*> fields = {&table.user, &table.item};
  for (const auto& c : table.categorical) fields.push_back(&c);
  const auto F = static_cast<int64_t>(fields.size());
  d.categorical = at::empty({n, F}, at::kLong);
  auto cat = d.categorical.accessor<int64_t, 2>();
  for (int64_t f = 0; f < F; ++f) {
    d.spec.categoricalNames.push_back(f == 0 ? "user" : f == 1 ? "item" : fields[f]->name);
    d.spec.cardinalities.push_back(std::max<int64_t>(1, fields[f]->cardinality()));
    for (int64_t r = 0; r < n; ++r) cat[r][f] = fields[f]->codes[r];
  }

  const auto D = static_cast<int64_t>(table.dense.size());
  d.spec.denseCount = D;
  d.dense = at::empty({n, D}, at::kFloat);
  auto dense = d.dense.accessor<float, 2>();
  for (int64_t j = 0; j < D; ++j) {
    std::vector<float> column = table.dense[j].values;
    standardize(column, d.split.train);
    for (int64_t r = 0; r < n; ++r) dense[r][j] = column[r];
  }

  const auto K = static_cast<int64_t>(table.taskCount());
  d.labels = at::empty({n, K}, at::kFloat);
  auto labels = d.labels.accessor<float, 2>();
  for (int64_t k = 0; k < K; ++k) {
    d.spec.taskNames.push_back(table.tasks[k].name);
    for (int64_t r = 0; r < n; ++r) labels[r][k] = table.tasks[k].labels[r];
  }
  d.table = std::move(table);
  return d;
}

PreparedData prepareData(const DataConfig& config) { return prepareData(loadTable(config), config.split); }

}  // namespace seesaw
