#include "util/parallel.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

namespace seesaw {

void parallelFor(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& f)
{
  at::parallel_for(begin, end, grain, f);
}

void sideBySide(int64_t n, const c10::Device& device, const std::function<void(int64_t)>& f)
{
  if (n < 2 || !device.is_cpu() || at::get_num_threads() < 2 || at::in_parallel_region()) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
  // Grad mode is thread-local; OpenBLAS runs single-threaded inside the parallel region.
  const bool grad = at::GradMode::is_enabled();
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    at::AutoGradMode mode(grad);
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

}  // namespace seesaw
