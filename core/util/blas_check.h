#pragma once
#include <string>

namespace seesaw {

// A warning when the loaded BLAS will slow LibTorch down: the reference BLAS (about 30x slower
// than OpenBLAS), or OpenBLAS built for pthreads, whose thread pool fights LibTorch's OpenMP pool
// (about 2x slower on 2 cores). Empty when all is well, for MKL, and when no BLAS is visible.
std::string blasWarning();

}  // namespace seesaw
