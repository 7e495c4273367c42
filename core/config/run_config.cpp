#include "config/run_config.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/json_reader.h"
#include "util/enum_names.h"
#include "util/error.h"
#include "util/regular_file.h"

namespace seesaw {

// Generated from resources/configs/*.json (see core/CMakeLists.txt).
const std::map<std::string, std::string>& embeddedPresets();

namespace {

using nlohmann::json;

const EnumNames<ModelType> kModelNames = {
    {ModelType::SharedBottom, "shared-bottom"}, {ModelType::MMoE, "mmoe"}, {ModelType::PLE, "ple"}};
const EnumNames<OptimizerType> kOptimizerNames = {
    {OptimizerType::Adam, "adam"}, {OptimizerType::AdamW, "adamw"}, {OptimizerType::SGD, "sgd"}};
const EnumNames<TaskType> kTaskTypeNames = {{TaskType::Binary, "binary"}, {TaskType::Regression, "regression"}};
const EnumNames<SplitMethod> kSplitNames = {{SplitMethod::Random, "random"}, {SplitMethod::TimePerUser, "time"}};
const EnumNames<NonFinitePolicy> kNonFiniteNames = {{NonFinitePolicy::Stop, "stop"}, {NonFinitePolicy::Skip, "skip"}};

void readColumns(const json& j, ColumnMapping& m)
{
  ObjectReader r(j, "data.columns");
  std::string delimiter;
  r.read("delimiter", delimiter);
  if (delimiter == "\\t" || delimiter == "tab") delimiter = "\t";
  if (delimiter.size() > 1) throw Error("config field data.columns.delimiter: must be one character");
  m.delimiter = delimiter.empty() ? 0 : delimiter[0];
  r.read("header", m.header);
  r.read("column_names", m.columnNames);
  r.read("trim", m.trim);
  r.read("user", m.user);
  r.read("item", m.item);
  r.read("categorical", m.categorical);
  r.read("dense", m.dense);
  r.read("timestamp", m.timestamp);
  if (const json* tasks = r.child("tasks")) {
    if (!tasks->is_array()) throw Error("config field data.columns.tasks: must be a list");
    m.tasks.clear();
    for (size_t i = 0; i < tasks->size(); ++i) {
      const std::string path = "data.columns.tasks[" + std::to_string(i) + "]";
      ObjectReader t((*tasks)[i], path);
      TaskMapping task;
      std::string type = "binary";
      t.read("name", task.name);
      t.read("column", task.column);
      t.read("type", type);
      t.read("positive_values", task.positiveValues);
      t.finish();
      task.type = kTaskTypeNames.parse(type, path + ".type", "task type");
      if (task.column.empty()) throw Error("config field " + path + ".column: is required");
      if (task.name.empty()) task.name = task.column;
      m.tasks.push_back(task);
    }
  }
  r.finish();
}

void readSynthetic(const json& j, SyntheticConfig& s)
{
  ObjectReader r(j, "data.synthetic");
  r.read("users", s.users);
  r.read("items", s.items);
  r.read("rows", s.rows);
  r.read("tasks", s.tasks);
  r.read("latent_dim", s.latentDim);
  r.read("dense_features", s.denseFeatures);
  r.read("extra_cardinalities", s.extraCardinalities);
  r.read("sine_terms", s.sineTerms);
  r.read("scale", s.scale);
  r.read("noise_std", s.noiseStd);
  r.read("seed", s.seed);
  std::string type = kTaskTypeNames.name(s.taskType);
  r.read("task_type", type);
  s.taskType = kTaskTypeNames.parse(type, "data.synthetic.task_type", "task type");
  if (const json* groups = r.child("groups")) {
    if (!groups->is_array()) throw Error("config field data.synthetic.groups: must be a list");
    s.groups.clear();
    for (size_t i = 0; i < groups->size(); ++i) {
      ObjectReader g((*groups)[i], "data.synthetic.groups[" + std::to_string(i) + "]");
      SyntheticGroup group;
      g.read("task_cosine", group.taskCosine);
      g.read("share", group.share);
      g.finish();
      s.groups.push_back(group);
    }
  }
  r.finish();
}

void readData(const json& j, DataConfig& d, const std::string& baseDir)
{
  ObjectReader r(j, "data");
  r.read("source", d.source);
  r.read("path", d.path);
  if (!d.path.empty() && d.path.front() != '/' && !baseDir.empty()) d.path = baseDir + "/" + d.path;
  r.read("tasks", d.tasks);
  if (const json* c = r.child("columns")) readColumns(*c, d.columns);
  if (const json* s = r.child("synthetic")) readSynthetic(*s, d.synthetic);
  if (const json* s = r.child("split")) {
    ObjectReader sr(*s, "data.split");
    std::string method = kSplitNames.name(d.split.method);
    sr.read("method", method);
    sr.read("valid", d.split.validFraction);
    sr.read("test", d.split.testFraction);
    sr.read("seed", d.split.seed);
    sr.finish();
    d.split.method = kSplitNames.parse(method, "data.split.method", "split");
  }
  r.finish();
}

void readModel(const json& j, ModelConfig& m)
{
  ObjectReader r(j, "model");
  std::string type = modelTypeName(m.type);
  r.read("type", type);
  m.type = parseModelType(type, "model.type");
  r.read("embedding_dim", m.embeddingDim);
  r.read("bottom_hidden", m.bottomHidden);
  r.read("experts", m.experts);
  r.read("expert_hidden", m.expertHidden);
  r.read("levels", m.levels);
  r.read("shared_experts", m.sharedExperts);
  r.read("specific_experts", m.specificExperts);
  r.read("tower_hidden", m.towerHidden);
  r.read("dtrn", m.dtrn);
  r.read("dtrn_task_dim", m.dtrnTaskDim);
  r.read("dtrn_hyper_hidden", m.dtrnHyperHidden);
  r.read("dtrn_reduction", m.dtrnReduction);
  r.read("split_task", m.splitTask);
  r.read("ppnet", m.ppnet);
  r.finish();
}

void readTrain(const json& j, TrainConfig& t)
{
  ObjectReader r(j, "train");
  r.read("steps", t.steps);
  r.read("epochs", t.epochs);
  r.read("batch_size", t.batchSize);
  std::string optimizer = optimizerName(t.optimizer);
  r.read("optimizer", optimizer);
  t.optimizer = parseOptimizer(optimizer, "train.optimizer");
  r.read("lr", t.lr);
  r.read("weight_decay", t.weightDecay);
  r.read("l2_step", t.l2Step);
  r.read("momentum", t.momentum);
  r.read("task_weights", t.taskWeights);
  r.read("eval_every", t.evalEvery);
  r.read("record_every", t.recordEvery);
  r.read("user_snapshot_every", t.userSnapshotEvery);
  r.read("geometry_levels", t.geometryLevels);
  r.read("item_geometry", t.itemGeometry);
  r.read("analyze", t.analyze);
  r.read("device", t.device);
  r.read("seed", t.seed);
  r.read("threads", t.threads);
  r.read("checkpoint_every", t.checkpointEvery);
  std::string policy = kNonFiniteNames.name(t.onNonFinite);
  r.read("on_non_finite", policy);
  t.onNonFinite = kNonFiniteNames.parse(policy, "train.on_non_finite", "policy");
  r.finish();
}

std::string dirName(const std::string& path)
{
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

std::string modelTypeName(ModelType type) { return kModelNames.name(type); }

ModelType parseModelType(const std::string& name, const std::string& field)
{
  return kModelNames.parse(name, field, "model");
}

std::string optimizerName(OptimizerType type) { return kOptimizerNames.name(type); }

OptimizerType parseOptimizer(const std::string& name, const std::string& field)
{
  return kOptimizerNames.parse(name, field, "optimizer");
}

std::pair<std::string, double> parseParamAssignment(const std::string& assignment)
{
  const auto eq = assignment.find('=');
  char* end = nullptr;
  const double value = eq == std::string::npos ? 0 : std::strtod(assignment.c_str() + eq + 1, &end);
  if (eq == std::string::npos || eq == 0 || end == assignment.c_str() + eq + 1 || *end != '\0')
    throw Error("--param " + assignment + ": expected NAME=NUMBER");
  return {assignment.substr(0, eq), value};
}

RunConfig parseRunConfig(const std::string& jsonText, const std::string& sourceName, const std::string& baseDir)
{
  json j;
  try {
    j = json::parse(jsonText);
  } catch (const json::parse_error& e) {
    throw Error(sourceName + ": not valid JSON (" + e.what() + ")");
  } catch (const json::out_of_range&) {
    const std::string path = failingValuePath(jsonText);
    const std::string field = path.empty() ? "the config (a number at its top level)" : "config field " + path;
    throw Error(sourceName + ": " + field + ": the number is out of range (beyond +-1.8e308)");
  }
  RunConfig config;
  try {
    ObjectReader r(j, "");
    r.read("name", config.name);
    if (const json* d = r.child("data")) readData(*d, config.data, baseDir);
    if (const json* m = r.child("model")) readModel(*m, config.model);
    if (const json* t = r.child("train")) readTrain(*t, config.train);
    if (const json* m = r.child("method")) {
      ObjectReader mr(*m, "method");
      mr.read("name", config.method.name);
      if (const json* params = mr.child("params")) {
        ObjectReader pr(*params, "method.params");
        for (auto it = params->begin(); it != params->end(); ++it) {
          double value = 0;
          pr.read(it.key().c_str(), value);
          config.method.params[it.key()] = value;
        }
        pr.finish();
      }
      mr.finish();
    }
    r.finish();
  } catch (const Error& e) {
    throw Error(sourceName + ": " + e.what());
  }
  return config;
}

RunConfig loadRunConfigFile(const std::string& path)
{
  requireRegularFile(path, "config file");
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open config file");
  std::stringstream text;
  text << in.rdbuf();
  return parseRunConfig(text.str(), path, dirName(path));
}

std::vector<std::string> presetNames()
{
  std::vector<std::string> names;
  for (const auto& [name, text] : embeddedPresets()) names.push_back(name);
  return names;
}

RunConfig presetConfig(const std::string& name)
{
  const auto& presets = embeddedPresets();
  auto it = presets.find(name);
  if (it == presets.end()) {
    std::string known;
    for (const auto& n : presetNames()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown preset '" + name + "' (known: " + known + ")");
  }
  return parseRunConfig(it->second, "preset " + name, "");
}

std::string toJsonString(const RunConfig& c)
{
  json columns = {{"delimiter", c.data.columns.delimiter ? std::string(1, c.data.columns.delimiter) : ""},
                  {"header", c.data.columns.header},
                  {"column_names", c.data.columns.columnNames},
                  {"trim", c.data.columns.trim},
                  {"user", c.data.columns.user},
                  {"item", c.data.columns.item},
                  {"categorical", c.data.columns.categorical},
                  {"dense", c.data.columns.dense},
                  {"timestamp", c.data.columns.timestamp},
                  {"tasks", json::array()}};
  for (const auto& t : c.data.columns.tasks)
    columns["tasks"].push_back({{"name", t.name},
                                {"column", t.column},
                                {"type", kTaskTypeNames.name(t.type)},
                                {"positive_values", t.positiveValues}});
  const auto& s = c.data.synthetic;
  json groups = json::array();
  for (const auto& g : s.groups) groups.push_back({{"task_cosine", g.taskCosine}, {"share", g.share}});
  json j = {
      {"name", c.name},
      {"data",
       {{"source", c.data.source},
        {"path", c.data.path},
        {"tasks", c.data.tasks},
        {"columns", columns},
        {"synthetic",
         {{"users", s.users}, {"items", s.items}, {"rows", s.rows}, {"tasks", s.tasks},
          {"latent_dim", s.latentDim}, {"dense_features", s.denseFeatures},
          {"extra_cardinalities", s.extraCardinalities}, {"sine_terms", s.sineTerms}, {"scale", s.scale},
          {"noise_std", s.noiseStd}, {"seed", s.seed},
          {"task_type", kTaskTypeNames.name(s.taskType)}, {"groups", groups}}},
        {"split",
         {{"method", kSplitNames.name(c.data.split.method)},
          {"valid", c.data.split.validFraction}, {"test", c.data.split.testFraction},
          {"seed", c.data.split.seed}}}}},
      {"model",
       {{"type", modelTypeName(c.model.type)}, {"embedding_dim", c.model.embeddingDim},
        {"bottom_hidden", c.model.bottomHidden}, {"experts", c.model.experts},
        {"expert_hidden", c.model.expertHidden}, {"levels", c.model.levels},
        {"shared_experts", c.model.sharedExperts}, {"specific_experts", c.model.specificExperts},
        {"dtrn", c.model.dtrn}, {"dtrn_task_dim", c.model.dtrnTaskDim},
        {"dtrn_hyper_hidden", c.model.dtrnHyperHidden}, {"dtrn_reduction", c.model.dtrnReduction},
        {"tower_hidden", c.model.towerHidden}, {"split_task", c.model.splitTask}, {"ppnet", c.model.ppnet}}},
      {"train",
       {{"steps", c.train.steps}, {"epochs", c.train.epochs}, {"batch_size", c.train.batchSize},
        {"optimizer", optimizerName(c.train.optimizer)}, {"lr", c.train.lr},
        {"weight_decay", c.train.weightDecay}, {"l2_step", c.train.l2Step}, {"momentum", c.train.momentum},
        {"task_weights", c.train.taskWeights}, {"eval_every", c.train.evalEvery},
        {"record_every", c.train.recordEvery}, {"user_snapshot_every", c.train.userSnapshotEvery},
        {"geometry_levels", c.train.geometryLevels}, {"item_geometry", c.train.itemGeometry}, {"analyze", c.train.analyze}, {"device", c.train.device},
        {"seed", c.train.seed}, {"threads", c.train.threads}, {"checkpoint_every", c.train.checkpointEvery},
        {"on_non_finite", kNonFiniteNames.name(c.train.onNonFinite)}}},
      {"method", {{"name", c.method.name}, {"params", c.method.params}}}};
  return j.dump(2);
}

}  // namespace seesaw
