// seesaw: the desktop app. Trains a run live, or replays a recorded one (a trace, also one another
// process is still writing), and shows its task-gradient conflicts; the automation flags run it
// without anyone at the screen (tests, README screenshots).

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <algorithm>
#include <cstdio>

#include "app/seesaw/live_session.h"
#include "app/seesaw/main_window.h"
#include "config/run_config.h"
#include "util/error.h"
#include "widgets/run_store.h"

namespace {

struct Options
{
  seesaw::RunConfig config;
  QString tracePath, screenshot, view, user;
  QString open;  // a trace to replay instead of a run to train
  bool start = false, exitWhenDone = false;
};

// The run config the command line asks for; throws seesaw::Error naming a bad value.
Options parseOptions(const QCommandLineParser& parser)
{
  Options o;
  const QStringList positional = parser.positionalArguments();
  if (positional.size() > 1) throw seesaw::Error("give at most one trace to open");
  if (!positional.isEmpty()) {
    o.open = positional.front();
    for (const char* runOnly : {"preset", "config", "steps", "method", "trace", "start"})
      if (parser.isSet(QString::fromLatin1(runOnly)))
        throw seesaw::Error(std::string("--") + runOnly + " sets up a run to train; it does not apply to a trace opened for replay");
  }
  const QString preset = parser.value(QStringLiteral("preset")), configFile = parser.value(QStringLiteral("config"));
  if (!preset.isEmpty() && !configFile.isEmpty()) throw seesaw::Error("give either --preset or --config, not both");
  o.config = configFile.isEmpty() ? seesaw::presetConfig(preset.isEmpty() ? "demo" : preset.toStdString())
                                  : seesaw::loadRunConfigFile(configFile.toStdString());
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
  o.tracePath = parser.value(QStringLiteral("trace"));
  o.screenshot = parser.value(QStringLiteral("screenshot"));
  o.view = parser.value(QStringLiteral("view"));
  o.user = parser.value(QStringLiteral("user"));
  o.exitWhenDone = parser.isSet(QStringLiteral("exit-when-done"));
  o.start = o.open.isEmpty() && (parser.isSet(QStringLiteral("start")) || o.exitWhenDone || !o.screenshot.isEmpty());
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
  parser.addPositionalArgument(QStringLiteral("trace"), QStringLiteral("a trace (.h5) to replay instead of training a run"), QStringLiteral("[trace]"));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addOptions({
      {QStringLiteral("preset"), QStringLiteral("embedded run preset: demo, synthetic, kuairand, census (default: demo)"), QStringLiteral("name")},
      {QStringLiteral("config"), QStringLiteral("run config JSON file, the format seesaw-train reads (docs/config.md)"), QStringLiteral("file")},
      {QStringLiteral("steps"), QStringLiteral("number of training steps (train.steps)"), QStringLiteral("n")},
      {QStringLiteral("method"), QStringLiteral("gradient method (method.name; seesaw-train --help lists them)"), QStringLiteral("name")},
      {QStringLiteral("trace"), QStringLiteral("where to record the run (default: runs/<date>-<name>-<method>.h5)"), QStringLiteral("file")},
      {QStringLiteral("start"), QStringLiteral("start training at once")},
      {QStringLiteral("screenshot"), QStringLiteral("when the run ends (for a trace: once it is read and its writer has ended), save a PNG of the window (or of --view) to this file; implies --start"), QStringLiteral("file")},
      {QStringLiteral("view"), QStringLiteral("the view --screenshot saves: cosine, cosine-matrix, user-detail, loss, validation, magnitude, weights, modules, "
                                                 "user-distribution, user-scatter, users, steering"), QStringLiteral("name")},
      {QStringLiteral("user"), QStringLiteral("select this user (its original id) when the run begins, as a click in the user table would"), QStringLiteral("id")},
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

  seesaw::app::MainWindow window(options.config, options.tracePath,
                                 options.screenshot.isEmpty() ? seesaw::app::MainWindow::Layout::Remembered
                                                              : seesaw::app::MainWindow::Layout::Default);
  if (!options.view.isEmpty() && !window.viewNames().contains(options.view)) {
    std::fprintf(stderr, "seesaw: --view: unknown view '%s' (%s)\n", qPrintable(options.view), qPrintable(window.viewNames().join(", ")));
    return 1;
  }
  window.show();
  int status = 0;
  QObject::connect(&window, &seesaw::app::MainWindow::runEnded, &window, [&] {
    const bool failed = window.session().state() == seesaw::app::LiveSession::State::Failed;
    if (failed) {
      std::fprintf(stderr, "seesaw: run failed: %s\n", qPrintable(window.session().failure()));
      status = 1;
    }
    // Let the views draw their last records (their replots are queued) before the picture.
    QTimer::singleShot(300, &window, [&, failed] {
      if (!options.screenshot.isEmpty()) {
        if (window.saveScreenshot(options.screenshot, options.view)) std::printf("screenshot: %s\n", qPrintable(options.screenshot));
        else {
          std::fprintf(stderr, "seesaw: cannot write the screenshot %s\n", qPrintable(options.screenshot));
          status = 1;
        }
      }
      if (options.exitWhenDone) QApplication::exit(failed ? 1 : status);
    });
  });
  if (!options.user.isEmpty()) {
    QObject::connect(&window.store(), &seesaw::widgets::RunStore::runBegan, &window, [&] {
      const auto& ids = window.store().info().userIds;
      const auto it = std::find(ids.begin(), ids.end(), options.user.toStdString());
      if (it == ids.end()) std::fprintf(stderr, "seesaw: --user: no user '%s' in the data\n", qPrintable(options.user));
      else window.store().setSelectedUser(static_cast<int>(it - ids.begin()));
    });
  }
  if (!options.open.isEmpty()) {
    QString error;
    if (!window.openTrace(options.open, options.exitWhenDone || !options.screenshot.isEmpty() ? &error : nullptr)) {
      if (!error.isEmpty()) {
        std::fprintf(stderr, "seesaw: %s\n", qPrintable(error));
        return 1;
      }
    }
  }
  if (options.start) window.startRun();
  const int code = application.exec();
  return code != 0 ? code : status;
}
