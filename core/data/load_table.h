#pragma once
#include "data/data_config.h"
#include "data/table.h"

namespace seesaw {

// Loads the table a DataConfig names: a preset (demo, kuairand, census), a mapped file, or
// synthetic data.
InteractionTable loadTable(const DataConfig& config);

}  // namespace seesaw
