#include "train/batch_groups.h"

#include <algorithm>
#include <numeric>

namespace seesaw {

void addIntoRows(at::Tensor& target, const at::Tensor& index, const at::Tensor& values)
{
  const int64_t width = target.numel() / std::max<int64_t>(1, target.size(0));
  const at::Tensor columns = at::arange(width, index.options());
  const at::Tensor flat = (index.unsqueeze(1) * width + columns).view(-1);
  target.view(-1).index_add_(0, flat, values.reshape(-1));
}

BatchGroups groupBatch(const std::vector<int64_t>& codes, bool withPairs, c10::Device device)
{
  const auto B = static_cast<int64_t>(codes.size());
  std::vector<int64_t> order(codes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return codes[a] < codes[b]; });

  BatchGroups g;
  std::vector<int64_t> sampleGroup(codes.size()), pairs[3];
  for (int64_t begin = 0; begin < B;) {
    int64_t end = begin + 1;
    while (end < B && codes[order[end]] == codes[order[begin]]) ++end;
    const auto group = g.size();
    g.codes.push_back(codes[order[begin]]);
    g.counts.push_back(end - begin);
    for (int64_t i = begin; i < end; ++i) {
      sampleGroup[order[i]] = group;
      if (!withPairs) continue;
      for (int64_t j = begin; j < end; ++j) {
        if (j == i) continue;
        pairs[0].push_back(order[i]);
        pairs[1].push_back(order[j]);
        pairs[2].push_back(group);
      }
    }
    begin = end;
  }
  // Everything in one host buffer, so that a device gets one copy.
  std::vector<int64_t> host = g.codes;
  host.insert(host.end(), sampleGroup.begin(), sampleGroup.end());
  for (const auto& p : pairs) host.insert(host.end(), p.begin(), p.end());
  const at::Tensor all = at::from_blob(host.data(), {static_cast<int64_t>(host.size())}, at::kLong).to(device, at::kLong, false, /*copy=*/true);
  const int64_t n = g.size(), P = static_cast<int64_t>(pairs[0].size());
  g.entity = all.narrow(0, 0, n);
  g.sampleGroup = all.narrow(0, n, B);
  if (withPairs) {
    g.pairFirst = all.narrow(0, n + B, P);
    g.pairSecond = all.narrow(0, n + B + P, P);
    g.pairGroup = all.narrow(0, n + B + 2 * P, P);
  }
  return g;
}

}  // namespace seesaw
