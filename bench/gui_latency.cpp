// Benchmark of the desktop app's responsiveness (issue #6): trains a run in the real window
// (offscreen) at full speed and probes the GUI thread's event loop with a 5 ms timer; each
// firing's lateness is how long an input event would have waited. Then times a full redraw of a
// plot holding 10^5 and 10^6 points per series.
//
// Prints:
//   GUI latency preset=<p> steps=<n> batch=<b> snapshot_every=<w> p50_ms=<x> p99_ms=<y> max_ms=<z> view_updates_per_s=<u> steps_per_s=<s>
//   GUI redraw points=<n> series=3 replot_ms=<t>
// Usage: QT_QPA_PLATFORM=offscreen seesaw-bench-gui [--preset NAME] [--steps N] [--batch N] [--snapshot-every N]

#include <QApplication>
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "app/seesaw/live_session.h"
#include "app/seesaw/main_window.h"
#include "bench/percentile.h"
#include "widgets/run_store.h"
#include "widgets/step_plot.h"
#include "widgets/step_views.h"

namespace {

// Milliseconds of one immediate replot of a loss plot with `points` steps of three tasks.
double replotMs(int points)
{
  seesaw::widgets::RunStore store;
  seesaw::RunInfo info;
  info.taskNames = {"a", "b", "c"};
  info.taskTypes.assign(3, seesaw::TaskType::Binary);
  store.begin(info);
  seesaw::RecordBatch batch;
  for (int s = 1; s <= points; ++s) {
    seesaw::StepRecord r;
    r.step = s;
    const auto x = static_cast<float>(s);
    r.loss = {1 / x + 0.1f * static_cast<float>(s % 7), 0.5f + 0.01f * static_cast<float>(s % 13), 0.25f};
    batch.steps.push_back(r);
  }
  std::unique_ptr<seesaw::widgets::StepPlot> plot(seesaw::widgets::makeLossPlot(store));
  plot->resize(1200, 400);
  plot->show();
  store.append(batch);
  plot->replot(QCustomPlot::rpImmediateRefresh);  // warm
  QElapsedTimer t;
  t.start();
  constexpr int kRepeats = 5;
  for (int i = 0; i < kRepeats; ++i) plot->replot(QCustomPlot::rpImmediateRefresh);
  return static_cast<double>(t.nsecsElapsed()) / 1e6 / kRepeats;
}

}  // namespace

int main(int argc, char** argv)
{
  QApplication application(argc, argv);
  QStandardPaths::setTestModeEnabled(true);  // leave the user's remembered layout alone
  std::string preset = "synthetic";
  int64_t steps = 400;
  int batch = 0;              // 0: the preset's
  int64_t snapshotEvery = -1;  // -1: the preset's
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--preset") preset = argv[i + 1];
    else if (flag == "--steps") steps = std::atoll(argv[i + 1]);
    else if (flag == "--batch") batch = std::atoi(argv[i + 1]);
    else if (flag == "--snapshot-every") snapshotEvery = std::atoll(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: seesaw-bench-gui [--preset NAME] [--steps N] [--batch N] [--snapshot-every N]\n");
      return 2;
    }
  }

  QTemporaryDir dir;
  seesaw::RunConfig config = seesaw::presetConfig(preset);
  config.train.steps = steps;
  if (batch > 0) config.train.batchSize = batch;
  if (snapshotEvery >= 0) config.train.userSnapshotEvery = snapshotEvery;
  seesaw::app::MainWindow window(config, dir.filePath("run.h5"), seesaw::app::MainWindow::Layout::Default);
  window.show();

  std::vector<double> lateMs;
  int updates = 0;
  QObject::connect(&window.store(), &seesaw::widgets::RunStore::grown, [&] { ++updates; });
  QElapsedTimer clock;
  QTimer probe;
  probe.setTimerType(Qt::PreciseTimer);
  probe.setInterval(5);
  qint64 last = 0;
  QObject::connect(&probe, &QTimer::timeout, [&] {
    const qint64 now = clock.nsecsElapsed();
    if (last > 0) lateMs.push_back(std::max(0.0, static_cast<double>(now - last) / 1e6 - 5.0));
    last = now;
  });
  QObject::connect(&window, &seesaw::app::MainWindow::runEnded, &application, &QApplication::quit);
  clock.start();
  probe.start();
  window.startRun();
  application.exec();
  const double seconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
  if (window.session().state() != seesaw::app::LiveSession::State::Finished) {
    std::fprintf(stderr, "seesaw-bench-gui: the run failed: %s\n", qPrintable(window.session().failure()));
    return 1;
  }
  const auto& wall = window.store().wallTimes();
  std::printf("GUI latency preset=%s steps=%lld batch=%d snapshot_every=%lld p50_ms=%.2f p99_ms=%.2f max_ms=%.2f view_updates_per_s=%.1f steps_per_s=%.1f\n",
              preset.c_str(), static_cast<long long>(steps), config.train.batchSize, static_cast<long long>(config.train.userSnapshotEvery), percentile(lateMs, 0.5), percentile(lateMs, 0.99), percentile(lateMs, 1.0),
              updates / seconds, static_cast<double>(steps) / wall.back());
  for (int points : {100000, 1000000}) std::printf("GUI redraw points=%d series=3 replot_ms=%.2f\n", points, replotMs(points));
  return 0;
}
