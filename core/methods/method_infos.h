#pragma once
// The MethodInfo of every method, each defined in the method's own file.

#include "methods/registry.h"

namespace seesaw {

MethodInfo equalWeightInfo();
MethodInfo fixedWeightsInfo();
MethodInfo uncertaintyWeightingInfo();
MethodInfo dwaInfo();
MethodInfo gradNormInfo();
MethodInfo rlwInfo();
MethodInfo mgdaInfo();
MethodInfo pcgradInfo();
MethodInfo gradVacInfo();
MethodInfo cagradInfo();
MethodInfo imtlInfo();
MethodInfo nashMtlInfo();
MethodInfo alignedMtlInfo();
MethodInfo gradDropInfo();
MethodInfo dbMtlInfo();
MethodInfo gradCraftInfo();
MethodInfo pmtrecInfo();
MethodInfo drgradInfo();

}  // namespace seesaw
