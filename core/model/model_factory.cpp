#include "model/model_factory.h"

#include "model/mmoe.h"
#include "model/ple.h"
#include "model/shared_bottom.h"

namespace seesaw {

std::shared_ptr<MultiTaskModel> makeModel(const FeatureSpec& spec, const ModelConfig& config)
{
  std::shared_ptr<MultiTaskModel> model;
  switch (config.type) {
    case ModelType::SharedBottom: model = std::make_shared<SharedBottom>(spec, config); break;
    case ModelType::MMoE: model = std::make_shared<MMoE>(spec, config); break;
    case ModelType::PLE: model = std::make_shared<PLE>(spec, config); break;
  }
  if (config.dtrn) model->addDtrn(spec, config);
  return model;
}

}  // namespace seesaw
