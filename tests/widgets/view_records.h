#pragma once
// Known records for the view tests: a three-task run whose every step value is a formula of the
// step, and six users in two ground-truth groups whose per-user values are a table.

#include <QtTest>

#include <cmath>
#include <limits>
#include <memory>

#include "widgets/run_store.h"
#include "widgets/step_plot.h"

namespace seesaw::test {

using namespace seesaw::widgets;

inline RunInfo threeTasks()
{
  RunInfo info;
  info.taskNames = {"click", "like", "follow"};
  info.taskTypes = {TaskType::Binary, TaskType::Binary, TaskType::Binary};
  info.moduleNames = {"embedding.user", "expert0"};
  info.totalSteps = 100;
  info.batchSize = 256;
  return info;
}

// Step s: cos(click, like) = -0.5, cos(click, follow) = 0.25, cos(like, follow) = s / 100;
// module m's cosine of pair p is (m + 1) * 0.1 * (p + 1) * sign, sign -1 on odd steps.
inline StepRecord stepAt(int64_t s)
{
  StepRecord r;
  r.step = s;
  r.epoch = static_cast<double>(s) / 10;
  r.wallTime = static_cast<double>(s) * 0.01;
  r.loss = {1.0f / static_cast<float>(s), 0.5f, 0.25f};
  r.gradNorm = {1, 2, 4};
  r.magnitudeRatio = {0.25f, 0.5f, 1};
  r.weight = {1, 1, 1};
  const float c = static_cast<float>(s) / 100;
  r.cosine = {1, -0.5f, 0.25f, -0.5f, 1, c, 0.25f, c, 1};
  const float sign = s % 2 ? -1.0f : 1.0f;
  for (int m = 0; m < 2; ++m)
    for (int p = 0; p < 3; ++p) r.moduleCosine.push_back(sign * 0.1f * static_cast<float>((m + 1) * (p + 1)));
  return r;
}

// Six users, two ground-truth groups; user 4 is not seen. At snapshot step s user u has
// cos(click, like) = c(u) from the table below, the other pairs 0.5, weights (u, 1, 1), u + 1 samples.
inline constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
inline const float kClickLike[6] = {-0.9f, -0.22f, 0.33f, 0.97f, kNaN, kNaN};  // user 5: a zero norm, seen

inline RunInfo withUsers()
{
  RunInfo info = threeTasks();
  info.geometryLevels = {"exact", "embedding"};
  info.userIds = {"u100", "u101", "u102", "u103", "u104", "u105"};
  info.userGroups = {0, 1, 0, 1, 0, 1};
  info.userSnapshotEvery = 10;
  return info;
}

inline PendingGeometry snapshotAt(int64_t step)
{
  GeometrySnapshot s;
  s.step = step;
  s.windowStart = step - 9;
  EntityGeometry& g = s.users;
  g.levels.resize(2);
  for (int u = 0; u < 6; ++u) {
    const bool seen = u != 4;
    g.count.push_back(seen ? u + 1 : 0);
    for (int l = 0; l < 2; ++l) {
      const float shift = l == 0 ? 0.0f : 0.01f;  // the embedding level differs a little
      for (float c : {kClickLike[u] + shift, 0.5f, 0.5f}) g.levels[static_cast<size_t>(l)].cosine.push_back(seen ? c : kNaN);
      for (int k = 0; k < 3; ++k) {
        g.levels[static_cast<size_t>(l)].gradNorm.push_back(seen ? 1.0f : kNaN);
        g.levels[static_cast<size_t>(l)].magnitudeRatio.push_back(seen ? 1.0f : kNaN);
      }
    }
    for (float w : {static_cast<float>(u) + static_cast<float>(step) / 100, 1.0f, 1.0f}) g.weight.push_back(seen ? w : kNaN);
  }
  return readyGeometry(std::move(s));
}

inline RecordBatch steps(int64_t first, int64_t last)
{
  RecordBatch b;
  for (int64_t s = first; s <= last; ++s) b.steps.push_back(stepAt(s));
  return b;
}

// The plot on screen at `size`, drawn with steps 1 to `last` of a three-task run.
inline bool showSteps(StepPlot& plot, RunStore& store, QSize size, int64_t last)
{
  plot.resize(size);
  plot.show();
  if (!QTest::qWaitForWindowExposed(&plot)) return false;
  store.begin(threeTasks());
  store.append(steps(1, last));
  plot.replot(QCustomPlot::rpImmediateRefresh);
  return true;
}

}  // namespace seesaw::test
