#include "records/geometry_snapshot.h"

#include <cmath>

#include "records/task_pairs.h"

namespace seesaw {

EntityGeometry entityRow(const EntityGeometry& from, size_t entity, size_t tasks)
{
  const size_t pairs = static_cast<size_t>(pairCount(static_cast<int>(tasks)));
  const auto row = [entity](const std::vector<float>& values, size_t width) {
    if (values.size() < (entity + 1) * width) return std::vector<float>(width, std::nanf(""));
    const auto first = values.begin() + static_cast<std::ptrdiff_t>(entity * width);
    return std::vector<float>(first, first + static_cast<std::ptrdiff_t>(width));
  };
  EntityGeometry out;
  out.count = {entity < from.count.size() ? from.count[entity] : 0};
  out.weight = row(from.weight, tasks);
  for (const LevelGeometry& level : from.levels)
    out.levels.push_back({row(level.cosine, pairs), row(level.gradNorm, tasks), row(level.magnitudeRatio, tasks)});
  return out;
}

}  // namespace seesaw
