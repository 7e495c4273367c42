#include "summary.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace seesaw {
namespace {

using nlohmann::json;

json numberOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json evalJson(const EvalRecord& r, const std::vector<std::string>& tasks)
{
  json out = {{"step", r.step}, {"tasks", json::object()}};
  for (size_t k = 0; k < tasks.size(); ++k)
    out["tasks"][tasks[k]] = {{"auc", numberOrNull(r.auc[k])},
                              {"gauc", numberOrNull(r.gauc[k])},
                              {"logloss", numberOrNull(r.logloss[k])},
                              {"mse", numberOrNull(r.mse[k])}};
  return out;
}

}  // namespace

void writeSummary(const std::string& path, const RunConfig& config, const ConsoleSink& sink, const RunEnd& end)
{
  const RunInfo& info = sink.info();
  json s = {{"format", "seesaw-summary"},
            {"version", SEESAW_VERSION},
            {"config", json::parse(toJsonString(config))},
            {"device", info.device},
            {"data",
             {{"rows", info.data.rows},
              {"users", info.data.users},
              {"items", info.data.items},
              {"train_rows", info.trainRows},
              {"valid_rows", info.validRows},
              {"test_rows", info.testRows},
              {"tasks", info.taskNames},
              {"label_means", info.data.labelMeans}}},
            {"parameters", {{"total", info.totalParameters}, {"shared", info.sharedParameters}}},
            {"steps", end.steps},
            {"stopped", end.stopped},
            {"error", end.error.empty() ? json(nullptr) : json(end.error)},
            {"seconds", sink.lastStep() ? sink.lastStep()->wallTime : 0.0},
            {"samples_per_second", sink.samplesPerSecond()}};
  if (sink.lastValid()) s["valid"] = evalJson(*sink.lastValid(), info.taskNames);
  if (sink.lastTest()) s["test"] = evalJson(*sink.lastTest(), info.taskNames);
  std::ofstream out(path);
  out << s.dump(2) << "\n";
  if (!out) throw Error(path + ": cannot write the summary file");
}

}  // namespace seesaw
