#include "model/model_factory.h"

#include "model/mmoe.h"
#include "model/ple.h"
#include "model/shared_bottom.h"

namespace seesaw {

std::shared_ptr<MultiTaskModel> makeModel(const FeatureSpec& spec, const ModelConfig& config)
{
  switch (config.type) {
    case ModelType::SharedBottom: return std::make_shared<SharedBottom>(spec, config);
    case ModelType::MMoE: return std::make_shared<MMoE>(spec, config);
    case ModelType::PLE: return std::make_shared<PLE>(spec, config);
  }
  return nullptr;
}

}  // namespace seesaw
