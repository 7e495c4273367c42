#include "util/parallel.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace seesaw {
namespace {

// at::parallel_for, with its fork and join told to ThreadSanitizer: libgomp is not instrumented,
// so TSan would not see that the workers start after the caller's writes and end before its next
// ones (a stack slot the caller reuses would read as a race). A release/acquire pair on the
// region's own token says so; without TSan it compiles to nothing.
void forkJoin(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& f)
{
#if defined(__SANITIZE_THREAD__)
  char region = 0;
  __tsan_release(&region);
  at::parallel_for(begin, end, grain, [&](int64_t b, int64_t e) {
    __tsan_acquire(&region);
    f(b, e);
    __tsan_release(&region);
  });
  __tsan_acquire(&region);
#else
  at::parallel_for(begin, end, grain, f);
#endif
}

}  // namespace

void parallelFor(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& f)
{
  forkJoin(begin, end, grain, f);
}

void sideBySide(int64_t n, const c10::Device& device, const std::function<void(int64_t)>& f)
{
  if (n < 2 || !device.is_cpu() || at::get_num_threads() < 2 || at::in_parallel_region()) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
  // Grad mode is thread-local; OpenBLAS runs single-threaded inside the parallel region.
  const bool grad = at::GradMode::is_enabled();
  forkJoin(0, n, 1, [&](int64_t begin, int64_t end) {
    at::AutoGradMode mode(grad);
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

}  // namespace seesaw
