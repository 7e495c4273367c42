#pragma once
#include <string>

namespace seesaw {

// A warning when the loaded BLAS will slow LibTorch down: the reference BLAS (about 30x slower
// than OpenBLAS), or OpenBLAS built for pthreads, whose thread pool fights LibTorch's OpenMP pool
// (about 2x slower on 2 cores), or OpenBLAS that does not know the CPU and runs its generic
// kernels on one with AVX2 or AVX-512 (Debian's 0.3.21 on Sapphire Rapids: 30 against 220 GFLOP/s).
// Empty when all is well, for MKL, and when no BLAS is visible.
std::string blasWarning();

}  // namespace seesaw
