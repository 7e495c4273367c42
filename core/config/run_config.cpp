#include "config/run_config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "methods/registry.h"
#include "train/geometry_levels.h"
#include "util/enum_names.h"
#include "util/error.h"
#include "util/regular_file.h"

namespace seesaw {

// Generated from resources/configs/*.json (see core/CMakeLists.txt).
const std::map<std::string, std::string>& embeddedPresets();

namespace {

// A number as a person reads it: 0.001, 1e+30, inf.
std::string numberText(double v)
{
  std::ostringstream text;
  text << v;
  return text.str();
}

using nlohmann::json;

// The path of the value a JSON parser was reading when it failed ("train.lr", "model.tower_hidden[1]"):
// for the one error nlohmann reports without a place, a number beyond double's range.
class ValuePath : public nlohmann::json_sax<json>
{
public:
  std::string path() const
  {
    std::string out;
    for (const Frame& f : frames_) out += f.object ? (out.empty() ? "" : ".") + f.key : "[" + std::to_string(f.index) + "]";
    return out;
  }

  bool null() override { return done(); }
  bool boolean(bool) override { return done(); }
  bool number_integer(number_integer_t) override { return done(); }
  bool number_unsigned(number_unsigned_t) override { return done(); }
  bool number_float(number_float_t, const string_t&) override { return done(); }
  bool string(string_t&) override { return done(); }
  bool binary(binary_t&) override { return done(); }
  bool start_object(std::size_t) override { return push(true); }
  bool key(string_t& k) override
  {
    frames_.back().key = k;
    return true;
  }
  bool end_object() override { return pop(); }
  bool start_array(std::size_t) override { return push(false); }
  bool end_array() override { return pop(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
  struct Frame
  {
    bool object;
    std::string key;
    size_t index = 0;
  };
  bool done()
  {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }
  bool push(bool object)
  {
    frames_.push_back({object, {}, 0});
    return true;
  }
  bool pop()
  {
    frames_.pop_back();
    return done();
  }
  std::vector<Frame> frames_;
};

const EnumNames<ModelType> kModelNames = {
    {ModelType::SharedBottom, "shared-bottom"}, {ModelType::MMoE, "mmoe"}, {ModelType::PLE, "ple"}};
const EnumNames<OptimizerType> kOptimizerNames = {
    {OptimizerType::Adam, "adam"}, {OptimizerType::AdamW, "adamw"}, {OptimizerType::SGD, "sgd"}};
const EnumNames<TaskType> kTaskTypeNames = {{TaskType::Binary, "binary"}, {TaskType::Regression, "regression"}};
const EnumNames<SplitMethod> kSplitNames = {{SplitMethod::Random, "random"}, {SplitMethod::TimePerUser, "time"}};
const EnumNames<NonFinitePolicy> kNonFiniteNames = {{NonFinitePolicy::Stop, "stop"}, {NonFinitePolicy::Skip, "skip"}};

// Reads one JSON object field by field; refuses unknown fields so that typos do not pass silently.
class ObjectReader
{
public:
  ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path))
  {
    if (!object_.is_object()) throw Error("config field " + where() + ": must be an object");
  }
  ~ObjectReader() = default;

  template <typename T>
  void read(const char* key, T& out)
  {
    seen_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end()) return;
    out = convert<T>(*it, field(key));
  }

  const json* child(const char* key)
  {
    seen_.insert(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  void finish() const
  {
    for (auto it = object_.begin(); it != object_.end(); ++it)
      if (!seen_.count(it.key())) throw Error("config field " + field(it.key().c_str()) + ": unknown field");
  }

  std::string field(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  std::string where() const { return path_.empty() ? "(root)" : path_; }

private:
  // Strict conversion: nlohmann would turn 2.7 or true into an integer and -1 into a huge
  // unsigned seed without a word.
  template <typename T>
  static T convert(const json& value, const std::string& path)
  {
    auto refuse = [&](const std::string& expected) -> T {
      throw Error("config field " + path + ": expected " + expected + ", found " + value.dump());
    };
    if constexpr (std::is_same_v<T, bool>) {
      if (!value.is_boolean()) return refuse("true or false");
      return value.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!value.is_number_integer()) return refuse("an integer");
      if (value.is_number_unsigned()) {
        const auto v = value.get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) return refuse("a smaller integer");
        return static_cast<T>(v);
      }
      const auto v = value.get<int64_t>();
      if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
        return refuse(std::is_unsigned_v<T> ? "a non-negative integer" : "a smaller integer");
      return static_cast<T>(v);
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!value.is_number()) return refuse("a number");
      return value.get<T>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!value.is_string()) return refuse("a string");
      return value.get<std::string>();
    } else {
      if (!value.is_array()) return refuse("a list");
      T out;
      for (size_t i = 0; i < value.size(); ++i)
        out.push_back(convert<typename T::value_type>(value[i], path + "[" + std::to_string(i) + "]"));
      return out;
    }
  }

  const json& object_;
  std::string path_;
  std::set<std::string> seen_;
};

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
    ValuePath where;
    json::sax_parse(jsonText, &where);
    const std::string field = where.path().empty() ? "the config (a number at its top level)" : "config field " + where.path();
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

void validate(const RunConfig& c)
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
  for (size_t i = 0; i < t.geometryLevels.size(); ++i) {
    const std::string& level = t.geometryLevels[i];
    const auto& names = geometryLevelNames();
    require(std::find(names.begin(), names.end(), level) != names.end(), "train.geometry_levels",
            "unknown level '" + level + "' (embedding, representation, exact)");
    require(std::find(t.geometryLevels.begin(), t.geometryLevels.begin() + static_cast<long>(i), level) ==
                t.geometryLevels.begin() + static_cast<long>(i),
            "train.geometry_levels", "lists '" + level + "' twice");
  }
  require(t.device == "cpu" || t.device == "cuda" || t.device == "auto", "train.device",
          "unknown device '" + t.device + "' (cpu, cuda, auto)");
  // More threads than a few per core only make LibTorch's pool spin against itself (10^6 hung it).
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  require(t.threads >= 0 && t.threads <= 4 * cores, "train.threads",
          "must lie in [0, " + std::to_string(4 * cores) + "] (0: LibTorch's default; this machine has " + std::to_string(cores) + " cores)");
  require(t.checkpointEvery >= 0, "train.checkpoint_every", "must not be negative");
  require(methodRegistry().contains(c.method.name), "method.name",
          "unknown method '" + c.method.name + "' (" + methodRegistry().namesJoined() + ")");
  methodRegistry().resolve(c.method.name, c.method.params);
  require(methodRegistry().info(c.method.name).needsTaskGradients ? t.analyze : true, "train.analyze",
          "method '" + c.method.name + "' combines per-task gradients and needs train.analyze on");
  require(c.method.name == "fixed" ? !t.taskWeights.empty() : t.taskWeights.empty(), "train.task_weights",
          c.method.name == "fixed" ? "method 'fixed' needs one weight per task"
                                   : "applies to method 'fixed' only (method is '" + c.method.name + "')");
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
