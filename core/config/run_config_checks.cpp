// The run config's own range checks; the method and the geometry levels are checked above config/
// (train/run_validation.h).
#include "config/run_config.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "util/error.h"
#include "util/number_text.h"

namespace seesaw {

void validateFields(const RunConfig& c)
{
  auto require = [](bool ok, const std::string& field, const std::string& why) {
    if (!ok) throw Error("config field " + field + ": " + why);
  };
  const auto& d = c.data;
  require(d.source == "demo" || d.source == "kuairand" || d.source == "census" || d.source == "file" ||
              d.source == "synthetic",
          "data.source", "unknown source '" + d.source + "' (demo, kuairand, census, file, synthetic)");
  if (d.source == "kuairand" || d.source == "census" || d.source == "file")
    require(!d.path.empty(), "data.path", "the '" + d.source + "' source needs a file (--data FILE)");
  require(d.split.validFraction >= 0 && d.split.validFraction < 1, "data.split.valid", "must lie in [0, 1)");
  require(d.split.testFraction >= 0 && d.split.testFraction < 1, "data.split.test", "must lie in [0, 1)");
  require(d.split.validFraction + d.split.testFraction < 1, "data.split.test", "with data.split.valid, must leave rows to train on (sum below 1)");
  if (d.source == "file") {
    require(!d.columns.user.empty(), "data.columns.user", "is required");
    require(!d.columns.item.empty(), "data.columns.item", "is required");
    require(!d.columns.tasks.empty(), "data.columns.tasks", "needs at least one task (K = 0)");
    require(d.split.method != SplitMethod::TimePerUser || !d.columns.timestamp.empty(), "data.split.method",
            "'time' needs a timestamp column (data.columns.timestamp); split at random, or map one");
  }
  if (d.source == "synthetic") {
    require(d.synthetic.tasks >= 1, "data.synthetic.tasks", "must be at least 1 (K = 0)");
    require(d.synthetic.sineTerms >= 0, "data.synthetic.sine_terms", "must not be negative");
  }
  require(d.tasks.empty() || d.source == "kuairand" || d.source == "demo", "data.tasks",
          "applies to the kuairand and demo sources only; the file source maps tasks in data.columns.tasks");
  if (d.source == "file") {
    const auto& cols = d.columns;
    require(cols.header || !cols.columnNames.empty(), "data.columns.column_names", "is required when header is false");
    require(!cols.header || cols.columnNames.empty(), "data.columns.column_names",
            "names the columns of a file without a header; set header to false, or drop column_names");
    std::set<std::string> features;
    for (const auto& name : std::vector<std::string>{cols.user, cols.item})
      require(features.insert(name).second, "data.columns", "column '" + name + "' is mapped twice");
    for (const auto& name : cols.categorical)
      require(features.insert(name).second, "data.columns.categorical", "column '" + name + "' is mapped twice");
    for (const auto& name : cols.dense)
      require(features.insert(name).second, "data.columns.dense", "column '" + name + "' is mapped twice");
    std::set<std::string> taskNames;
    for (const auto& t : cols.tasks)
      require(taskNames.insert(t.name).second, "data.columns.tasks", "task name '" + t.name + "' appears twice");
  }
  {
    std::set<std::string> taskColumns;
    for (const auto& t : d.tasks) require(taskColumns.insert(t).second, "data.tasks", "task '" + t + "' appears twice");
  }

  // Sizes have upper bounds as well: a few zeros too many must be refused by name here, not end
  // in a LibTorch allocation failure (or a machine out of memory) after the data has loaded.
  const auto& m = c.model;
  require(m.embeddingDim > 0 && m.embeddingDim <= 4096, "model.embedding_dim", "must lie in [1, 4096]");
  auto positiveList = [&](const std::vector<int>& v, const char* field, bool allowEmpty) {
    require(allowEmpty || !v.empty(), field, "must not be empty");
    require(v.size() <= 64, field, "has more than 64 layers");
    for (int x : v) require(x > 0 && x <= 65536, field, "every size must lie in [1, 65536]");
  };
  positiveList(m.bottomHidden, "model.bottom_hidden", false);
  positiveList(m.expertHidden, "model.expert_hidden", false);
  positiveList(m.towerHidden, "model.tower_hidden", true);
  require(m.experts >= 1 && m.experts <= 1024, "model.experts", "must lie in [1, 1024]");
  require(m.levels >= 1 && m.levels <= 16, "model.levels", "must lie in [1, 16]");
  require(m.sharedExperts >= 1 && m.sharedExperts <= 1024, "model.shared_experts", "must lie in [1, 1024]");
  require(m.specificExperts >= 0 && m.specificExperts <= 1024, "model.specific_experts", "must lie in [0, 1024]");
  require(m.dtrnTaskDim >= 1 && m.dtrnTaskDim <= 65536, "model.dtrn_task_dim", "must lie in [1, 65536]");
  require(m.dtrnHyperHidden >= 1 && m.dtrnHyperHidden <= 65536, "model.dtrn_hyper_hidden", "must lie in [1, 65536]");
  require(m.dtrnReduction >= 1 && m.dtrnReduction <= 65536, "model.dtrn_reduction", "must lie in [1, 65536]");
  require(m.splitTask.empty() || m.type == ModelType::MMoE, "model.split_task", "only model type mmoe has split towers (DRGrad's Split-MMoE)");
  require(!m.ppnet || m.type == ModelType::MMoE, "model.ppnet", "only model type mmoe has the personalized gate (DRGrad's Split-MMoE)");

  const auto& t = c.train;
  require(t.steps >= 0, "train.steps", "must not be negative");
  require(t.steps > 0 || (t.epochs > 0 && t.epochs <= 1e6), "train.epochs", "must lie in (0, 1e6] when train.steps is 0");
  require(t.batchSize > 0 && t.batchSize <= (1 << 24), "train.batch_size", "must lie in [1, 16,777,216]");
  require(std::isfinite(t.lr) && t.lr > 0 && t.lr <= 100, "train.lr", "must lie in (0, 100], found " + numberText(t.lr));
  require(t.weightDecay >= 0, "train.weight_decay", "must not be negative");
  require(std::isfinite(t.l2Step) && t.l2Step >= 0, "train.l2_step", "must be a finite number, 0 or more");
  require(t.momentum >= 0 && t.momentum < 1, "train.momentum", "must lie in [0, 1)");
  for (double w : t.taskWeights) require(std::isfinite(w) && w >= 0, "train.task_weights", "weights must be finite and not negative");
  require(t.evalEvery >= 0, "train.eval_every", "must not be negative");
  require(t.recordEvery >= 1, "train.record_every", "must be at least 1");
  require(t.userSnapshotEvery >= 0, "train.user_snapshot_every", "must not be negative");
  require(t.device == "cpu" || t.device == "cuda" || t.device == "auto", "train.device",
          "unknown device '" + t.device + "' (cpu, cuda, auto)");
  // More threads than a few per core only make LibTorch's pool spin against itself (10^6 hung it).
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  require(t.threads >= 0 && t.threads <= 4 * cores, "train.threads",
          "must lie in [0, " + std::to_string(4 * cores) + "] (0: LibTorch's default; this machine has " + std::to_string(cores) + " cores)");
  require(t.checkpointEvery >= 0, "train.checkpoint_every", "must not be negative");
}

}  // namespace seesaw
