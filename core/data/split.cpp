#include "data/split.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "util/error.h"

namespace seesaw {
namespace {

Split randomSplit(size_t rows, const SplitConfig& c)
{
  std::vector<int64_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(c.seed);
  std::shuffle(order.begin(), order.end(), rng);
  const auto nTest = static_cast<size_t>(std::llround(c.testFraction * static_cast<double>(rows)));
  const auto nValid = static_cast<size_t>(std::llround(c.validFraction * static_cast<double>(rows)));
  Split s;
  s.test.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(nTest));
  s.valid.assign(order.begin() + static_cast<std::ptrdiff_t>(nTest),
                 order.begin() + static_cast<std::ptrdiff_t>(nTest + nValid));
  s.train.assign(order.begin() + static_cast<std::ptrdiff_t>(nTest + nValid), order.end());
  std::sort(s.valid.begin(), s.valid.end());
  std::sort(s.test.begin(), s.test.end());
  return s;
}

Split timeSplit(const InteractionTable& table, const SplitConfig& c)
{
  if (!table.timestamp) throw Error("config field data.split.method: 'time' needs a timestamp column (data.columns.timestamp)");
  const auto& ts = *table.timestamp;
  std::vector<std::vector<int64_t>> byUser(table.user.vocabulary.size());
  for (size_t r = 0; r < table.rows(); ++r) byUser[table.user.codes[r]].push_back(static_cast<int64_t>(r));
  Split s;
  for (auto& rows : byUser) {
    std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return ts[a] < ts[b]; });
    const size_t n = rows.size();
    // Round, but leave every user at least one training row.
    size_t nTest = std::min(n - 1, static_cast<size_t>(std::llround(c.testFraction * static_cast<double>(n))));
    size_t nValid = std::min(n - 1 - nTest, static_cast<size_t>(std::llround(c.validFraction * static_cast<double>(n))));
    const size_t nTrain = n - nTest - nValid;
    s.train.insert(s.train.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(nTrain));
    s.valid.insert(s.valid.end(), rows.begin() + static_cast<std::ptrdiff_t>(nTrain),
                   rows.begin() + static_cast<std::ptrdiff_t>(nTrain + nValid));
    s.test.insert(s.test.end(), rows.begin() + static_cast<std::ptrdiff_t>(nTrain + nValid), rows.end());
  }
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.valid.begin(), s.valid.end());
  std::sort(s.test.begin(), s.test.end());
  return s;
}

}  // namespace

Split splitRows(const InteractionTable& table, const SplitConfig& c)
{
  if (c.validFraction < 0 || c.testFraction < 0 || c.validFraction + c.testFraction >= 1)
    throw Error("config fields data.split.valid and data.split.test: each must be >= 0 and together below 1");
  return c.method == SplitMethod::Random ? randomSplit(table.rows(), c) : timeSplit(table, c);
}

}  // namespace seesaw
