#pragma once
// Names and numbers of the trace format, shared by the writer, the reader and seesaw-trace.
// docs/trace-format.md describes every path; keep the two in step.

#include <cstdint>
#include <string>

namespace seesaw::trace {

constexpr const char* kFormatName = "seesaw-trace";
// Readers refuse a newer version. Adding datasets or attributes keeps the version; changing or
// removing one bumps it.
constexpr int64_t kFormatVersion = 3;

// The geometry level of a trace written before levels were recorded: its /users/cosine and
// /users/grad_norm were measured on the user-embedding rows.
constexpr const char* kSingleLayoutLevel = "embedding";

// /status/state: where the run stands. A killed writer leaves kRunning with a heartbeat that no
// longer advances.
enum class RunState : int32_t {
  Running = 0,
  Finished = 1,  // ran its planned steps
  Stopped = 2,   // stopped on request
  Failed = 3,    // the run failed (message in /status/message)
  Aborted = 4,   // the writer closed without the run's end (an error outside the trainer)
};
std::string runStateName(RunState state);

// Chunk compression of the series: none, or byte shuffle + deflate level 1 (docs/benchmarks.md
// has the measurements behind the default).
enum class Compression { None, Deflate };

constexpr int64_t kStatusMessageBytes = 1024;  // /status/message is a fixed-size string
constexpr int64_t kChangeTextBytes = 256;      // each text of /changes; longer ones are cut

}  // namespace seesaw::trace
