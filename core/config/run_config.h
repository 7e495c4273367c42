#pragma once
// The run config: everything a training run needs, read from JSON (docs/config.md) or from an
// embedded preset, then adjusted by command-line overrides. seesaw-train and the desktop app
// read and write the same format.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "data/data_config.h"

namespace seesaw {

enum class ModelType { SharedBottom, MMoE, PLE };

struct ModelConfig
{
  ModelType type = ModelType::MMoE;
  int embeddingDim = 16;
  std::vector<int> bottomHidden = {128, 64};  // shared-bottom
  int experts = 4;                            // mmoe
  std::vector<int> expertHidden = {128, 64};  // mmoe and ple experts
  int levels = 2;                             // ple extraction levels (1 = CGC)
  int sharedExperts = 1;                      // ple, per level
  int specificExperts = 1;                    // ple, per task and level
  std::vector<int> towerHidden = {32};
  bool dtrn = false;                          // DTRN's task-specific bottom representations, any type
  int dtrnTaskDim = 8;                        // dtrn: task embedding size
  int dtrnHyperHidden = 16;                   // dtrn: hidden width of the hypernetwork
  int dtrnReduction = 2;                      // dtrn: SENet reduction ratio over the fields
  std::string splitTask;                      // mmoe: DRGrad's split primary task; empty: none
  bool ppnet = false;                         // mmoe: DRGrad's personalized gate on user and item ids
};

enum class OptimizerType { Adam, AdamW, SGD };
enum class NonFinitePolicy { Stop, Skip };

struct TrainConfig
{
  int64_t steps = 0;     // > 0 overrides epochs
  double epochs = 1.0;
  int batchSize = 2048;
  OptimizerType optimizer = OptimizerType::Adam;
  double lr = 1e-3;
  double weightDecay = 0.0;
  double l2Step = 0.0;             // > 0: GradCraft's second optimizer step on l2_step * sum |W|^2
  double momentum = 0.0;           // sgd
  std::vector<double> taskWeights; // fixed loss weights; empty means 1 for every task
  int64_t evalEvery = 200;         // steps between validation passes; 0: only at the end
  int64_t recordEvery = 1;         // steps between step records
  int64_t userSnapshotEvery = 50;  // steps per per-user window (needs analyze); 0: none
  // Per-user geometry levels to record (embedding, representation, exact), the default level
  // first; empty: every level the model has (Trainer resolves it, docs/per-user-geometry.md).
  std::vector<std::string> geometryLevels;
  bool itemGeometry = false;       // the same per-item geometry in every snapshot
  bool analyze = true;             // per-task gradients and their geometry every step
  std::string device = "auto";     // cpu | cuda | auto
  uint64_t seed = 1;
  int threads = 0;                 // 0: LibTorch's default
  int64_t checkpointEvery = 0;     // steps between checkpoints (docs/checkpoints.md); 0: on request only
  NonFinitePolicy onNonFinite = NonFinitePolicy::Stop;
};

struct MethodConfig
{
  std::string name = "ew";
  std::map<std::string, double> params;  // hyperparameters by name; the registry supplies the rest
};

struct RunConfig
{
  std::string name;  // free text, e.g. the preset name
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  MethodConfig method;
};

// Parses JSON text. Unknown fields and wrong types are refused with the field's path.
// baseDir resolves a relative data.path (the config file's directory, or "" for the cwd).
RunConfig parseRunConfig(const std::string& jsonText, const std::string& sourceName, const std::string& baseDir);
RunConfig loadRunConfigFile(const std::string& path);

// Embedded presets (resources/configs/<name>.json).
std::vector<std::string> presetNames();
RunConfig presetConfig(const std::string& name);

// Refuses out-of-range values, naming the field (model.type, train.lr, ...). Only the fields that
// config/ can judge by itself: the method and the geometry levels belong to the layers above, and
// validate (train/run_validation.h) checks the whole config.
void validateFields(const RunConfig& config);

std::string toJsonString(const RunConfig& config);

std::string modelTypeName(ModelType type);
std::string optimizerName(OptimizerType type);
ModelType parseModelType(const std::string& name, const std::string& field);
OptimizerType parseOptimizer(const std::string& name, const std::string& field);
// A method hyperparameter given as NAME=NUMBER (seesaw-train --param); throws seesaw::Error otherwise.
std::pair<std::string, double> parseParamAssignment(const std::string& assignment);

}  // namespace seesaw
