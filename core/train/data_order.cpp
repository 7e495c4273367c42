#include "train/data_order.h"

#include <algorithm>

#include "util/error.h"

namespace seesaw {

DataOrder::DataOrder(std::vector<int64_t> rows, uint64_t seed) : rows_(std::move(rows)), engine_(seed) {}

const std::vector<int64_t>& DataOrder::next(size_t batchSize)
{
  if (cursor_ >= order_.size()) {
    order_ = rows_;
    std::shuffle(order_.begin(), order_.end(), engine_);
    cursor_ = 0;
  }
  const size_t n = std::min(order_.size() - cursor_, batchSize);
  batch_.assign(order_.begin() + static_cast<std::ptrdiff_t>(cursor_), order_.begin() + static_cast<std::ptrdiff_t>(cursor_ + n));
  cursor_ += n;
  samplesSeen_ += static_cast<int64_t>(n);
  return batch_;
}

namespace {

at::Tensor longs(const std::vector<int64_t>& v)
{
  return at::tensor(at::ArrayRef<int64_t>(v), at::kLong);
}

std::vector<int64_t> longsOf(const at::Tensor& t)
{
  const at::Tensor c = t.to(at::kCPU, at::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

}  // namespace

void DataOrder::save(SavedState& state) const
{
  state.put("rows", longs(rows_));
  state.put("order", longs(order_));
  state.putNumbers("cursor", {static_cast<double>(cursor_)});
  state.putNumbers("samples_seen", {static_cast<double>(samplesSeen_)});
  state.putEngine("engine", engine_);
}

void DataOrder::restore(const SavedState& state)
{
  if (longsOf(state.get("rows")) != rows_)
    throw Error("its training rows differ from this run's (other data, split or seed)");
  std::vector<int64_t> order = longsOf(state.get("order"));
  const auto cursor = static_cast<size_t>(state.number("cursor"));
  if (!order.empty() && (order.size() != rows_.size() || cursor > order.size()))
    throw Error("its data order does not fit the training rows");
  order_ = std::move(order);
  cursor_ = cursor;
  samplesSeen_ = static_cast<int64_t>(state.number("samples_seen"));
  state.restoreEngine("engine", engine_);
}

}  // namespace seesaw
