#pragma once
// Per-entity (user or item) task-gradient geometry over a window of steps, at each recorded level
// (docs/per-user-geometry.md). Inner products and squared norms are summed over the window's steps
// before the cosine is taken. Entities not seen in the window have count 0 and NaN elsewhere.

#include <cstddef>
#include <cstdint>
#include <future>
#include <vector>

namespace seesaw {

struct LevelGeometry
{
  std::vector<float> cosine;          // [E*P] per entity, then per task pair
  std::vector<float> gradNorm;        // [E*K] square root of the window's summed squared norms
  std::vector<float> magnitudeRatio;  // [E*K] each norm over the entity's largest
};

struct EntityGeometry
{
  std::vector<LevelGeometry> levels;  // in RunInfo::geometryLevels order; the first is the default level
  std::vector<float> weight;          // [E*K] task weights of the entity's combined gradient (least squares)
  std::vector<int32_t> count;         // [E] samples in the window
  bool empty() const { return count.empty(); }
};

struct GeometrySnapshot
{
  int64_t step = 0;         // last step of the window
  int64_t windowStart = 0;  // first step of the window
  EntityGeometry users;
  EntityGeometry items;     // empty unless RunInfo::itemGeometry
};

// Entity `entity`'s rows of `from`, as a geometry of one entity: what a user's history is made of.
// An entity beyond what `from` holds (a damaged snapshot read empty) has count 0 and NaN values.
EntityGeometry entityRow(const EntityGeometry& from, size_t entity, size_t tasks);

// A snapshot as the trainer hands it over: derived where it is consumed, once, by the first get()
// (the trace writer's thread, say). The trainer only moves its window sums out, so that a snapshot
// of a million users costs it milliseconds instead of the half second the derivation takes.
using PendingGeometry = std::shared_future<GeometrySnapshot>;

// A snapshot already derived (a test's, a replayed one) in the form sinks take.
inline PendingGeometry readyGeometry(GeometrySnapshot snapshot)
{
  std::promise<GeometrySnapshot> promise;
  promise.set_value(std::move(snapshot));
  return promise.get_future().share();
}

}  // namespace seesaw
