// seesaw: the desktop app. Trains a run live, or replays a recorded one (a trace, also one another
// process is still writing), and shows its task-gradient conflicts; the automation flags run it
// without anyone at the screen (tests, README screenshots).

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>

#include "app/seesaw/compare_window.h"
#include "app/seesaw/live_session.h"
#include "app/seesaw/replay_session.h"
#include "app/seesaw/main_window.h"
#include "config/run_config.h"
#include "train/branch.h"
#include "train/checkpoint.h"
#include "train/run_validation.h"
#include "util/blas_check.h"
#include "util/error.h"
#include "widgets/comparison.h"
#include "widgets/run_store.h"

namespace {

struct Options
{
  seesaw::RunConfig config;
  QString tracePath, screenshot, view, user;
  std::optional<int64_t> step;  // where the cursor goes once the run is shown
  std::optional<double> screenshotAfter;  // seconds: the screenshot of a run or tail in progress
  QString branch;      // a checkpoint the run continues from
  int processes = 1;   // data-parallel ranks of the run (seesaw-train --nproc)
  QStringList traces;  // to replay (one) or compare (two or more) instead of a run to train
  bool compare = false;
  bool start = false, exitWhenDone = false;
};

// The run config the command line asks for; throws seesaw::Error naming a bad value.
Options parseOptions(const QCommandLineParser& parser)
{
  Options o;
  o.traces = parser.positionalArguments();
  o.compare = parser.isSet(QStringLiteral("compare"));
  if (o.compare && o.traces.size() < 2) throw seesaw::Error("--compare needs two or more traces");
  if (!o.compare && o.traces.size() > 1) throw seesaw::Error("give one trace to replay, or --compare and two or more");
  if (!o.traces.isEmpty()) {
    for (const char* runOnly : {"preset", "config", "branch", "steps", "method", "trace", "start", "processes"})
      if (parser.isSet(QString::fromLatin1(runOnly)))
        throw seesaw::Error(std::string("--") + runOnly + " sets up a run to train; it does not apply to a trace opened for replay");
  }
  const QString preset = parser.value(QStringLiteral("preset")), configFile = parser.value(QStringLiteral("config"));
  o.branch = parser.value(QStringLiteral("branch"));
  if (!preset.isEmpty() + !configFile.isEmpty() + !o.branch.isEmpty() > 1) throw seesaw::Error("give one of --preset, --config and --branch");
  o.config = !o.branch.isEmpty()     ? seesaw::readCheckpointHeader(o.branch.toStdString()).config
             : configFile.isEmpty() ? seesaw::presetConfig(preset.isEmpty() ? "demo" : preset.toStdString())
                                    : seesaw::loadRunConfigFile(configFile.toStdString());
  const seesaw::RunConfig saved = o.config;
  if (parser.isSet(QStringLiteral("steps"))) {
    bool ok = false;
    o.config.train.steps = parser.value(QStringLiteral("steps")).toLongLong(&ok);
    if (!ok) throw seesaw::Error("config field train.steps (--steps): not an integer: " + parser.value(QStringLiteral("steps")).toStdString());
  }
  if (parser.isSet(QStringLiteral("method")) && parser.value(QStringLiteral("method")).toStdString() != o.config.method.name) {
    o.config.method.name = parser.value(QStringLiteral("method")).toStdString();
    o.config.method.params.clear();  // the config's parameters belong to its own method
  }
  seesaw::validate(o.config);
  if (parser.isSet(QStringLiteral("processes"))) {
    bool ok = false;
    o.processes = parser.value(QStringLiteral("processes")).toInt(&ok);
    if (!ok || o.processes < 1 || o.processes > 256)
      throw seesaw::Error("--processes: not a whole number of processes from 1 to 256: " + parser.value(QStringLiteral("processes")).toStdString());
    if (o.processes > 1 && !o.branch.isEmpty()) throw seesaw::Error("--processes: a branch trains in the window (seesaw-train --branch --nproc N runs one in ranks)");
  }
  if (!o.branch.isEmpty()) seesaw::planBranch(saved, o.config);  // what a branch cannot change, refused now
  o.tracePath = parser.value(QStringLiteral("trace"));
  o.screenshot = parser.value(QStringLiteral("screenshot"));
  o.view = parser.value(QStringLiteral("view"));
  o.user = parser.value(QStringLiteral("user"));
  if (parser.isSet(QStringLiteral("step"))) {
    bool ok = false;
    o.step = parser.value(QStringLiteral("step")).toLongLong(&ok);
    if (!ok || *o.step < 0) throw seesaw::Error("--step: not a step number: " + parser.value(QStringLiteral("step")).toStdString());
  }
  if (parser.isSet(QStringLiteral("screenshot-after"))) {
    bool ok = false;
    o.screenshotAfter = parser.value(QStringLiteral("screenshot-after")).toDouble(&ok);
    if (!ok || !(*o.screenshotAfter >= 0 && *o.screenshotAfter <= 86400))
      throw seesaw::Error("--screenshot-after: not a number of seconds from 0 to 86400: " + parser.value(QStringLiteral("screenshot-after")).toStdString());
    if (o.screenshot.isEmpty()) throw seesaw::Error("--screenshot-after needs --screenshot");
    if (parser.isSet(QStringLiteral("compare"))) throw seesaw::Error("--screenshot-after applies to the main window, not to --compare");
  }
  o.exitWhenDone = parser.isSet(QStringLiteral("exit-when-done"));
  o.start = o.traces.isEmpty() && (parser.isSet(QStringLiteral("start")) || o.exitWhenDone || !o.screenshot.isEmpty());
  return o;
}

}  // namespace

