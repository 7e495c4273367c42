#pragma once
// The datasets of one trace file, created by the writer and opened by the reader from the same
// description, so that the two cannot disagree on a path, a type or a shape.

#include <functional>
#include <string>

#include "records/run_info.h"
#include "records/step_records.h"
#include "trace/series.h"
#include "trace/trace_format.h"

namespace seesaw::trace {

struct Dims
{
  hsize_t tasks = 0, pairs = 0, modules = 0, users = 0, items = 0, methodStates = 0, levels = 0;
  static Dims of(const RunInfo& info);  // items: 0 without item geometry
};

struct StepSeries
{
  h5::Series step, epoch, wallTime, lr, flags, loss, gradNorm, cosine, magnitudeRatio, weight, moduleCosine,
      methodState;
};

struct EvalSeries
{
  h5::Series step, auc, gauc, logloss, mse;
};

// One geometry level of users or items: /<group>/<level>/*.
struct LevelSeries
{
  h5::Series cosine, gradNorm, magnitudeRatio;
};

// The snapshot series of users (/users) or items (/items); one row per snapshot in both.
struct EntitySeries
{
  std::vector<LevelSeries> levels;  // in RunInfo::geometryLevels order
  h5::Series snapshotStep, windowStart, weight, count;
};

// The change log: one row per setting changed during the run (ChangeRecord), its texts
// fixed-length NUL-padded strings of kChangeTextBytes.
struct ChangeSeries
{
  h5::Series step, field, oldValue, newValue, refused;
};

// The run's progress as the writer last committed it. Datasets may hold more rows than these
// counts (a writer killed between appending and committing); readers stop at the counts.
struct Status
{
  RunState state = RunState::Running;
  std::string message;
  double heartbeat = 0;  // Unix time of the last flush
  int64_t steps = 0, validEvals = 0, testEvals = 0, snapshots = 0, changes = 0;
};

struct TraceFile
{
  h5::Handle file;
  Dims dims;
  std::vector<std::string> levels;  // the recorded geometry levels, the default first
  bool hasMethodState = false;  // /steps/method_state exists: traces written before it was added lack it
  // The users' geometry is the single level of the layout before levels (/users/cosine and
  // /users/grad_norm are datasets, and there is no magnitude ratio to read).
  bool singleLevelLayout = false;
  bool itemGeometry = false;  // /items exists
  bool hasChanges = false;    // /changes exists: traces written before the change log lack it
  StepSeries steps;
  EvalSeries valid, test;
  EntitySeries users, items;
  ChangeSeries changes;

  // Creates the file with its attributes, fixed datasets and empty series, then starts SWMR
  // writing (no objects can be added after that).
  static TraceFile create(const std::string& path, const RunInfo& info, Compression compression);
  // Opens the series of a file whose run info (readRunInfo) is info.
  static TraceFile open(h5::Handle file, const RunInfo& info);

  // Whether the description or a string dataset is stored variable-length (format versions 1 and
  // 2): then the file's global heap must be checked before anything is read (global_heap.h).
  static bool holdsVariableLengthStrings(hid_t file);
  // The run info from the root attributes and the fixed datasets (the counterpart of create());
  // from format version 3 on, the description's digest must match.
  static RunInfo readRunInfo(hid_t file, int64_t formatVersion);

  // Every series with the committed count that bounds its rows in a status.
  std::vector<std::pair<h5::Series*, int64_t Status::*>> series();

  void writeStatus(const Status& status);
  Status readStatus() const;  // refreshes the status datasets first
};

}  // namespace seesaw::trace
