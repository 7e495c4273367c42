#include "trace/trace_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>

#include "records/task_pairs.h"
#include "trace/global_heap.h"
#include "trace/trace_file.h"

namespace seesaw {
namespace {

using h5::Handle;

constexpr unsigned kMetadataReadAttempts = 8;

// HDF5's signature sits at byte 0, 512, 1024, 2048, ... (after a user block).
bool hasHdf5Signature(const std::string& path, off_t size)
{
  static const char signature[8] = {'\211', 'H', 'D', 'F', '\r', '\n', '\032', '\n'};
  std::ifstream in(path, std::ios::binary);
  for (off_t at = 0; at + 8 <= size; at = at == 0 ? 512 : at * 2) {
    char bytes[8];
    if (!in.seekg(at) || !in.read(bytes, 8)) return false;
    if (std::equal(bytes, bytes + 8, signature)) return true;
  }
  return false;
}

// Opens an HDF5 file for reading alongside a writer; falls back to a plain open so that a foreign
// file in an older format still gets a precise message.
Handle openHdf5(const std::string& path)
{
  struct stat info;
  if (stat(path.c_str(), &info) != 0) throw Error("no such file");
  if (!S_ISREG(info.st_mode)) throw Error("not a regular file");
  if (!hasHdf5Signature(path, info.st_size)) throw Error("not an HDF5 file (no HDF5 signature)");
  // A metadata checksum that fails may be a block the writer is rewriting, so SWMR readers retry;
  // HDF5's default of 100 attempts with growing pauses makes a damaged file take minutes to refuse.
  Handle access(h5::check(H5Pcreate(H5P_FILE_ACCESS), "HDF5 file access"));
  h5::check(H5Pset_metadata_read_attempts(access, kMetadataReadAttempts), "HDF5 file access");
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, access);
  if (file < 0) {
    const std::string swmrMessage = h5::lastErrorMessage();
    file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) throw Error("truncated or damaged HDF5 file: " + swmrMessage);
  }
  Handle handle(file);
  haddr_t eoa = 0;
  if (H5Fget_eoa(handle, &eoa) >= 0 && static_cast<haddr_t>(info.st_size) < eoa)
    throw Error("truncated: " + std::to_string(info.st_size) + " bytes, but its HDF5 metadata reaches byte " + std::to_string(eoa));
  return handle;
}

void readRows(const h5::Series& s, int64_t first, int64_t count, void* out)
{
  s.read(static_cast<hsize_t>(first), static_cast<hsize_t>(count), out);
}

// Appends steps read from a series to those read before. The views find records by step: each
// must come after the one before, and the first after step 0.
void appendIncreasing(std::vector<int64_t>& steps, const std::vector<int64_t>& added, const std::string& series)
{
  int64_t previous = steps.empty() ? 0 : steps.back();
  for (size_t i = 0; i < added.size(); ++i) {
    if (added[i] <= previous)
      throw Error("damaged: " + series + " row " + std::to_string(steps.size() + i) + " holds step " + std::to_string(added[i]) +
                  ", not after " + std::to_string(previous));
    previous = added[i];
  }
  steps.insert(steps.end(), added.begin(), added.end());
}

// Row i of a column read as rows of `width` values.
template <typename T>
std::vector<T> rowOf(const std::vector<T>& column, size_t i, size_t width)
{
  return std::vector<T>(column.begin() + static_cast<std::ptrdiff_t>(i * width), column.begin() + static_cast<std::ptrdiff_t>((i + 1) * width));
}

template <typename T>
std::vector<T> readColumn(const h5::Series& s, int64_t first, int64_t count)
{
  std::vector<T> out(static_cast<size_t>(count) * s.rowElements());
  readRows(s, first, count, out.data());
  return out;
}

// Each norm over the entity's largest, by the rule of the step records: NaN where the norm is NaN
// or where every norm of the entity is zero or NaN (an entity not seen in the window).
std::vector<float> magnitudeRatios(const std::vector<float>& gradNorm, size_t tasks)
{
  std::vector<float> out(gradNorm.size(), std::nanf(""));
  for (size_t first = 0; first + tasks <= gradNorm.size() && tasks > 0; first += tasks) {
    float largest = 0;
    for (size_t k = first; k < first + tasks; ++k)
      if (!std::isnan(gradNorm[k])) largest = std::max(largest, gradNorm[k]);
    if (largest > 0)
      for (size_t k = first; k < first + tasks; ++k) out[k] = gradNorm[k] / largest;
  }
  return out;
}

