#include "trace/trace_file.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "records/task_pairs.h"
#include "util/fnv1a.h"

namespace seesaw::trace {
namespace {

using h5::Handle;
using h5::Series;

constexpr hsize_t kStepChunk = 512;    // step records per chunk (2 KB to a few 100 KB)
constexpr hsize_t kEvalChunk = 64;
constexpr hsize_t kSnapshotChunk = 64;
constexpr hsize_t kUserChunk = 16384;  // users per chunk of a snapshot: a 100,000-user snapshot is 7 reads

const char* const kGroups[] = {"/steps", "/eval", "/eval/valid", "/eval/test", "/users", "/modules", "/method",
                               "/status", "/changes"};

// The file and memory type of the change log's texts. Made once and kept for the process: the
// column list that names it is rebuilt by every create, open and series().
hid_t changeTextType()
{
  static const hid_t type = h5::fixedStringType(kChangeTextBytes).release();
  return type;
}

struct Column
{
  std::string path;
  hid_t fileType, memType;
  std::vector<hsize_t> inner;
  std::vector<hsize_t> chunk;  // rows first; missing dimensions take the whole inner extent
  Series* series;
};

// The snapshot series of users or items (n of them) under /<group>.
void addEntityColumns(std::vector<Column>& c, const TraceFile& f, const std::string& group, hsize_t n, EntitySeries& e)
{
  const hid_t F32 = H5T_IEEE_F32LE, I64 = H5T_STD_I64LE, I32 = H5T_STD_I32LE;
  const hid_t f32 = H5T_NATIVE_FLOAT, i64 = H5T_NATIVE_INT64, i32 = H5T_NATIVE_INT32;
  const std::vector<hsize_t> snapshot = {kSnapshotChunk}, entity = {1, kUserChunk};
  const Dims& d = f.dims;
  const std::string g = "/" + group + "/";
  c.push_back({g + "snapshot_step", I64, i64, {}, snapshot, &e.snapshotStep});
  c.push_back({g + "window_start", I64, i64, {}, snapshot, &e.windowStart});
  c.push_back({g + "weight", F32, f32, {n, d.tasks}, entity, &e.weight});
  c.push_back({g + "count", I32, i32, {n}, entity, &e.count});
  for (size_t i = 0; i < f.levels.size(); ++i) {
    const std::string at = f.singleLevelLayout ? g : g + f.levels[i] + "/";
    LevelSeries& l = e.levels[i];
    c.push_back({at + "cosine", F32, f32, {n, d.pairs}, entity, &l.cosine});
    c.push_back({at + "grad_norm", F32, f32, {n, d.tasks}, entity, &l.gradNorm});
    if (!f.singleLevelLayout) c.push_back({at + "magnitude_ratio", F32, f32, {n, d.tasks}, entity, &l.magnitudeRatio});
  }
}

// Every series of a trace. create() and open() both walk this list.
std::vector<Column> columnsOf(TraceFile& f)
{
  const Dims& d = f.dims;
  const hid_t F32 = H5T_IEEE_F32LE, F64 = H5T_IEEE_F64LE, I64 = H5T_STD_I64LE, U32 = H5T_STD_U32LE;
  const hid_t f32 = H5T_NATIVE_FLOAT, f64 = H5T_NATIVE_DOUBLE, i64 = H5T_NATIVE_INT64, u32 = H5T_NATIVE_UINT32;
  const std::vector<hsize_t> step = {kStepChunk};
  std::vector<Column> c = {
      {"/steps/step", I64, i64, {}, step, &f.steps.step},
      {"/steps/epoch", F64, f64, {}, step, &f.steps.epoch},
      {"/steps/wall_time", F64, f64, {}, step, &f.steps.wallTime},
      {"/steps/lr", F64, f64, {}, step, &f.steps.lr},
      {"/steps/flags", U32, u32, {}, step, &f.steps.flags},
      {"/steps/loss", F32, f32, {d.tasks}, step, &f.steps.loss},
      {"/steps/grad_norm", F32, f32, {d.tasks}, step, &f.steps.gradNorm},
      {"/steps/cosine", F32, f32, {d.tasks, d.tasks}, step, &f.steps.cosine},
      {"/steps/magnitude_ratio", F32, f32, {d.tasks}, step, &f.steps.magnitudeRatio},
      {"/steps/weight", F32, f32, {d.tasks}, step, &f.steps.weight},
      {"/steps/module_cosine", F32, f32, {d.modules, d.pairs}, step, &f.steps.moduleCosine},
  };
  if (f.hasMethodState) c.push_back({"/steps/method_state", F32, f32, {d.methodStates}, step, &f.steps.methodState});
  for (const auto& [split, series] : {std::pair<std::string, EvalSeries*>{"valid", &f.valid}, {"test", &f.test}}) {
    const std::string g = "/eval/" + split + "/";
    c.push_back({g + "step", I64, i64, {}, {kEvalChunk}, &series->step});
    for (const auto& [name, member] : {std::pair<const char*, Series*>{"auc", &series->auc}, {"gauc", &series->gauc},
                                       {"logloss", &series->logloss}, {"mse", &series->mse}})
      c.push_back({g + name, F64, f64, {d.tasks}, {kEvalChunk}, member});
  }
  addEntityColumns(c, f, "users", d.users, f.users);
  if (f.itemGeometry) addEntityColumns(c, f, "items", d.items, f.items);
  if (f.hasChanges) {
    const hid_t text = changeTextType();
    c.push_back({"/changes/step", I64, i64, {}, {kEvalChunk}, &f.changes.step});
    for (const auto& [name, member] : {std::pair<const char*, Series*>{"field", &f.changes.field}, {"old_value", &f.changes.oldValue},
                                       {"new_value", &f.changes.newValue}, {"refused", &f.changes.refused}})
      c.push_back({std::string("/changes/") + name, text, text, {}, {kEvalChunk}, member});
  }
  return c;
}

// The entity groups a trace holds.
std::vector<std::string> entityGroups(const TraceFile& f)
{
  if (f.itemGeometry) return {"users", "items"};
  return {"users"};
}

// What both create() and open() take from the run info: the shape of every series.
void describe(TraceFile& f, const RunInfo& info)
{
  f.dims = Dims::of(info);
  f.levels = info.geometryLevels;
  f.itemGeometry = info.itemGeometry;
  f.users.levels.resize(f.levels.size());
  f.items.levels.resize(f.itemGeometry ? f.levels.size() : 0);
}

// A level names a group beside its entity's own datasets, so it must be a distinct plain name.
void checkLevelNames(const std::vector<std::string>& levels, const std::string& context)
{
  const std::vector<std::string> taken = {"id", "group", "level", "snapshot_step", "window_start",
                                          "cosine", "grad_norm", "magnitude_ratio", "weight", "count"};
  for (auto it = levels.begin(); it != levels.end(); ++it)
    if (it->empty() || it->find('/') != std::string::npos || *it == "." || std::find(taken.begin(), taken.end(), *it) != taken.end() ||
        std::find(levels.begin(), it, *it) != it)
      throw Error(context + ": geometry level '" + *it + "' cannot name a group (empty, holds '/', repeated or a dataset's name)");
}

void createGroup(hid_t file, const std::string& path, const std::string& context)
{
  Handle(h5::check(H5Gcreate2(file, path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), context));
}

void writeUserGroups(hid_t file, const std::vector<int32_t>& groups, const std::string& context)
{
  const hsize_t n[1] = {groups.size()};
  Handle space(h5::check(H5Screate_simple(1, n, nullptr), context));
  // Chunked for a Fletcher-32 checksum: contiguous data has none, and a flipped bit would move a
  // user to another group unnoticed.
  Handle properties(h5::check(H5Pcreate(H5P_DATASET_CREATE), context));
  if (n[0] > 0) {
    const hsize_t chunk[1] = {std::min<hsize_t>(n[0], kUserChunk)};
    h5::check(H5Pset_chunk(properties, 1, chunk), context);
    h5::check(H5Pset_fletcher32(properties), context);
  }
  Handle dataset(h5::check(H5Dcreate2(file, "/users/group", H5T_STD_I32LE, space, H5P_DEFAULT, properties, H5P_DEFAULT), context));
  if (n[0] > 0) h5::check(H5Dwrite(dataset, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, groups.data()), context);
}

// /<group>/cosine, grad_norm and magnitude_ratio name the default level's series: readers that
// know nothing of levels read it there, and it is stored once.
void linkDefaultLevel(hid_t file, const std::string& group, const std::string& level)
{
  for (const char* name : {"cosine", "grad_norm", "magnitude_ratio"}) {
    const std::string target = "/" + group + "/" + level + "/" + name, link = "/" + group + "/" + name;
    h5::check(H5Lcreate_soft(target.c_str(), file, link.c_str(), H5P_DEFAULT, H5P_DEFAULT), "link " + link);
  }
}

const char* const kStatusNames[] = {"state", "message", "heartbeat", "steps", "valid_evals", "test_evals", "snapshots", "changes"};

Handle openStatus(hid_t file, const char* name)
{
  return Handle(h5::check(H5Dopen2(file, (std::string("/status/") + name).c_str(), H5P_DEFAULT), std::string("dataset /status/") + name));
}

Handle messageType() { return h5::fixedStringType(kStatusMessageBytes, H5T_STR_NULLTERM); }

// The type each status dataset has in the file and in memory.
std::pair<Handle, hid_t> statusType(const std::string& name)
{
  if (name == "state") return {Handle(H5Tcopy(H5T_STD_I32LE)), H5T_NATIVE_INT32};
  if (name == "message") {
    Handle type = messageType();
    const hid_t mem = type.get();
    return {std::move(type), mem};
  }
  if (name == "heartbeat") return {Handle(H5Tcopy(H5T_IEEE_F64LE)), H5T_NATIVE_DOUBLE};
  return {Handle(H5Tcopy(H5T_STD_I64LE)), H5T_NATIVE_INT64};
}

// The string attributes that describe the run, in the order their digest takes them.
const char* const kDescriptionAttributes[] = {"format", "software_version", "start_time", "branch_parent", "branch_checkpoint",
                                              "device", "method", "config", "task_names", "task_types"};

// FNV-1a (64 bits) over each present description attribute's name and values, each followed by a
// NUL. HDF5 checksums an attribute of up to 4 KB, not a longer one (a long config), so the writer
// stores this digest and the reader recomputes it (format version 3; any changed byte changes it).
uint64_t descriptionDigest(hid_t file)
{
  Fnv1a digest;
  for (const char* name : kDescriptionAttributes) {
    if (!h5::hasAttribute(file, name)) continue;
    digest.addText(name);
    for (const std::string& value : h5::readStringListAttribute(file, name)) digest.addText(value);
  }
  return digest.value();
}

void writeRunInfo(hid_t file, const RunInfo& info)
{
  h5::writeStringAttribute(file, "format", kFormatName);
  h5::writeIntAttribute(file, "format_version", kFormatVersion);
  h5::writeStringAttribute(file, "software_version", info.softwareVersion);
  h5::writeStringAttribute(file, "start_time", info.startTime);
  if (info.branch.step > 0 || !info.branch.checkpoint.empty()) {
    h5::writeStringAttribute(file, "branch_parent", info.branch.parentTrace);
    h5::writeStringAttribute(file, "branch_checkpoint", info.branch.checkpoint);
    h5::writeIntAttribute(file, "branch_step", info.branch.step);
  }
  h5::writeStringAttribute(file, "device", info.device);
  h5::writeStringAttribute(file, "method", info.method);
  h5::writeStringAttribute(file, "config", info.configJson);
  h5::writeStringListAttribute(file, "task_names", info.taskNames);
  std::vector<std::string> types;
  for (TaskType t : info.taskTypes) types.push_back(t == TaskType::Binary ? "binary" : "regression");
  h5::writeStringListAttribute(file, "task_types", types);
  h5::writeIntAttribute(file, "data_rows", static_cast<int64_t>(info.data.rows));
  h5::writeIntAttribute(file, "data_users", info.data.users);
  h5::writeIntAttribute(file, "data_items", info.data.items);
  h5::writeDoubleListAttribute(file, "data_label_means", info.data.labelMeans);
  h5::writeIntAttribute(file, "train_rows", static_cast<int64_t>(info.trainRows));
  h5::writeIntAttribute(file, "valid_rows", static_cast<int64_t>(info.validRows));
  h5::writeIntAttribute(file, "test_rows", static_cast<int64_t>(info.testRows));
  h5::writeIntAttribute(file, "total_steps", info.totalSteps);
  h5::writeIntAttribute(file, "steps_per_epoch", info.stepsPerEpoch);
  h5::writeIntAttribute(file, "batch_size", info.batchSize);
  h5::writeIntAttribute(file, "shared_parameters", info.sharedParameters);
  h5::writeIntAttribute(file, "total_parameters", info.totalParameters);
  h5::writeIntAttribute(file, "analyze", info.analyze ? 1 : 0);
  h5::writeIntAttribute(file, "user_snapshot_every", info.userSnapshotEvery);
  h5::writeIntAttribute(file, "world_size", info.worldSize);
  h5::writeStringAttribute(file, "backend", info.backend);
  h5::writeIntAttribute(file, "description_digest", static_cast<int64_t>(descriptionDigest(file)));
}

// The status count that bounds the rows of the series at path.
int64_t Status::*countOf(const std::string& path)
{
  const auto under = [&](const char* prefix) { return path.rfind(prefix, 0) == 0; };
  if (under("/steps/")) return &Status::steps;
  if (under("/users/") || under("/items/")) return &Status::snapshots;
  if (under("/changes/")) return &Status::changes;
  return under("/eval/valid/") ? &Status::validEvals : &Status::testEvals;
}

// The levels and the items a trace records. A trace from before levels holds one, the embedding
// level, and no items.
void readGeometryInfo(hid_t file, RunInfo& info)
{
  info.geometryLevels = h5::hasLink(file, "/users/level") ? h5::readStringDataset(file, "/users/level")
                                                          : std::vector<std::string>{kSingleLayoutLevel};
  // A run without levels records no per-user geometry, hence no link to a default level's.
  if (info.geometryLevels.empty() && h5::hasLink(file, "/users/cosine"))
    throw Error("dataset /users/level is empty, but /users/cosine holds a level's per-user geometry");
  info.itemGeometry = h5::hasLink(file, "/items");
  if (!info.itemGeometry) return;
  info.itemIds = h5::readStringDataset(file, "/items/id");
  if (h5::readStringDataset(file, "/items/level") != info.geometryLevels) throw Error("dataset /items/level differs from /users/level");
}

}  // namespace

Dims Dims::of(const RunInfo& info)
{
  Dims d;
  d.tasks = info.taskNames.size();
  d.pairs = static_cast<hsize_t>(pairCount(static_cast<int>(d.tasks)));
  d.modules = info.moduleNames.size();
  d.users = info.userIds.size();
  d.items = info.itemGeometry ? info.itemIds.size() : 0;
  d.methodStates = info.methodStateNames.size();
  d.levels = info.geometryLevels.size();
  return d;
}

TraceFile TraceFile::create(const std::string& path, const RunInfo& info, Compression compression)
{
  if (info.taskTypes.size() != info.taskNames.size() || info.userGroups.size() != info.userIds.size())
    throw Error("trace " + path + ": inconsistent run info (tasks or users)");
  const std::string context = "trace " + path;
  checkLevelNames(info.geometryLevels, context);
  Handle access(h5::check(H5Pcreate(H5P_FILE_ACCESS), context));
  // SWMR needs the newest file format, whose metadata also carries checksums.
  h5::check(H5Pset_libver_bounds(access, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), context);
  // Metadata in whole pages of the page cache's size (paged aggregation): SIGKILL can cut a write
  // short at a page boundary, which would leave a block that straddles one half old and half new,
  // failing its checksum; a block within one page is written whole or not at all.
  Handle creation(h5::check(H5Pcreate(H5P_FILE_CREATE), context));
  h5::check(H5Pset_file_space_strategy(creation, H5F_FSPACE_STRATEGY_PAGE, 0, 1), context);
  h5::check(H5Pset_file_space_page_size(creation, 4096), context);
  TraceFile f;
  f.file = Handle(h5::check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, creation, access), "cannot create trace " + path));
  describe(f, info);
  f.hasMethodState = true;
  f.hasChanges = true;
  writeRunInfo(f.file, info);
  for (const char* g : kGroups) createGroup(f.file, g, context);
  if (f.itemGeometry) createGroup(f.file, "/items", context);
  for (const std::string& g : entityGroups(f))
    for (const std::string& level : f.levels) createGroup(f.file, "/" + g + "/" + level, context);
  h5::writeStringDataset(f.file, "/modules/name", info.moduleNames);
  h5::writeStringDataset(f.file, "/users/id", info.userIds);
  h5::writeStringDataset(f.file, "/method/state_name", info.methodStateNames);
  writeUserGroups(f.file, info.userGroups, context);
  if (f.itemGeometry) h5::writeStringDataset(f.file, "/items/id", info.itemIds);
  for (const std::string& g : entityGroups(f)) h5::writeStringDataset(f.file, ("/" + g + "/level").c_str(), f.levels);
  for (const Column& c : columnsOf(f)) *c.series = Series::create(f.file, c.path, c.fileType, c.memType, c.inner, c.chunk, compression == Compression::Deflate);
  if (!f.levels.empty())
    for (const std::string& g : entityGroups(f)) linkDefaultLevel(f.file, g, f.levels.front());
  for (const char* name : kStatusNames) {
    auto [fileType, memType] = statusType(name);
    Handle space(h5::check(H5Screate(H5S_SCALAR), context));
    Handle(h5::check(H5Dcreate2(f.file, (std::string("/status/") + name).c_str(), fileType, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), context));
  }
  f.writeStatus(Status{});
  h5::check(H5Fstart_swmr_write(f.file), context + ": starting SWMR writing");
  return f;
}

