#pragma once
// Records whose every value is a known function of the step, so that a test can check what a
// trace holds without keeping what was written (the writer may run in a process it killed).

#include <cmath>
#include <string>

#include "records/geometry_snapshot.h"
#include "records/run_info.h"
#include "records/step_records.h"

namespace seesaw::testing {

constexpr int kTasks = 3, kPairs = 3, kModules = 2, kUsers = 7, kItems = 5, kMethodStates = 3, kLevels = 2;
constexpr int64_t kSnapshotEvery = 10;

// Two geometry levels, the default ("exact") first, and item geometry unless itemGeometry is false.
inline RunInfo syntheticRunInfo(bool itemGeometry = true)
{
  RunInfo info;
  info.taskNames = {"click", "like", "watch_time"};
  info.taskTypes = {TaskType::Binary, TaskType::Binary, TaskType::Regression};
  info.moduleNames = {"embedding.user", "expert0"};
  info.methodStateNames = {"xi_1", "lambda_1", "mu_dedicated"};
  info.device = "cpu";
  info.method = "ew";
  info.totalSteps = 1000000;
  info.stepsPerEpoch = 100;
  info.batchSize = 64;
  info.sharedParameters = 1234;
  info.totalParameters = 5678;
  info.data.rows = 6400;
  info.data.users = kUsers;
  info.data.items = 11;
  info.data.taskNames = info.taskNames;
  info.data.labelMeans = {0.25, 0.5, 3.5};
  info.trainRows = 5000;
  info.validRows = 700;
  info.testRows = 700;
  info.userSnapshotEvery = kSnapshotEvery;
  for (int u = 0; u < kUsers; ++u) {
    info.userIds.push_back("user-" + std::to_string(1000 + u));
    info.userGroups.push_back(u % 3 == 2 ? -1 : u % 2);
  }
  info.geometryLevels = {"exact", "embedding"};
  info.itemGeometry = itemGeometry;
  for (int i = 0; itemGeometry && i < kItems; ++i) info.itemIds.push_back("item-" + std::to_string(500 + i));
  info.configJson = R"({"name": "synthetic-records"})";
  info.softwareVersion = "test";
  info.startTime = "2026-11-23T00:00:00Z";
  return info;
}

inline float valueAt(int64_t step, int field, int i) { return static_cast<float>(std::sin(0.1 * static_cast<double>(step) + field + 0.01 * i)); }

inline StepRecord syntheticStep(int64_t step)
{
  StepRecord r;
  r.step = step;
  r.epoch = static_cast<double>(step) / 100.0;
  r.wallTime = 0.5 * static_cast<double>(step);
  r.lr = 1e-3;
  r.flags = static_cast<uint32_t>(step % 4);
  for (int i = 0; i < kTasks; ++i) {
    r.loss.push_back(valueAt(step, 0, i));
    r.gradNorm.push_back(valueAt(step, 1, i));
    r.magnitudeRatio.push_back(valueAt(step, 2, i));
    r.weight.push_back(valueAt(step, 3, i));
  }
  for (int i = 0; i < kTasks * kTasks; ++i) r.cosine.push_back(valueAt(step, 4, i));
  for (int i = 0; i < kModules * kPairs; ++i) r.moduleCosine.push_back(valueAt(step, 5, i));
  for (int i = 0; i < kMethodStates; ++i) r.methodState.push_back(valueAt(step, 8, i));
  return r;
}

// The geometry of `entities` users or items; `field` keeps users, items and levels apart. Norms
// are positive, as real ones are.
inline EntityGeometry syntheticEntity(int64_t step, int entities, int field)
{
  EntityGeometry g;
  g.levels.resize(kLevels);
  const float nan = std::nanf("");
  for (int e = 0; e < entities; ++e) {
    const bool seen = (e + step / kSnapshotEvery) % 4 != 0;
    g.count.push_back(seen ? e + 1 : 0);
    for (int k = 0; k < kTasks; ++k) g.weight.push_back(seen ? valueAt(step, field, e * kTasks + k) : nan);
    for (int l = 0; l < kLevels; ++l) {
      LevelGeometry& level = g.levels[static_cast<size_t>(l)];
      const int at = field + 1 + 3 * l;
      for (int p = 0; p < kPairs; ++p) level.cosine.push_back(seen ? valueAt(step, at, e * kPairs + p) : nan);
      for (int k = 0; k < kTasks; ++k) {
        level.gradNorm.push_back(seen ? 1.5f + valueAt(step, at + 1, e * kTasks + k) : nan);
        level.magnitudeRatio.push_back(seen ? valueAt(step, at + 2, e * kTasks + k) : nan);
      }
    }
  }
  return g;
}

inline GeometrySnapshot syntheticSnapshot(int64_t step, bool itemGeometry = true)
{
  GeometrySnapshot s;
  s.step = step;
  s.windowStart = step - kSnapshotEvery + 1;
  s.users = syntheticEntity(step, kUsers, 10);
  if (itemGeometry) s.items = syntheticEntity(step, kItems, 30);
  return s;
}

}  // namespace seesaw::testing