LevelGeometry readLevel(const trace::TraceFile& f, const trace::LevelSeries& s, int64_t index)
{
  LevelGeometry g;
  g.cosine = readColumn<float>(s.cosine, index, 1);
  g.gradNorm = readColumn<float>(s.gradNorm, index, 1);
  // The layout before levels stored no ratio; it follows from the norms.
  g.magnitudeRatio = f.singleLevelLayout ? magnitudeRatios(g.gradNorm, f.dims.tasks) : readColumn<float>(s.magnitudeRatio, index, 1);
  return g;
}

EntityGeometry readEntity(const trace::TraceFile& f, const trace::EntitySeries& s, int64_t index, std::optional<size_t> level)
{
  EntityGeometry g;
  g.levels.resize(s.levels.size());
  for (size_t i = 0; i < s.levels.size(); ++i)
    if (!level || *level == i) g.levels[i] = readLevel(f, s.levels[i], index);
  g.weight = readColumn<float>(s.weight, index, 1);
  g.count = readColumn<int32_t>(s.count, index, 1);
  return g;
}

}  // namespace

struct TraceReader::Impl
{
  std::string path;
  RunInfo info;
  int64_t version = 0;
  trace::TraceFile file;
  TraceStatus status;
  trace::Status counts;
  std::vector<int64_t> stepIndex;      // the step of every committed record
  std::vector<int64_t> snapshotSteps;  // the last step of every committed snapshot

  void load(const trace::Status& next);
  std::string where() const { return "trace " + path; }
};

TraceReader::TraceReader(const std::string& path) : impl_(std::make_unique<Impl>())
{
  h5::silenceErrorStack();
  Impl& s = *impl_;
  s.path = path;
  try {
    Handle file = openHdf5(path);
    if (trace::TraceFile::holdsVariableLengthStrings(file)) h5::checkGlobalHeaps(path);
    if (!h5::hasAttribute(file, "format") || h5::readStringAttribute(file, "format") != trace::kFormatName)
      throw Error(std::string("an HDF5 file, but not a Seesaw trace (its root has no format attribute '") + trace::kFormatName + "')");
    s.version = h5::readIntAttribute(file, "format_version");
    if (s.version > trace::kFormatVersion)
      throw Error("written in trace format version " + std::to_string(s.version) + ", newer than this Seesaw reads (" +
                  std::to_string(trace::kFormatVersion) + "); open it with a newer Seesaw");
    if (s.version < 1) throw Error("unknown trace format version " + std::to_string(s.version));
    s.info = trace::TraceFile::readRunInfo(file, s.version);
    s.file = trace::TraceFile::open(std::move(file), s.info);
    s.load(s.file.readStatus());
  } catch (const Error& e) {
    throw Error(s.where() + ": " + e.what());
  }
}

TraceReader::~TraceReader() = default;

void TraceReader::Impl::load(const trace::Status& next)
{
  for (auto [series, count] : file.series()) {
    series->refresh();
    const int64_t committed = next.*count;
    if (static_cast<int64_t>(series->rows()) < committed)
      throw Error("damaged: " + series->name() + " has " + std::to_string(series->rows()) + " rows, but " + std::to_string(committed) +
                  " are committed");
  }

  const auto known = static_cast<int64_t>(stepIndex.size());
  if (next.steps > known) {
    const auto added = readColumn<int64_t>(file.steps.step, known, next.steps - known);
    appendIncreasing(stepIndex, added, file.steps.step.name());
  }
  const auto knownSnapshots = static_cast<int64_t>(snapshotSteps.size());
  if (next.snapshots > knownSnapshots) {
    const auto added = readColumn<int64_t>(file.users.snapshotStep, knownSnapshots, next.snapshots - knownSnapshots);
    appendIncreasing(snapshotSteps, added, file.users.snapshotStep.name());
  }
  counts = next;
  status.state = next.state;
  status.message = next.message;
  status.heartbeat = next.heartbeat;
}

double TraceStatus::secondsSinceCommit() const
{
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() - heartbeat;
}

const std::string& TraceReader::path() const { return impl_->path; }
const RunInfo& TraceReader::info() const { return impl_->info; }
int64_t TraceReader::formatVersion() const { return impl_->version; }
const TraceStatus& TraceReader::status() const { return impl_->status; }
int64_t TraceReader::stepCount() const { return static_cast<int64_t>(impl_->stepIndex.size()); }
int64_t TraceReader::evalCount() const { return impl_->counts.validEvals + impl_->counts.testEvals; }
int64_t TraceReader::changeCount() const { return impl_->file.hasChanges ? impl_->counts.changes : 0; }
int64_t TraceReader::snapshotCount() const { return static_cast<int64_t>(impl_->snapshotSteps.size()); }
const std::vector<int64_t>& TraceReader::snapshotSteps() const { return impl_->snapshotSteps; }

