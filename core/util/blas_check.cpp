#include "util/blas_check.h"

#include <dlfcn.h>

namespace seesaw {

std::string blasWarning()
{
  // OpenBLAS reports how it was built: 0 sequential, 1 pthreads, 2 OpenMP.
  using GetParallel = int (*)();
  auto getParallel = reinterpret_cast<GetParallel>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  const std::string fix = "; install libopenblas0-openmp (scripts/setup.sh selects it)";
  if (!getParallel) {
    // MKL (in pip and CUDA builds of LibTorch) is fast; a bare sgemm_ is most likely the reference BLAS.
    if (dlsym(RTLD_DEFAULT, "MKL_Get_Version") || !dlsym(RTLD_DEFAULT, "sgemm_")) return "";
    return "matrix products use neither OpenBLAS nor MKL, most likely the reference BLAS (about 30x slower)" + fix;
  }
  if (getParallel() == 1) return "OpenBLAS runs its own pthread pool beside LibTorch's OpenMP threads, which halves the speed" + fix;
  // An OpenBLAS older than the CPU falls back to its oldest x86-64 kernels ("Prescott").
  using GetCoreName = char* (*)();
  auto getCoreName = reinterpret_cast<GetCoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const std::string core = getCoreName ? getCoreName() : "";
  if (core == "Prescott" && (__builtin_cpu_supports("avx512f") || __builtin_cpu_supports("avx2")))
    return "OpenBLAS does not know this CPU and uses its generic kernels (about 7x slower); set OPENBLAS_CORETYPE=" +
           std::string(__builtin_cpu_supports("avx512f") ? "SkylakeX" : "Haswell") + " in the environment";
  return "";
}

}  // namespace seesaw
