#pragma once
// A batch's samples grouped by one categorical column (the user or the item): what the per-entity
// geometry levels sum over. Built on the host from the codes the batch was drawn with, so that
// grouping never reads a value back from the device.

#include <ATen/ATen.h>

#include <vector>

namespace seesaw {

struct BatchGroups
{
  std::vector<int64_t> codes;   // [n] the entities in the batch, ascending (host)
  std::vector<int64_t> counts;  // [n] their samples in the batch (host)
  at::Tensor entity;            // [n] codes, on the device
  at::Tensor sampleGroup;       // [B] each sample's index into codes
  // Every ordered pair (i, j), i != j, of samples of one entity, and that entity's index: what the
  // sums over i, j in u add to each sample's own terms. Undefined unless asked for.
  at::Tensor pairFirst, pairSecond, pairGroup;
  int64_t size() const { return static_cast<int64_t>(codes.size()); }
  bool hasPairs() const { return pairFirst.defined() && pairFirst.size(0) > 0; }
};

// target[index[i]] += values[i] for every row i; target contiguous. One flat scatter: on the CPU a
// row-wise index_add_ dispatches a tensor add per row, a 1-D one is a plain loop.
void addIntoRows(at::Tensor& target, const at::Tensor& index, const at::Tensor& values);

// codes: the batch's entity codes [B] on the host. One transfer to the device.
BatchGroups groupBatch(const std::vector<int64_t>& codes, bool withPairs, c10::Device device);

}  // namespace seesaw
