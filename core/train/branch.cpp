#include "train/branch.h"

#include <nlohmann/json.hpp>

#include "methods/registry.h"
#include "util/error.h"

namespace seesaw {

namespace {

// The config fields that made the saved state what it is: the data, the model, and these.
const char* const kFixedTrainFields[] = {"batch_size", "optimizer", "weight_decay", "momentum", "seed", "analyze", "item_geometry"};

void requireSame(const nlohmann::json& saved, const nlohmann::json& wanted, const std::string& field)
{
  if (saved == wanted) return;
  throw Error("config field " + field + ": a branch continues the checkpoint's state, so it keeps " + saved.dump() +
              " (asked: " + wanted.dump() + "); start a new run to change it");
}

}  // namespace

BranchPlan planBranch(const RunConfig& saved, const RunConfig& wanted)
{
  using nlohmann::json;
  const json s = json::parse(toJsonString(saved)), w = json::parse(toJsonString(wanted));
  for (const char* section : {"data", "model"})
    for (const auto& [key, value] : s[section].items()) requireSame(value, w[section][key], std::string(section) + "." + key);
  for (const char* key : kFixedTrainFields) requireSame(s["train"][key], w["train"][key], std::string("train.") + key);
  // Empty levels mean the model's default, which the saved config has resolved.
  if (!wanted.train.geometryLevels.empty())
    requireSame(s["train"]["geometry_levels"], w["train"]["geometry_levels"], "train.geometry_levels");

  BranchPlan plan;
  plan.start = saved;
  plan.start.name = wanted.name;
  TrainConfig& t = plan.start.train;
  t.steps = wanted.train.steps;
  t.epochs = wanted.train.epochs;
  t.evalEvery = wanted.train.evalEvery;
  t.recordEvery = wanted.train.recordEvery;
  t.userSnapshotEvery = wanted.train.userSnapshotEvery;
  t.checkpointEvery = wanted.train.checkpointEvery;
  t.l2Step = wanted.train.l2Step;
  t.device = wanted.train.device;
  t.threads = wanted.train.threads;
  t.onNonFinite = wanted.train.onNonFinite;

  Steering& c = plan.changes;
  if (wanted.train.lr != saved.train.lr) c.lr = wanted.train.lr;
  if (wanted.method.name != saved.method.name) c.method = wanted.method.name;
  // Every parameter the wanted method is given that differs from what runs: for a new method
  // its resolved set differs from nothing, so the steering gets them all.
  const auto resolved = methodRegistry().resolve(wanted.method.name, wanted.method.params).values();
  for (const auto& [name, value] : resolved) {
    const auto old = saved.method.params.find(name);
    if (c.method || old == saved.method.params.end() || old->second != value) c.params[name] = value;
  }
  if (wanted.train.taskWeights != saved.train.taskWeights) c.taskWeights = wanted.train.taskWeights;
  return plan;
}

}  // namespace seesaw