std::vector<StepRecord> TraceReader::steps(int64_t first, int64_t count) const
{
  h5::silenceErrorStack();
  const Impl& s = *impl_;
  if (first < 0 || count < 0 || first + count > stepCount())
    throw Error(s.where() + ": step records " + std::to_string(first) + ".." + std::to_string(first + count) + " out of range (it has " +
                std::to_string(stepCount()) + ")");
  const auto& st = s.file.steps;
  std::vector<StepRecord> out(static_cast<size_t>(count));
  if (count == 0) return out;
  try {
    const auto epoch = readColumn<double>(st.epoch, first, count), wallTime = readColumn<double>(st.wallTime, first, count),
               lr = readColumn<double>(st.lr, first, count);
    const auto flags = readColumn<uint32_t>(st.flags, first, count);
    const auto loss = readColumn<float>(st.loss, first, count), gradNorm = readColumn<float>(st.gradNorm, first, count),
               cosine = readColumn<float>(st.cosine, first, count), ratio = readColumn<float>(st.magnitudeRatio, first, count),
               weight = readColumn<float>(st.weight, first, count), moduleCosine = readColumn<float>(st.moduleCosine, first, count),
               methodState = s.file.hasMethodState ? readColumn<float>(st.methodState, first, count)
                                                   : std::vector<float>{};
    const size_t K = s.file.dims.tasks, MP = st.moduleCosine.rowElements(), S = s.file.dims.methodStates;
    for (size_t i = 0; i < out.size(); ++i) {
      StepRecord& r = out[i];
      r.step = s.stepIndex[static_cast<size_t>(first) + i];
      r.epoch = epoch[i];
      r.wallTime = wallTime[i];
      r.lr = lr[i];
      r.flags = flags[i];
      r.loss = rowOf(loss, i, K);
      r.gradNorm = rowOf(gradNorm, i, K);
      r.cosine = rowOf(cosine, i, K * K);
      r.magnitudeRatio = rowOf(ratio, i, K);
      r.weight = rowOf(weight, i, K);
      r.moduleCosine = rowOf(moduleCosine, i, MP);
      r.methodState = rowOf(methodState, i, S);
    }
  } catch (const Error& e) {
    throw Error(s.where() + ": " + e.what());
  }
  return out;
}

StepRecord TraceReader::step(int64_t index) const { return steps(index, 1).front(); }

namespace {
std::optional<int64_t> atOrBefore(const std::vector<int64_t>& steps, int64_t step)
{
  const auto it = std::upper_bound(steps.begin(), steps.end(), step);
  if (it == steps.begin()) return std::nullopt;
  return static_cast<int64_t>(it - steps.begin()) - 1;
}
}  // namespace

std::optional<int64_t> TraceReader::stepIndexAtOrBefore(int64_t step) const { return atOrBefore(impl_->stepIndex, step); }
std::optional<int64_t> TraceReader::snapshotIndexAtOrBefore(int64_t step) const { return atOrBefore(impl_->snapshotSteps, step); }

std::vector<EvalRecord> TraceReader::evals() const
{
  h5::silenceErrorStack();
  const Impl& s = *impl_;
  std::vector<EvalRecord> out;
  try {
    for (const auto& [split, series, n] : {std::tuple<const char*, const trace::EvalSeries*, int64_t>{"valid", &s.file.valid, s.counts.validEvals},
                                           {"test", &s.file.test, s.counts.testEvals}}) {
      const auto step = readColumn<int64_t>(series->step, 0, n);
      const auto auc = readColumn<double>(series->auc, 0, n), gauc = readColumn<double>(series->gauc, 0, n),
                 logloss = readColumn<double>(series->logloss, 0, n), mse = readColumn<double>(series->mse, 0, n);
      const size_t K = s.file.dims.tasks;
      for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
        EvalRecord r;
        r.step = step[i];
        r.split = split;
        r.auc = rowOf(auc, i, K);
        r.gauc = rowOf(gauc, i, K);
        r.logloss = rowOf(logloss, i, K);
        r.mse = rowOf(mse, i, K);
        out.push_back(std::move(r));
      }
    }
  } catch (const Error& e) {
    throw Error(s.where() + ": " + e.what());
  }
  return out;
}

GeometrySnapshot TraceReader::snapshot(int64_t index, bool items, std::optional<size_t> level) const
{
  h5::silenceErrorStack();
  const Impl& s = *impl_;
  if (index < 0 || index >= snapshotCount())
    throw Error(s.where() + ": snapshot " + std::to_string(index) + " out of range (it has " + std::to_string(snapshotCount()) + ")");
  if (level && *level >= s.file.levels.size())
    throw Error(s.where() + ": geometry level " + std::to_string(*level) + " out of range (it records " + std::to_string(s.file.levels.size()) + ")");
  GeometrySnapshot r;
  try {
    r.step = s.snapshotSteps[static_cast<size_t>(index)];
    readRows(s.file.users.windowStart, index, 1, &r.windowStart);
    r.users = readEntity(s.file, s.file.users, index, level);
    if (items && s.file.itemGeometry) r.items = readEntity(s.file, s.file.items, index, level);
  } catch (const Error& e) {
    throw Error(s.where() + ": " + e.what());
  }
  return r;
}

