// Benchmark of a per-user snapshot at scale (issue #5): a window over 1,000,000 users at three
// levels, filled by W1-sized batches of random users, then closed. The trainer pays only for the
// hand-over (take: the sums move out, a fresh window begins); the derivation of every user's
// cosines, norms, ratios and weights runs where the snapshot is consumed (the trace writer's
// thread, the app's pool).
//
// Prints per window: SNAPSHOT users=<U> seen=<S> add_ms=<a> take_ms=<t> derive_ms=<d> bytes=<b>
// Usage: seesaw-bench-snapshot [--users N] [--steps N] [--every N]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "train/geometry_window.h"

using namespace seesaw;

int main(int argc, char** argv)
{
  int64_t users = 1000000, steps = 150, every = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--users") users = std::atoll(argv[i + 1]);
    else if (flag == "--steps") steps = std::atoll(argv[i + 1]);
    else if (flag == "--every") every = std::atoll(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: seesaw-bench-snapshot [--users N] [--steps N] [--every N]\n");
      return 2;
    }
  }
  constexpr int K = 3, kBatch = 2048;
  GeometryWindow window(users, K, {GeometryLevel::Exact, GeometryLevel::Embedding, GeometryLevel::Representation});
  std::mt19937_64 rng(1);
  using Clock = std::chrono::steady_clock;
  const auto ms = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  double addMs = 0;
  for (int64_t step = 1; step <= steps; ++step) {
    std::vector<int64_t> codes(kBatch);
    for (auto& c : codes) c = static_cast<int64_t>(rng() % static_cast<uint64_t>(users));
    const BatchGroups groups = groupBatch(codes, false, c10::kCPU);
    const int64_t n = groups.size();
    const std::vector<at::Tensor> grams(3, at::rand({n, K, K}));
    const auto t0 = Clock::now();
    window.add(step, groups, grams, grams[1], at::rand({n, K}));
    addMs += ms(t0, Clock::now());
    if (step % every != 0) continue;
    const auto t1 = Clock::now();
    const WindowSums sums = window.take();
    const auto t2 = Clock::now();
    const EntityGeometry geometry = sums.geometry();
    const auto t3 = Clock::now();
    int64_t seen = 0;
    for (int32_t c : geometry.count) seen += c > 0;
    std::printf("SNAPSHOT users=%lld seen=%lld add_ms=%.2f take_ms=%.2f derive_ms=%.1f bytes=%lld\n", static_cast<long long>(users),
                static_cast<long long>(seen), addMs / static_cast<double>(every), ms(t1, t2), ms(t2, t3), static_cast<long long>(window.bytes()));
    addMs = 0;
  }
  return 0;
}
