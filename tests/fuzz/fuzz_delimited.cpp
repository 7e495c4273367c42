// libFuzzer target: the delimited-file loader on any bytes (plain text or gzip). The mapping names
// every kind of column, so that every parsing path is reached. Anything but a seesaw::Error (a
// refusal with a message) escaping, a crash, a leak or a sanitizer report is a finding.

#include <cstddef>
#include <cstdint>

#include "data/delimited_loader.h"
#include "util/error.h"

namespace {

seesaw::ColumnMapping mapping()
{
  seesaw::ColumnMapping m;
  m.user = "user_id";
  m.item = "video_id";
  m.timestamp = "time_ms";
  m.categorical = {"tab"};
  m.dense = {"duration_ms"};
  m.tasks = {{"click", "is_click", seesaw::TaskType::Binary, {}, {}, ""},
             {"like", "is_like", seesaw::TaskType::Binary, {}, {"label"}, ""},
             {"watch", "play_time_ms", seesaw::TaskType::Regression, {}, {}, ""},
             {"income", "income", seesaw::TaskType::Binary, {"50000+."}, {}, ""}};
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  static const seesaw::ColumnMapping columns = mapping();
  try {
    // No extension: the delimiter is guessed from the first line, one more path to reach.
    seesaw::LineReader reader = seesaw::LineReader::openMemory(data, size, "fuzz-input");
    seesaw::loadDelimited(reader, columns);
  } catch (const seesaw::Error&) {
  }
  return 0;
}
