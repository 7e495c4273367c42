#pragma once
// The one check every run config passes before it runs (seesaw-train, the app's setup dialog,
// steering): it lives in train/ because it asks the layers below what only they know, the method
// registry and the geometry levels, which config/ may not include.

#include "config/run_config.h"

namespace seesaw {

// Refuses a config that cannot run, naming the field (model.type, train.lr, method.name, ...).
void validate(const RunConfig& config);

}  // namespace seesaw
