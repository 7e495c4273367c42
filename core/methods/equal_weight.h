#pragma once
#include "methods/gradient_method.h"

namespace seesaw {

// EW: combined = sum_k w_k g_k with the fixed loss weights w (all 1 by default), which is the
// gradient of sum_k w_k L_k (LibMTL's convention: a sum, not a mean).
class EqualWeight : public GradientMethod
{
public:
  MethodOutput combine(const MethodInput& input) override;
};

}  // namespace seesaw
