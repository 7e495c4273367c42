#pragma once
// The run the app tests train: the embedded demo, short, with evaluations and per-user windows
// often enough that a test sees several of each.

#include "config/run_config.h"

namespace seesaw::test {

inline RunConfig demoRun(int64_t steps, int64_t evalEvery, int64_t snapshotEvery)
{
  RunConfig c = presetConfig("demo");
  c.train.steps = steps;
  c.train.evalEvery = evalEvery;
  c.train.userSnapshotEvery = snapshotEvery;
  return c;
}

}  // namespace seesaw::test
