// libFuzzer target: the run config reader on any text: the strict JSON reader, every field's
// reading and the validation that seesaw-train and the app's dialog both run. Anything but a
// seesaw::Error escaping, a crash or a sanitizer report is a finding.

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/run_config.h"
#include "train/run_validation.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  try {
    const seesaw::RunConfig config = seesaw::parseRunConfig(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json", "/nonexistent");
    seesaw::validate(config);
    seesaw::toJsonString(config);
  } catch (const seesaw::Error&) {
  }
  return 0;
}
