#pragma once
// The run's description: what every record of a run is read against (task names and types, the
// shared modules, the recorded geometry levels, the users). The trainer fills it once, in begin();
// a trace stores it as its root attributes and description datasets.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace seesaw {

enum class TaskType { Binary, Regression };

// What a person wants to know about a dataset before training on it.
struct TableSummary
{
  size_t rows = 0;
  int32_t users = 0;
  int32_t items = 0;
  std::vector<std::string> taskNames;
  std::vector<double> labelMeans;  // positive rate for binary tasks, mean for regression
};

// Where a branch (a run restored from a checkpoint) comes from; step 0 for a run from scratch.
struct BranchOrigin
{
  std::string parentTrace;  // the trace of the run the checkpoint was saved from; may be empty
  std::string checkpoint;   // the checkpoint file
  int64_t step = 0;         // the checkpoint's step: the branch's records start after it
};

struct RunInfo
{
  std::vector<std::string> taskNames;
  std::vector<TaskType> taskTypes;
  std::vector<std::string> moduleNames;  // shared modules, in the order of StepRecord::moduleCosine
  std::vector<std::string> methodStateNames;  // what StepRecord::methodState holds; empty: nothing
  std::string device;
  int64_t worldSize = 1;  // data-parallel ranks whose global batch each step measures
  std::string backend;    // their collectives' backend ("gloo"); empty for one process
  std::string method;
  int64_t totalSteps = 0;
  int64_t stepsPerEpoch = 0;
  int64_t batchSize = 0;
  int64_t sharedParameters = 0;
  int64_t totalParameters = 0;
  TableSummary data;
  size_t trainRows = 0, validRows = 0, testRows = 0;
  bool analyze = true;
  int64_t userSnapshotEvery = 0;         // steps per per-user window; 0: no per-user snapshots
  // Recorded geometry levels ("embedding", "representation", "exact"), the default level first.
  std::vector<std::string> geometryLevels;
  bool itemGeometry = false;             // snapshots also hold per-item geometry
  std::vector<std::string> userIds;      // original id of each user code
  std::vector<std::string> itemIds;      // original id of each item code (with itemGeometry)
  std::vector<int32_t> userGroups;       // ground-truth group of each user code, -1 where none
  std::string configJson;                // the full run config
  std::string softwareVersion;
  std::string startTime;                 // ISO 8601, UTC
  BranchOrigin branch;
};

}  // namespace seesaw