std::vector<GeometrySnapshot> TraceReader::userHistory(int64_t user) const
{
  h5::silenceErrorStack();
  const Impl& s = *impl_;
  const auto users = static_cast<int64_t>(s.info.userIds.size());
  if (user < 0 || user >= users) throw Error(s.where() + ": user " + std::to_string(user) + " out of range (it has " + std::to_string(users) + ")");
  const int64_t n = snapshotCount();
  const size_t K = s.file.dims.tasks, P = static_cast<size_t>(pairCount(static_cast<int>(K)));
  // One user's values of every snapshot: n rows of `width` values.
  const auto column = [&](const h5::Series& series, size_t width) {
    std::vector<float> out(static_cast<size_t>(n) * width);
    series.readEntry(0, static_cast<hsize_t>(n), static_cast<hsize_t>(user), out.data());
    return out;
  };
  std::vector<GeometrySnapshot> out(static_cast<size_t>(n));
  if (n == 0) return out;
  try {
    const auto windowStart = readColumn<int64_t>(s.file.users.windowStart, 0, n);
    // Every snapshot's row of this user, as the rows of an entity geometry: row i is snapshot i.
    EntityGeometry rows;
    rows.count.resize(static_cast<size_t>(n));
    s.file.users.count.readEntry(0, static_cast<hsize_t>(n), static_cast<hsize_t>(user), rows.count.data());
    rows.weight = column(s.file.users.weight, K);
    for (const trace::LevelSeries& level : s.file.users.levels) {
      auto norm = column(level.gradNorm, K);
      auto ratio = s.file.singleLevelLayout ? magnitudeRatios(norm, K) : column(level.magnitudeRatio, K);
      rows.levels.push_back({column(level.cosine, P), std::move(norm), std::move(ratio)});
    }
    for (size_t i = 0; i < out.size(); ++i) {
      out[i].step = s.snapshotSteps[i];
      out[i].windowStart = windowStart[i];
      out[i].users = entityRow(rows, i, K);
    }
  } catch (const Error& e) {
    throw Error(s.where() + ": " + e.what());
  }
  return out;
}

std::vector<ChangeRecord> TraceReader::changes() const
{
  h5::silenceErrorStack();
  const Impl& s = *impl_;
  std::vector<ChangeRecord> out;
  if (!s.file.hasChanges) return out;
  try {
    const auto n = s.counts.changes;
    const auto step = readColumn<int64_t>(s.file.changes.step, 0, n);
    const auto texts = [&](const h5::Series& series) {
      std::vector<char> buffer(static_cast<size_t>(n * trace::kChangeTextBytes));
      if (n > 0) series.read(0, static_cast<hsize_t>(n), buffer.data());
      std::vector<std::string> strings;
      for (int64_t i = 0; i < n; ++i) {
        const char* at = buffer.data() + i * trace::kChangeTextBytes;
        strings.emplace_back(at, strnlen(at, trace::kChangeTextBytes));
      }
      return strings;
    };
    const auto field = texts(s.file.changes.field), oldValue = texts(s.file.changes.oldValue),
               newValue = texts(s.file.changes.newValue), refused = texts(s.file.changes.refused);
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) out.push_back({step[i], field[i], oldValue[i], newValue[i], refused[i]});
  } catch (const Error& e) {
    throw Error(s.where() + ": " + e.what());
  }
  return out;
}

void TraceReader::readAll() const
{
  constexpr int64_t kBlock = 65536;  // records per read: bounded memory for long runs
  for (int64_t first = 0; first < stepCount(); first += kBlock) steps(first, std::min(kBlock, stepCount() - first));
  evals();
  changes();
  for (int64_t i = 0; i < snapshotCount(); ++i) snapshot(i);
}

TraceReader::Growth TraceReader::refresh()
{
  h5::silenceErrorStack();
  Impl& s = *impl_;
  const trace::Status before = s.counts;
  try {
    s.load(s.file.readStatus());
  } catch (const Error& e) {
    throw Error(s.where() + ": " + e.what());
  }
  Growth g;
  g.steps = s.counts.steps - before.steps;
  g.evals = s.counts.validEvals + s.counts.testEvals - before.validEvals - before.testEvals;
  g.snapshots = s.counts.snapshots - before.snapshots;
  g.changes = s.counts.changes - before.changes;
  g.stateChanged = s.counts.state != before.state;
  return g;
}

}  // namespace seesaw
