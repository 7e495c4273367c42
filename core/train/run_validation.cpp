#include "train/run_validation.h"

#include "methods/registry.h"
#include "train/geometry_levels.h"

namespace seesaw {

void validate(const RunConfig& config)
{
  validateFields(config);
  checkGeometryLevels(config.train.geometryLevels);
  methodRegistry().check(config.method, config.train);
}

}  // namespace seesaw
