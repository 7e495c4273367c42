// Benchmark of replay at scale (issue #7): opens a trace of about 1 GB (100,000 users, three
// geometry levels, a snapshot every 1000 steps) in the real window, offscreen, and measures
//   - the time from opening until the central view has drawn every step,
//   - the time until every snapshot has streamed through the views,
//   - the process's memory against the file's size (snapshots are kept a few at a time),
//   - scrubbing: the cursor moved to snapshots in random order, each frame the per-user views
//     (table, scatter) rebuilt and drawn, most of them read back from the file,
//   - tailing: how long after a writer's commit its records reach the views.
// The trace is generated first unless --trace names an existing one (--keep keeps it).
//
// Prints:
//   REPLAY file_mb=<f> users=<u> steps=<n> snapshots=<s> first_view_ms=<a> all_snapshots_s=<b> rss_before_mb=<r0> rss_mb=<r>
//          peak_rss_mb=<p> peak_growth_over_file=<(p - r0) / f>
//   REPLAY scrub=drag|jump frames=<n> users_p50_ms=<a> users_p99_ms=<b> window_p50_ms=<c> window_p99_ms=<d>
//   REPLAY tail growths=<n> p50_ms=<a> max_ms=<b> poll_ms=<p> commit_every_ms=<c>
// Usage: QT_QPA_PLATFORM=offscreen seesaw-bench-replay [--trace FILE] [--keep] [--users N] [--gigabytes G]

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>

#include <qcustomplot.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "app/seesaw/main_window.h"
#include "app/seesaw/replay_session.h"
#include "bench/percentile.h"
#include "trace/trace_writer.h"
#include "widgets/run_store.h"
#include "widgets/step_plot.h"
#include "widgets/user_scatter_view.h"
#include "widgets/user_table.h"

using namespace seesaw;

namespace {

constexpr int K = 3, P = 3;
constexpr int64_t kStepsPerSnapshot = 1000;

// Resident and peak memory of this process, in MB (Linux /proc).
std::pair<double, double> memoryMb()
{
  std::ifstream status("/proc/self/status");
  double rss = 0, peak = 0;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stod(line.substr(6)) / 1024;
    if (line.rfind("VmHWM:", 0) == 0) peak = std::stod(line.substr(6)) / 1024;
  }
  return {rss, peak};
}

// Writes a run of random but well-formed records until the file holds about `bytes`; with a
// pace, one step every `pace` as a training run would (a file being tailed), else at full speed.
void generate(const std::string& path, int64_t users, double bytes, std::chrono::microseconds pace = {})
{
  RunInfo info;
  info.taskNames = {"click", "like", "follow"};
  info.taskTypes.assign(K, TaskType::Binary);
  info.moduleNames = {"embedding.user", "bottom.layer0"};
  info.device = "cpu";
  info.method = "pcgrad";
  info.userSnapshotEvery = kStepsPerSnapshot;
  info.geometryLevels = {"exact", "embedding", "representation"};
  for (int64_t u = 0; u < users; ++u) info.userIds.push_back("u" + std::to_string(u));
  info.userGroups.assign(static_cast<size_t>(users), -1);
  info.data.taskNames = info.taskNames;
  info.data.labelMeans.assign(K, 0.5);
  info.data.users = static_cast<int32_t>(users);
  info.configJson = "{}";
  // Roughly what a snapshot takes on disk: its floats, of which shuffle + deflate save about a fifth.
  const double snapshotBytes = static_cast<double>(users) * (3 * (P + 2 * K) + K + 1) * 4 * 0.8;
  const int64_t snapshots = std::max<int64_t>(1, static_cast<int64_t>(bytes / snapshotBytes));
  info.totalSteps = snapshots * kStepsPerSnapshot;

  std::mutex mutex;
  std::condition_variable committed;
  int64_t committedSteps = 0;
  TraceOptions options;
  options.path = path;
  options.onCommit = [&](int64_t steps) {
    std::lock_guard<std::mutex> lock(mutex);
    committedSteps = steps;
    committed.notify_all();
  };
  TraceWriter writer(options);
  writer.begin(info);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> cosine(-1, 1), unit(0, 1);
  for (int64_t step = 1; step <= info.totalSteps; ++step) {
    StepRecord r;
    r.step = step;
    r.epoch = static_cast<double>(step) / 5000;
    r.wallTime = static_cast<double>(step) * 0.01;
    r.lr = 1e-3;
    r.loss = {unit(rng), unit(rng), unit(rng)};
    r.gradNorm = {unit(rng), unit(rng), unit(rng)};
    r.cosine = {1, cosine(rng), cosine(rng), 0, 1, cosine(rng), 0, 0, 1};
    r.cosine[3] = r.cosine[1], r.cosine[6] = r.cosine[2], r.cosine[7] = r.cosine[5];
    r.magnitudeRatio = {1, unit(rng), unit(rng)};
    r.weight = {1, 1, 1};
    r.moduleCosine = {cosine(rng), cosine(rng), cosine(rng), cosine(rng), cosine(rng), cosine(rng)};
    writer.step(r);
    if (pace.count() > 0) std::this_thread::sleep_for(pace);
    if (step % kStepsPerSnapshot != 0) continue;
    GeometrySnapshot g;
    g.step = step;
    g.windowStart = step - kStepsPerSnapshot + 1;
    const auto n = static_cast<size_t>(users);
    for (int level = 0; level < 3; ++level) {
      LevelGeometry l;
      l.cosine.resize(n * P);
      l.gradNorm.resize(n * K);
      l.magnitudeRatio.resize(n * K);
      for (auto& v : l.cosine) v = cosine(rng);
      for (auto& v : l.gradNorm) v = unit(rng);
      for (auto& v : l.magnitudeRatio) v = unit(rng);
      g.users.levels.push_back(std::move(l));
    }
    g.users.weight.resize(n * K);
    for (auto& v : g.users.weight) v = 0.5f + unit(rng);
    g.users.count.resize(n);
    for (auto& c : g.users.count) c = 1 + static_cast<int32_t>(rng() % 60);
    writer.geometry(readyGeometry(std::move(g)));
    // At most two snapshots ahead of the writer, so that generating holds little memory.
    std::unique_lock<std::mutex> lock(mutex);
    committed.wait(lock, [&] { return committedSteps >= step - 2 * kStepsPerSnapshot; });
  }
  RunEnd end;
  end.steps = info.totalSteps;
  writer.end(end);
}

}  // namespace

