// A writer for the trace tests to tail and to kill: writes synthetic records (step records every
// step, a geometry snapshot every kSnapshotEvery steps) to a trace and prints "committed N" after
// every commit. Usage: trace_writer_child PATH STEPS MICROSECONDS_PER_STEP
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "synthetic_records.h"
#include "trace/trace_writer.h"

int main(int argc, char** argv)
{
  if (argc != 4) {
    std::fprintf(stderr, "usage: trace_writer_child PATH STEPS MICROSECONDS_PER_STEP\n");
    return 2;
  }
  using namespace seesaw;
  const int64_t steps = std::stoll(argv[2]);
  const auto pause = std::chrono::microseconds(std::stoll(argv[3]));
  TraceOptions options;
  options.path = argv[1];
  options.flushSeconds = 0.02;
  options.flushRecords = 64;
  options.onCommit = [](int64_t committed) {
    std::printf("committed %lld\n", static_cast<long long>(committed));
    std::fflush(stdout);
  };
  try {
    TraceWriter writer(options);
    writer.begin(testing::syntheticRunInfo());
    for (int64_t s = 1; s <= steps; ++s) {
      writer.step(testing::syntheticStep(s));
      if (s % testing::kSnapshotEvery == 0) writer.geometry(readyGeometry(testing::syntheticSnapshot(s)));
      std::this_thread::sleep_for(pause);
    }
    RunEnd end;
    end.steps = steps;
    writer.end(end);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trace_writer_child: %s\n", e.what());
    return 1;
  }
  return 0;
}