TraceFile TraceFile::open(Handle file, const RunInfo& info)
{
  TraceFile f;
  f.file = std::move(file);
  f.singleLevelLayout = !h5::hasLink(f.file, "/users/level");
  describe(f, info);
  // A trace from before method state was recorded lacks the dataset and reads as a method that reports
  // nothing; one that names states must hold them.
  f.hasMethodState = f.dims.methodStates > 0 || h5::hasLink(f.file, "/steps/method_state");
  f.hasChanges = h5::hasLink(f.file, "/changes");
  for (const Column& c : columnsOf(f)) *c.series = Series::open(f.file, c.path, c.fileType, c.memType, c.inner);
  return f;
}

std::vector<std::pair<Series*, int64_t Status::*>> TraceFile::series()
{
  std::vector<std::pair<Series*, int64_t Status::*>> out;
  for (const Column& c : columnsOf(*this)) out.emplace_back(c.series, countOf(c.path));
  return out;
}

void TraceFile::writeStatus(const Status& s)
{
  char message[kStatusMessageBytes] = {};
  std::strncpy(message, s.message.c_str(), kStatusMessageBytes - 1);
  const auto state = static_cast<int32_t>(s.state);
  const void* values[] = {&state, message, &s.heartbeat, &s.steps, &s.validEvals, &s.testEvals, &s.snapshots, &s.changes};
  for (size_t i = 0; i < std::size(kStatusNames); ++i) {
    Handle dataset = openStatus(file, kStatusNames[i]);
    auto type = statusType(kStatusNames[i]);
    h5::check(H5Dwrite(dataset, type.second, H5S_ALL, H5S_ALL, H5P_DEFAULT, values[i]), std::string("writing /status/") + kStatusNames[i]);
  }
}

