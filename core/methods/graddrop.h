#pragma once
// GradDrop's rule on given uniform draws, in its two forms: one fused pass per coordinate on the
// CPU, tensor operations elsewhere (a GPU). Tests compare the two on the CPU.

#include <ATen/ATen.h>

#include "methods/gradient_method.h"

namespace seesaw {

enum class DropForm { HostLoop, Tensors };

// uniform: [P] draws in [0, 1), on the gradients' device. Expects finite input.
MethodOutput dropBySignPurity(const MethodInput& input, const at::Tensor& uniform, double leak, DropForm form);

}  // namespace seesaw
