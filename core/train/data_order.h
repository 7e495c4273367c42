#pragma once
// The order in which the training rows are drawn: every epoch a fresh shuffle of the rows by the
// run's seeded engine, taken batch by batch. A checkpoint saves it whole (the engine included),
// so that a resumed run draws the very batches the uninterrupted one would have.

#include <cstdint>
#include <random>
#include <vector>

#include "util/saved_state.h"

namespace seesaw {

class DataOrder
{
public:
  DataOrder(std::vector<int64_t> rows, uint64_t seed);

  // The next batch's rows, at most batchSize (fewer at an epoch's end); a new epoch reshuffles first.
  const std::vector<int64_t>& next(size_t batchSize);
  int64_t samplesSeen() const { return samplesSeen_; }
  double epochsSeen() const { return static_cast<double>(samplesSeen_) / static_cast<double>(rows_.size()); }
  int64_t epochIndex() const { return samplesSeen_ / static_cast<int64_t>(rows_.size()) + 1; }  // 1-based, of the next batch

  void save(SavedState& state) const;
  // Throws seesaw::Error when the saved order is over other training rows (other data or split).
  void restore(const SavedState& state);

private:
  std::vector<int64_t> rows_;   // the training rows, as the split lists them
  std::vector<int64_t> order_;  // this epoch's shuffle of rows_; empty before the first batch
  size_t cursor_ = 0;
  std::vector<int64_t> batch_;
  std::mt19937_64 engine_;
  int64_t samplesSeen_ = 0;
};

}  // namespace seesaw