Status TraceFile::readStatus() const
{
  Status s;
  int32_t state = 0;
  char message[kStatusMessageBytes] = {};
  void* values[] = {&state, message, &s.heartbeat, &s.steps, &s.validEvals, &s.testEvals, &s.snapshots, &s.changes};
  for (size_t i = 0; i < std::size(kStatusNames); ++i) {
    if (!hasChanges && std::strcmp(kStatusNames[i], "changes") == 0) continue;  // a trace from before the change log
    Handle dataset = openStatus(file, kStatusNames[i]);
    const std::string context = std::string("dataset /status/") + kStatusNames[i];
    h5::check(H5Drefresh(dataset), context);
    auto type = statusType(kStatusNames[i]);
    // Checked before reading: the read fills one value, whatever the file holds.
    h5::checkDatasetType(dataset, type.first, context);
    Handle space(h5::check(H5Dget_space(dataset), context));
    if (H5Sget_simple_extent_type(space) != H5S_SCALAR) throw Error(context + ": not a single value");
    h5::check(H5Dread(dataset, type.second, H5S_ALL, H5S_ALL, H5P_DEFAULT, values[i]), context);
  }
  message[kStatusMessageBytes - 1] = '\0';
  s.message = message;
  if (state < 0 || state > static_cast<int32_t>(RunState::Aborted)) throw Error("/status/state: unknown state " + std::to_string(state));
  s.state = static_cast<RunState>(state);
  for (int64_t n : {s.steps, s.validEvals, s.testEvals, s.snapshots, s.changes})
    if (n < 0) throw Error("/status: negative record count");
  return s;
}