int main(int argc, char** argv)
{
  QApplication application(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("Seesaw"));
  QApplication::setApplicationName(QStringLiteral("seesaw"));
  QApplication::setApplicationVersion(QStringLiteral(SEESAW_VERSION));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Seesaw: train a multi-task recommender and watch its task gradients conflict, live; "
                                                 "or replay a recorded run from its trace, also while seesaw-train is still writing it."));
  parser.addPositionalArgument(QStringLiteral("trace"), QStringLiteral("a trace (.h5) to replay instead of training a run; with --compare, two or more"),
                               QStringLiteral("[trace...]"));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addOptions({
      {QStringLiteral("preset"), QStringLiteral("embedded run preset: demo, synthetic, kuairand, census (default: demo)"), QStringLiteral("name")},
      {QStringLiteral("config"), QStringLiteral("run config JSON file, the format seesaw-train reads (docs/config.md)"), QStringLiteral("file")},
      {QStringLiteral("steps"), QStringLiteral("number of training steps (train.steps)"), QStringLiteral("n")},
      {QStringLiteral("processes"), QStringLiteral("train in n data-parallel processes (seesaw-train --nproc, beside this program) and follow their trace; "
                                                   "1 (the default) trains in the window"), QStringLiteral("n")},
      {QStringLiteral("method"), QStringLiteral("gradient method (method.name; seesaw-train --help lists them)"), QStringLiteral("name")},
      {QStringLiteral("branch"), QStringLiteral("continue from a checkpoint (instead of a preset or config), with --method and --steps as its changes"),
       QStringLiteral("checkpoint")},
      {QStringLiteral("trace"), QStringLiteral("where to record the run (default: runs/<date>-<name>-<method>.h5)"), QStringLiteral("file")},
      {QStringLiteral("start"), QStringLiteral("start training at once")},
      {QStringLiteral("screenshot"), QStringLiteral("when the run ends (for a trace: once it is read and its writer has ended), save a PNG of the window (or of --view) to this file; implies --start"), QStringLiteral("file")},
      {QStringLiteral("screenshot-after"), QStringLiteral("take the --screenshot this many seconds after the window opens, of a run or a tailed trace "
                                                         "still in progress, instead of when it ends (with --exit-when-done, quit then)"), QStringLiteral("seconds")},
      {QStringLiteral("view"), QStringLiteral("the view --screenshot saves: cosine, cosine-matrix, user-detail, loss, validation, magnitude, weights, modules, "
                                                 "user-distribution, user-scatter, users, steering; with --compare: compare-overlay, compare-difference, "
                                                 "compare-users, compare-limits, compare-runs"), QStringLiteral("name")},
      {QStringLiteral("user"), QStringLiteral("select this user (its original id) when the run begins, as a click in the user table would"), QStringLiteral("id")},
      {QStringLiteral("step"), QStringLiteral("once the run has ended (or the trace is read), show this step in every view, as the timeline would"),
       QStringLiteral("n")},
      {QStringLiteral("compare"), QStringLiteral("open the traces given side by side: curves overlaid, run A minus run B, per-user cosines run against run")},
      {QStringLiteral("exit-when-done"), QStringLiteral("quit when the run ends (status 1 if it failed), or once a trace is read and its writer has ended; implies --start")},
  });
  parser.process(application);

  Options options;
  try {
    options = parseOptions(parser);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "seesaw: %s\n", e.what());
    return 1;
  }

  if (const std::string warning = seesaw::blasWarning(); !warning.empty()) std::fprintf(stderr, "seesaw: warning: %s\n", warning.c_str());
  int status = 0;
  // When the run (or every trace) has ended: the screenshot, then quit if asked. The views draw
  // their last records first (their replots are queued).
  const auto finish = [&](QWidget& window, std::function<bool(const QString&, const QString&)> save, bool failed) {
    QTimer::singleShot(300, &window, [&options, &status, save, failed] {
      if (!options.screenshot.isEmpty()) {
        if (save(options.screenshot, options.view)) std::printf("screenshot: %s\n", qPrintable(options.screenshot));
        else {
          std::fprintf(stderr, "seesaw: cannot write the screenshot %s\n", qPrintable(options.screenshot));
          status = 1;
        }
      }
      if (options.exitWhenDone) QApplication::exit(failed ? 1 : status);
    });
  };
  const auto selectUser = [&](seesaw::widgets::RunStore& store, std::function<void(int)> select) {
    const auto& ids = store.info().userIds;
    const auto it = std::find(ids.begin(), ids.end(), options.user.toStdString());
    if (it == ids.end()) std::fprintf(stderr, "seesaw: --user: no user '%s' in the data\n", qPrintable(options.user));
    else select(static_cast<int>(it - ids.begin()));
  };
  const auto checkView = [&](const QStringList& names) {
    if (options.view.isEmpty() || names.contains(options.view)) return true;
    std::fprintf(stderr, "seesaw: --view: unknown view '%s' (%s)\n", qPrintable(options.view), qPrintable(names.join(", ")));
    return false;
  };

  if (options.compare) {
    seesaw::app::CompareWindow window;
    if (!checkView(window.viewNames())) return 1;
    window.show();
    const auto save = [&window](const QString& path, const QString& view) { return window.saveScreenshot(path, view); };
    QObject::connect(&window, &seesaw::app::CompareWindow::completed, &window, [&] {
      if (options.step) window.comparison().setCursor(*options.step);
      finish(window, save, false);
    });
    QString error;
    if (!window.open(options.traces, &error)) {
      std::fprintf(stderr, "seesaw: %s\n", qPrintable(error));
      return 1;
    }
    if (!options.user.isEmpty()) selectUser(window.store(0), [&window](int user) { window.comparison().setSelectedUser(user); });
    const int code = application.exec();
    return code != 0 ? code : status;
  }

  seesaw::app::MainWindow window(options.config, options.tracePath,
                                 options.screenshot.isEmpty() ? seesaw::app::MainWindow::Layout::Remembered
                                                              : seesaw::app::MainWindow::Layout::Default);
  if (!checkView(window.viewNames())) return 1;
  window.show();
  const auto save = [&window](const QString& path, const QString& view) { return window.saveScreenshot(path, view); };
  if (options.screenshotAfter)
    QTimer::singleShot(static_cast<int>(*options.screenshotAfter * 1000), &window, [&] { finish(window, save, false); });
  QObject::connect(&window, &seesaw::app::MainWindow::runEnded, &window, [&] {
    if (options.screenshotAfter) return;  // the timer takes the screenshot
    if (options.step) window.store().setCursor(*options.step);
    const bool failed = !window.failure().isEmpty();
    if (failed) {
      std::fprintf(stderr, "seesaw: run failed: %s\n", qPrintable(window.failure()));
      status = 1;
    }
    finish(window, save, failed);
  });
  if (!options.user.isEmpty())
    QObject::connect(&window.store(), &seesaw::widgets::RunStore::runBegan, &window,
                     [&] { selectUser(window.store(), [&window](int user) { window.store().setSelectedUser(user); }); });
  if (!options.traces.isEmpty()) {
    QString error;
    const bool automated = options.exitWhenDone || !options.screenshot.isEmpty();
    if (!window.openTrace(options.traces.front(), automated ? &error : nullptr) && automated) {
      std::fprintf(stderr, "seesaw: %s\n", qPrintable(error));
      return 1;
    }
  }
  if (!options.branch.isEmpty()) window.setBranch(options.branch);
  window.setProcesses(options.processes);
  if (options.start) window.startRun();
  const int code = application.exec();
  return code != 0 ? code : status;
}
