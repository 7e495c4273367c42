#pragma once
#include <memory>

#include "model/multitask_model.h"

namespace seesaw {

std::shared_ptr<MultiTaskModel> makeModel(const FeatureSpec& spec, const ModelConfig& config);

}  // namespace seesaw
