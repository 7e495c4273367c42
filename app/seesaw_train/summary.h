#pragma once
#include <string>

#include "config/run_config.h"
#include "console_sink.h"

namespace seesaw {

// Writes the run's final summary (config, data, last evaluation per split, speed) as JSON.
// Throws seesaw::Error when the file cannot be written.
void writeSummary(const std::string& path, const RunConfig& config, const ConsoleSink& sink, const RunEnd& end);

}  // namespace seesaw