bool TraceFile::holdsVariableLengthStrings(hid_t file)
{
  return h5::holdsVariableLengthStrings(file, {"/modules/name", "/users/id", "/users/level", "/method/state_name", "/items/id", "/items/level"});
}

RunInfo TraceFile::readRunInfo(hid_t file, int64_t formatVersion)
{
  if (formatVersion >= 3 && static_cast<uint64_t>(h5::readIntAttribute(file, "description_digest")) != descriptionDigest(file))
    throw Error("damaged: the run's description (the root's string attributes) does not match its digest");
  RunInfo info;
  info.softwareVersion = h5::readStringAttribute(file, "software_version");
  info.startTime = h5::readStringAttribute(file, "start_time");
  if (h5::hasAttribute(file, "branch_checkpoint")) {  // a branch (traces from before branches have none)
    info.branch.parentTrace = h5::readStringAttribute(file, "branch_parent");
    info.branch.checkpoint = h5::readStringAttribute(file, "branch_checkpoint");
    info.branch.step = h5::readIntAttribute(file, "branch_step");
  }
  info.device = h5::readStringAttribute(file, "device");
  info.method = h5::readStringAttribute(file, "method");
  info.configJson = h5::readStringAttribute(file, "config");
  info.taskNames = h5::readStringListAttribute(file, "task_names");
  for (const auto& type : h5::readStringListAttribute(file, "task_types")) {
    if (type != "binary" && type != "regression") throw Error("attribute task_types: unknown type '" + type + "'");
    info.taskTypes.push_back(type == "binary" ? TaskType::Binary : TaskType::Regression);
  }
  if (info.taskTypes.size() != info.taskNames.size()) throw Error("attributes task_names and task_types differ in length");
  info.data.rows = static_cast<size_t>(h5::readIntAttribute(file, "data_rows"));
  info.data.users = static_cast<int32_t>(h5::readIntAttribute(file, "data_users"));
  info.data.items = static_cast<int32_t>(h5::readIntAttribute(file, "data_items"));
  info.data.taskNames = info.taskNames;
  info.data.labelMeans = h5::readDoubleListAttribute(file, "data_label_means");
  info.trainRows = static_cast<size_t>(h5::readIntAttribute(file, "train_rows"));
  info.validRows = static_cast<size_t>(h5::readIntAttribute(file, "valid_rows"));
  info.testRows = static_cast<size_t>(h5::readIntAttribute(file, "test_rows"));
  info.totalSteps = h5::readIntAttribute(file, "total_steps");
  info.stepsPerEpoch = h5::readIntAttribute(file, "steps_per_epoch");
  info.batchSize = h5::readIntAttribute(file, "batch_size");
  info.sharedParameters = h5::readIntAttribute(file, "shared_parameters");
  info.totalParameters = h5::readIntAttribute(file, "total_parameters");
  info.analyze = h5::readIntAttribute(file, "analyze") != 0;
  info.userSnapshotEvery = h5::readIntAttribute(file, "user_snapshot_every");
  if (h5::hasAttribute(file, "world_size")) {  // traces from before data parallelism have none: one process
    info.worldSize = h5::readIntAttribute(file, "world_size");
    if (info.worldSize < 1) throw Error("attribute world_size: " + std::to_string(info.worldSize) + " ranks");
    info.backend = h5::readStringAttribute(file, "backend");
  }
  info.moduleNames = h5::readStringDataset(file, "/modules/name");
  if (h5::hasLink(file, "/method")) info.methodStateNames = h5::readStringDataset(file, "/method/state_name");
  info.userIds = h5::readStringDataset(file, "/users/id");
  readGeometryInfo(file, info);
  info.userGroups.resize(info.userIds.size());
  {
    Handle groups(h5::check(H5Dopen2(file, "/users/group", H5P_DEFAULT), "dataset /users/group"));
    h5::checkDatasetType(groups, H5T_STD_I32LE, "dataset /users/group");
    Handle space(h5::check(H5Dget_space(groups), "dataset /users/group"));
    if (H5Sget_simple_extent_ndims(space) != 1 || H5Sget_simple_extent_npoints(space) != static_cast<hssize_t>(info.userIds.size()))
      throw Error("dataset /users/group: its length differs from /users/id");
    if (!info.userGroups.empty())
      h5::check(H5Dread(groups, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, info.userGroups.data()), "reading /users/group");
  }
  return info;
}

std::string runStateName(RunState state)
{
  switch (state) {
    case RunState::Running: return "running";
    case RunState::Finished: return "finished";
    case RunState::Stopped: return "stopped";
    case RunState::Failed: return "failed";
    case RunState::Aborted: return "aborted";
  }
  return "unknown";
}

}  // namespace seesaw::trace