int main(int argc, char** argv)
{
  QApplication application(argc, argv);
  QStandardPaths::setTestModeEnabled(true);  // no remembered layout or recent files touched
  QString trace;
  bool keep = false;
  int64_t users = 100000;
  double gigabytes = 1.0;
  const QStringList args = QApplication::arguments();
  for (int i = 1; i < args.size(); ++i) {
    if (args[i] == "--trace" && i + 1 < args.size()) trace = args[++i];
    else if (args[i] == "--keep") keep = true;
    else if (args[i] == "--users" && i + 1 < args.size()) users = args[++i].toLongLong();
    else if (args[i] == "--gigabytes" && i + 1 < args.size()) gigabytes = args[++i].toDouble();
    else {
      std::fprintf(stderr, "usage: seesaw-bench-replay [--trace FILE] [--keep] [--users N] [--gigabytes G]\n");
      return 2;
    }
  }
  QTemporaryDir dir;
  if (trace.isEmpty()) trace = dir.filePath("replay-bench.h5");
  if (!QFileInfo::exists(trace)) {
    QElapsedTimer t;
    t.start();
    generate(trace.toStdString(), users, gigabytes * 1e9);
    std::fprintf(stderr, "generated %s (%.0f MB) in %.0f s\n", qPrintable(trace), static_cast<double>(QFileInfo(trace).size()) / 1e6,
                 static_cast<double>(t.elapsed()) / 1000);
  }
  if (keep) dir.setAutoRemove(false);

  app::MainWindow window(presetConfig("demo"), QString(), app::MainWindow::Layout::Default);
  window.show();
  QApplication::processEvents();
  auto* cosine = qobject_cast<widgets::StepPlot*>(window.centralWidget());
  bool drawnAll = false;
  QObject::connect(cosine, &QCustomPlot::afterReplot, cosine, [&] { drawnAll = drawnAll || cosine->pointCount(0) == window.store().stepCount(); });

  const double rssBefore = memoryMb().first;  // the app with nothing open
  QElapsedTimer clock;
  clock.start();
  QString error;
  if (!window.openTrace(trace, &error)) {
    std::fprintf(stderr, "seesaw-bench-replay: %s\n", qPrintable(error));
    return 1;
  }
  while (!drawnAll) QApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
  const double firstViewMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
  while (!window.replay().complete()) QApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
  const double allSnapshotsS = static_cast<double>(clock.nsecsElapsed()) / 1e9;
  const auto [rss, peak] = memoryMb();
  const double fileMb = static_cast<double>(QFileInfo(trace).size()) / 1e6;
  widgets::RunStore& store = window.store();
  std::printf("REPLAY file_mb=%.0f users=%zu steps=%d snapshots=%d first_view_ms=%.0f all_snapshots_s=%.1f rss_before_mb=%.0f rss_mb=%.0f peak_rss_mb=%.0f peak_growth_over_file=%.2f\n",
              fileMb, store.info().userIds.size(), store.stepCount(), store.snapshotCount(), firstViewMs, allSnapshotsS, rssBefore, rss, peak, (peak - rssBefore) / fileMb);

  // Scrubbing: each frame moves the cursor to another snapshot; the table and the scatter rebuild
  // for it (reading it back when it was let go) and every view is drawn before the frame ends.
  // Dragging the slider visits snapshots in order, a frame every 50 ms (the idle time between
  // frames is not counted); jumping visits them at random, each read cold from the file.
  auto* scatter = window.findChild<widgets::UserScatterView*>();
  auto* table = window.findChild<widgets::UserTableView*>();
  // A frame: the per-user views' part (the cursor's handlers, which rebuild the table and the
  // scatter, then their drawing) and the whole window's (the other views' queued redraws too).
  struct Frame
  {
    double users, window;
  };
  const auto frame = [&](int s) {
    QElapsedTimer t;
    t.start();
    store.setCursor(store.snapshotStep(s));
    scatter->plot()->replot(QCustomPlot::rpImmediateRefresh);
    table->table().viewport()->repaint();
    const double perUser = static_cast<double>(t.nsecsElapsed()) / 1e6;
    QApplication::processEvents();
    return Frame{perUser, static_cast<double>(t.nsecsElapsed()) / 1e6};
  };
  const auto idle = [](int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) QApplication::processEvents(QEventLoop::WaitForMoreEvents, ms);
  };
  const auto report = [](const char* kind, const std::vector<Frame>& frames) {
    std::vector<double> perUser, whole;
    for (const Frame& f : frames) {
      perUser.push_back(f.users);
      whole.push_back(f.window);
    }
    std::printf("REPLAY scrub=%s frames=%zu users_p50_ms=%.1f users_p99_ms=%.1f window_p50_ms=%.1f window_p99_ms=%.1f\n", kind, frames.size(),
                percentile(perUser, 0.5), percentile(perUser, 0.99), percentile(whole, 0.5), percentile(whole, 0.99));
  };
  std::vector<Frame> drag, jump;
  frame(0);
  idle(200);
  for (int s = 1; s < std::min(store.snapshotCount(), 41); ++s) {
    drag.push_back(frame(s));
    idle(50);
  }
  report("drag", drag);
  std::mt19937 rng(3);
  for (int i = 0; i < 20; ++i) {
    jump.push_back(frame(static_cast<int>(rng() % static_cast<unsigned>(store.snapshotCount()))));
    idle(50);
  }
  report("jump", jump);

  // Tailing: a writer thread trains at a steady pace (a step every 2 ms, 12 s in all) while the
  // window follows the file; each time the views grow, the delay since the writer's commit that
  // brought the records (the trace's heartbeat) is one sample.
  const QString growing = dir.filePath("tail-bench.h5");
  constexpr int64_t kTailUsers = 1000;
  constexpr double kTailSnapshots = 6;  // at one every kStepsPerSnapshot steps of 2 ms: 12 s
  const double tailBytes = kTailSnapshots * static_cast<double>(kTailUsers) * (3 * (P + 2 * K) + K + 1) * 4 * 0.8;
  std::thread writer([&] { generate(growing.toStdString(), kTailUsers, tailBytes, std::chrono::microseconds(2000)); });
  QElapsedTimer waiting;
  waiting.start();
  // The file exists before its first commit: opening is retried (with an error out, so that no
  // dialog waits for a click), then the first commit awaited.
  QString why;
  while (!(QFileInfo::exists(growing) && window.openTrace(growing, &why)) && waiting.elapsed() < 60000) idle(20);
  while (window.replay().lastCommit() <= 0 && waiting.elapsed() < 60000) idle(20);
  std::vector<double> delays;
  int seenSteps = store.stepCount();
  QObject::connect(&store, &widgets::RunStore::grown, &window, [&] {
    if (!window.replay().live() || store.stepCount() == seenSteps) return;
    seenSteps = store.stepCount();
    delays.push_back((static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000 - window.replay().lastCommit()) * 1000);
  });
  while (window.replay().live()) idle(20);
  writer.join();
  std::printf("REPLAY tail growths=%zu p50_ms=%.0f max_ms=%.0f poll_ms=%d commit_every_ms=%.0f\n", delays.size(), percentile(delays, 0.5),
              delays.empty() ? 0.0 : *std::max_element(delays.begin(), delays.end()), app::ReplaySession::kPollMs, TraceOptions{}.flushSeconds * 1000);
  return 0;
}
