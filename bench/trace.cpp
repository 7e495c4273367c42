// Benchmark of the trace file (issue #3): writes a long run and a wide per-user run (three geometry
// levels, no items), then reads them back as the views do. Prints one line per figure, `TRACE <name>=<value> ...`, for both
// compression settings, so that the default can be chosen by measurement.
//
// Usage: seesaw-bench-trace [--steps N] [--users U] [--snapshots S] [--dir DIR]

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "trace/trace_reader.h"
#include "trace/trace_writer.h"

using namespace seesaw;

namespace {

constexpr int kTasks = 3, kModules = 7;

double seconds(std::chrono::steady_clock::time_point since)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

RunInfo runInfo(int64_t users)
{
  RunInfo info;
  info.taskNames = {"click", "long_view", "like"};
  info.taskTypes.assign(kTasks, TaskType::Binary);
  for (int m = 0; m < kModules; ++m) info.moduleNames.push_back("module" + std::to_string(m));
  info.data.labelMeans.assign(kTasks, 0.5);
  for (int64_t u = 0; u < users; ++u) {
    info.userIds.push_back(std::to_string(1000000 + u));
    info.userGroups.push_back(static_cast<int32_t>(u % 2));
  }
  info.userSnapshotEvery = 50;
  info.geometryLevels = {"embedding", "representation", "exact"};
  info.configJson = "{}";
  return info;
}

// Values that vary like real ones (cosines near zero, norms of a few magnitudes), so that
// compression sees realistic bytes.
StepRecord stepRecord(int64_t step, std::mt19937& rng)
{
  std::normal_distribution<float> cosine(0.05f, 0.3f), logNorm(-3.0f, 1.0f);
  StepRecord r;
  r.step = step;
  r.epoch = static_cast<double>(step) / 1000.0;
  r.wallTime = 0.03 * static_cast<double>(step);
  r.lr = 1e-3;
  for (int k = 0; k < kTasks; ++k) {
    r.loss.push_back(0.5f + 0.1f * cosine(rng));
    r.gradNorm.push_back(std::exp(logNorm(rng)));
    r.magnitudeRatio.push_back(std::min(1.0f, std::exp(logNorm(rng) + 3.0f)));
    r.weight.push_back(1.0f);
  }
  for (int i = 0; i < kTasks * kTasks; ++i) r.cosine.push_back(i % (kTasks + 1) == 0 ? 1.0f : cosine(rng));
  for (int i = 0; i < kModules * kTasks; ++i) r.moduleCosine.push_back(cosine(rng));
  return r;
}

GeometrySnapshot snapshot(int64_t step, int64_t users, std::mt19937& rng)
{
  std::normal_distribution<float> cosine(0.05f, 0.3f), logNorm(-6.0f, 1.0f);
  std::bernoulli_distribution seen(0.7);
  GeometrySnapshot s;
  s.step = step;
  s.windowStart = step - 49;
  EntityGeometry& g = s.users;
  g.levels.resize(3);
  for (int64_t u = 0; u < users; ++u) {
    const bool here = seen(rng);
    g.count.push_back(here ? 1 + static_cast<int32_t>(rng() % 40) : 0);
    for (int k = 0; k < kTasks; ++k) g.weight.push_back(here ? 1.0f : NAN);
    for (LevelGeometry& level : g.levels) {
      for (int p = 0; p < kTasks; ++p) level.cosine.push_back(here ? cosine(rng) : NAN);
      float norm[kTasks], largest = 0;
      for (float& n : norm) {
        n = std::exp(logNorm(rng));
        largest = std::max(largest, n);
      }
      for (float n : norm) {
        level.gradNorm.push_back(here ? n : NAN);
        level.magnitudeRatio.push_back(here ? n / largest : NAN);
      }
    }
  }
  return s;
}

struct Written
{
  double seconds;
  double bytes;
};

Written write(const std::string& path, trace::Compression compression, int64_t steps, int64_t users, int64_t snapshots)
{
  std::mt19937 rng(7);
  TraceOptions options;
  options.path = path;
  options.compression = compression;
  const auto start = std::chrono::steady_clock::now();
  {
    TraceWriter writer(options);
    writer.begin(runInfo(users));
    for (int64_t s = 1; s <= steps; ++s) writer.step(stepRecord(s, rng));
    for (int64_t i = 1; i <= snapshots; ++i) writer.geometry(readyGeometry(snapshot(50 * i, users, rng)));
    writer.end(RunEnd{steps, false, ""});
  }
  return {seconds(start), static_cast<double>(std::filesystem::file_size(path))};
}

}  // namespace

