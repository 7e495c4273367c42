#pragma once
// Task pairs: every per-pair value (a step's module cosines, a snapshot's cosines, a view's pair
// series) is stored for the pairs (k, l), k < l, in the order (0,1), (0,2), ..., (0,K-1), (1,2), ...
// A step's cosine is recorded as the whole K x K matrix instead (its diagonal says whether a
// task's gradient was zero); pairEntries takes the pairs out of it. Every conversion between a
// task pair and its index goes through here.

#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace seesaw {

constexpr int pairCount(int tasks) { return tasks * (tasks - 1) / 2; }

// The index of the pair of tasks k and l (in either order, k != l) among `tasks` tasks.
constexpr int pairIndex(int k, int l, int tasks)
{
  const int a = k < l ? k : l, b = k < l ? l : k;
  return a * tasks - a * (a + 1) / 2 + (b - a - 1);
}

// The tasks (k, l), k < l, of pair `pair`; (-1, -1) for an index out of range.
inline std::pair<int, int> pairTasks(int pair, int tasks)
{
  if (pair < 0 || pair >= pairCount(tasks)) return {-1, -1};
  int k = 0;
  while (pairIndex(k, tasks - 1, tasks) < pair) ++k;
  return {k, pair - pairIndex(k, k + 1, tasks) + k + 1};
}

// Calls fn(k, l) for every pair, in pair order.
template <typename Fn>
void forEachPair(int tasks, Fn&& fn)
{
  for (int k = 0; k < tasks; ++k)
    for (int l = k + 1; l < tasks; ++l) fn(k, l);
}

// Copies the pairs' entries of a row-major tasks x tasks matrix to `out`, in pair order.
template <typename T, typename Out>
Out copyPairEntries(const T* matrix, int tasks, Out out)
{
  forEachPair(tasks, [&](int k, int l) { *out++ = matrix[k * tasks + l]; });
  return out;
}

// The pairs' entries of a row-major tasks x tasks matrix; empty for a matrix of another size (a
// step recorded without analysis).
template <typename T>
std::vector<T> pairEntries(const std::vector<T>& matrix, int tasks)
{
  std::vector<T> out;
  if (matrix.size() != static_cast<size_t>(tasks) * static_cast<size_t>(tasks)) return out;
  out.reserve(static_cast<size_t>(pairCount(tasks)));
  copyPairEntries(matrix.data(), tasks, std::back_inserter(out));
  return out;
}

}  // namespace seesaw
