#pragma once
// The p-quantile (0..1) of a sample, by the nearest lower rank; 0 for none.

#include <algorithm>
#include <vector>

inline double percentile(std::vector<double> v, double p)
{
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}