int main(int argc, char** argv)
{
  int64_t steps = 100000, users = 100000, snapshots = 10;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--steps") steps = std::stoll(value);
    else if (flag == "--users") users = std::stoll(value);
    else if (flag == "--snapshots") snapshots = std::stoll(value);
    else if (flag == "--dir") dir = value;
    else {
      std::fprintf(stderr, "usage: seesaw-bench-trace [--steps N] [--users U] [--snapshots S] [--dir DIR]\n");
      return 2;
    }
  }
  const std::string stem = dir + "/seesaw-bench-trace-" + std::to_string(getpid());
  for (auto compression : {trace::Compression::None, trace::Compression::Deflate}) {
    const char* name = compression == trace::Compression::None ? "none" : "deflate";
    const std::string empty = stem + "-empty.h5", long_ = stem + "-steps.h5", wide = stem + "-users.h5";
    const Written base = write(empty, compression, 0, 1, 0);
    const Written stepsOnly = write(long_, compression, steps, 1, 0);
    const Written usersOnly = write(wide, compression, 0, users, snapshots);
    const Written usersBase = write(empty, compression, 0, users, 0);

    auto start = std::chrono::steady_clock::now();
    TraceReader longReader(long_);
    const double openSeconds = seconds(start);
    start = std::chrono::steady_clock::now();
    const auto records = longReader.steps(0, longReader.stepCount());
    const double readSteps = seconds(start);

    // A whole snapshot (every level), and what a view reads: the users at one level.
    TraceReader wideReader(wide);
    std::vector<double> snapshotMs, levelMs;
    for (int64_t i = 0; i < wideReader.snapshotCount(); ++i) {
      start = std::chrono::steady_clock::now();
      wideReader.snapshot(i);
      snapshotMs.push_back(1e3 * seconds(start));
      start = std::chrono::steady_clock::now();
      wideReader.snapshot(i, false, 0);
      levelMs.push_back(1e3 * seconds(start));
    }
    std::sort(snapshotMs.begin(), snapshotMs.end());
    std::sort(levelMs.begin(), levelMs.end());

    std::printf("TRACE compression=%s steps=%lld write_steps_per_s=%.0f bytes_per_step=%.1f open_s=%.4f read_all_steps_s=%.3f\n", name,
                static_cast<long long>(records.size()), static_cast<double>(steps) / stepsOnly.seconds,
                (stepsOnly.bytes - base.bytes) / static_cast<double>(steps), openSeconds, readSteps);
    std::printf("TRACE compression=%s users=%lld snapshots=%lld bytes_per_snapshot=%.0f bytes_per_user_snapshot=%.2f "
                "read_snapshot_ms_median=%.2f read_snapshot_ms_max=%.2f read_level_ms_median=%.2f read_level_ms_max=%.2f write_snapshot_ms=%.1f\n",
                name, static_cast<long long>(users), static_cast<long long>(snapshots),
                (usersOnly.bytes - usersBase.bytes) / static_cast<double>(snapshots),
                (usersOnly.bytes - usersBase.bytes) / static_cast<double>(snapshots * users), snapshotMs[snapshotMs.size() / 2],
                snapshotMs.back(), levelMs[levelMs.size() / 2], levelMs.back(), 1e3 * (usersOnly.seconds - usersBase.seconds) / static_cast<double>(snapshots));
    std::fflush(stdout);
    for (const auto& f : {empty, long_, wide}) std::filesystem::remove(f);
  }
  return 0;
}
