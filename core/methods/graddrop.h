#pragma once
// GradDrop's rule on a step's uniform draws, in its two forms: one fused pass per coordinate on the
// CPU, tensor operations elsewhere (a GPU). Tests compare the two on the CPU.

#include <ATen/ATen.h>

#include <cstdint>

#include "methods/gradient_method.h"

namespace seesaw {

enum class DropForm { HostLoop, Tensors };

// The draws U(p) in [0, 1) of one step, from a key (the seed and the step's draw count): a
// counter-based hash, so that the fused loop draws each coordinate's U itself, where a generator
// would cost a pass of its own, and any device reproduces the same U.
float uniformDraw(uint64_t key, int64_t p);
uint64_t drawKey(uint64_t seed, uint64_t draw);

// Expects finite input.
MethodOutput dropBySignPurity(const MethodInput& input, uint64_t key, double leak, DropForm form);

}  // namespace seesaw
