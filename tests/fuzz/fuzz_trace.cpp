// libFuzzer target: the trace reader on any bytes. The input is written to a file in memory
// (/dev/shm) and read as the app and seesaw-trace read a trace: open, then every committed record.
// Anything but a seesaw::Error escaping, a crash, a hang (libFuzzer's -timeout) or a sanitizer
// report is a finding.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "trace/trace_reader.h"
#include "util/error.h"

namespace {

// The file each input is written to, removed when the fuzzer exits.
struct InputFile
{
  std::string path = "/dev/shm/seesaw-fuzz-trace-" + std::to_string(getpid()) + ".h5";
  ~InputFile() { std::remove(path.c_str()); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  static const InputFile input;
  const std::string& path = input.path;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    seesaw::TraceReader reader(path);
    reader.readAll();
    if (reader.snapshotCount() > 0 && !reader.info().userIds.empty()) reader.userHistory(0);
  } catch (const seesaw::Error&) {
  }
  return 0;
}
