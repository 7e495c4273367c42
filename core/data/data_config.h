#pragma once
// The data part of the run config (config/run_config.h). It lives in data/ so that the loaders
// can take it without reaching up to config/.

#include <string>
#include <vector>

#include "data/column_mapping.h"
#include "data/split.h"
#include "data/synthetic.h"

namespace seesaw {

struct DataConfig
{
  std::string source = "demo";  // demo | kuairand | census | file | synthetic
  std::string path;             // kuairand, census and file sources
  ColumnMapping columns;        // file source
  std::vector<std::string> tasks;  // kuairand source: task columns replacing the defaults
  SyntheticConfig synthetic;
  SplitConfig split;
};

}  // namespace seesaw
