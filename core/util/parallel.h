#pragma once
// Work split over LibTorch's CPU threads, for the core's own loops.
//
// at::parallel_for is a header template that is a serial loop unless its caller is compiled with
// OpenMP, and GCC 12 does not vectorise a loop that OpenMP's outlining has inlined. So it is
// compiled once, here, with OpenMP, and the loops stay in their own files, compiled without.

#include <c10/core/Device.h>

#include <cstdint>
#include <functional>

namespace seesaw {

// at::parallel_for: f(begin, end) on chunks of [begin, end) of at least `grain`, one per thread.
void parallelFor(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& f);

// Runs f(0), ..., f(n - 1), pieces of work that touch nothing in common, split over the CPU's
// threads with each piece single-threaded; in turn on other devices or with one thread. OpenBLAS
// gains 1.2x to 1.3x from a second thread on the experts' and towers' skinny products (and loses
// on the smallest), so two products at once beat two threads on each product in turn. The
// pieces see the caller's grad mode.
void sideBySide(int64_t n, const c10::Device& device, const std::function<void(int64_t)>& f);

}  // namespace seesaw
