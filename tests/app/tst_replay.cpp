// Replay, tail and export on real traces, offscreen: a recorded run shows what the live run showed,
// a trace another process is writing grows in the views, a run set up in several processes trains
// in ranks whose trace the views follow, bad files are refused with a message, and the views
// export what they show.

#include <QtTest>
#include <QLabel>
#include <QStatusBar>
#include <QToolBar>

#include <signal.h>

#include <cmath>
#include <numeric>

#include "app/seesaw/live_session.h"
#include "app/seesaw/main_window.h"
#include "app/seesaw/rank_job.h"
#include "app/seesaw/replay_session.h"
#include "config/run_config.h"
#include "tests/app/demo_run.h"
#include "trace/h5.h"
#include "trace/trace_reader.h"
#include "widgets/cosine_matrix_view.h"
#include "widgets/export.h"
#include "widgets/run_store.h"
#include "widgets/step_plot.h"
#include "widgets/timeline.h"
#include "widgets/user_detail_view.h"
#include "widgets/user_table.h"

#include <qcustomplot.h>

using namespace seesaw;
using State = app::LiveSession::State;

namespace {

// More snapshots than a replay keeps in memory.
RunConfig demo(int64_t steps) { return test::demoRun(steps, 40, 10); }

// A window training a long demo run in 2 processes, writing `path` (the caller waits for its steps).
std::unique_ptr<app::MainWindow> startLongRunInRanks(const QString& path)
{
  qputenv("SEESAW_TRAIN", SEESAW_TRAIN);
  RunConfig config = demo(100000);
  config.train.threads = 1;
  auto w = std::make_unique<app::MainWindow>(config, path, app::MainWindow::Layout::Default);
  w->setProcesses(2);
  w->startRun();
  return w;
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void compareColumns(const QVector<double>& live, const QVector<double>& replay, const char* what)
{
  QVERIFY2(live.size() == replay.size(), what);
  for (int i = 0; i < live.size(); ++i)
    QVERIFY2(same(live[i], replay[i]), qPrintable(QStringLiteral("%1 [%2]: live %3, replay %4").arg(what).arg(i).arg(live[i]).arg(replay[i])));
}

void compareFloats(const std::vector<float>& live, const std::vector<float>& replay, const char* what)
{
  QVERIFY2(live.size() == replay.size(), what);
  for (size_t i = 0; i < live.size(); ++i) QVERIFY2(same(live[i], replay[i]), what);
}

void compareUsers(const EntityGeometry& live, const EntityGeometry& replay)
{
  QVERIFY(live.count == replay.count);
  compareFloats(live.weight, replay.weight, "weight");
  QCOMPARE(replay.levels.size(), live.levels.size());
  for (size_t l = 0; l < live.levels.size(); ++l) {
    compareFloats(live.levels[l].cosine, replay.levels[l].cosine, "cosine");
    compareFloats(live.levels[l].gradNorm, replay.levels[l].gradNorm, "grad norm");
    compareFloats(live.levels[l].magnitudeRatio, replay.levels[l].magnitudeRatio, "magnitude ratio");
  }
}

// A user seen in most windows of the run, so that the drill-down has points to compare.
int busiestUser(const widgets::RunStore& store)
{
  const auto& count = store.snapshot(store.snapshotCount() - 1)->users.count;
  return static_cast<int>(std::max_element(count.begin(), count.end()) - count.begin());
}

QByteArray head(const QString& path, int n)
{
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.read(n) : QByteArray();
}

}  // namespace

class ReplayTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void initTestCase()
  {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(dir_.isValid());
    trace_ = dir_.filePath("recorded.h5");
    live_ = std::make_unique<app::MainWindow>(demo(120), trace_, app::MainWindow::Layout::Default);
    live_->startRun();
    // A change mid-run, so that the change log is replayed too.
    QVERIFY(QTest::qWaitFor([&] { return live_->store().stepCount() >= 30; }, 240000));
    Steering lr;
    lr.lr = 0.0005;
    live_->session().steer(lr);
    QVERIFY(QTest::qWaitFor([&] { return live_->session().state() == State::Finished || live_->session().state() == State::Failed; }, 240000));
    QCOMPARE(live_->session().state(), State::Finished);
    QVERIFY(live_->store().snapshotCount() > app::ReplaySession::kResidentSnapshots);
  }

  void cleanupTestCase() { live_.reset(); }

  void replayShowsWhatTheLiveRunShowed()
  {
    app::MainWindow replay(demo(10), QString(), app::MainWindow::Layout::Default);
    QSignalSpy ended(&replay, &app::MainWindow::runEnded);
    QString error;
    QVERIFY2(replay.openTrace(trace_, &error), qPrintable(error));
    QVERIFY(QTest::qWaitFor([&] { return ended.count() == 1; }, 60000));
    QVERIFY(replay.replay().complete());
    QCOMPARE(replay.replay().stateText(), QStringLiteral("finished"));
    // The status bar says what was recorded, not trained, and Start (which trains the run set up,
    // not the one shown) is off while a trace is shown.
    QCOMPARE(replay.findChild<QLabel*>(QStringLiteral("run-state"))->text(), QStringLiteral("replay: finished"));
    const int64_t last = live_->store().lastStep();
    QVERIFY2(replay.findChild<QLabel*>(QStringLiteral("progress"))->text().startsWith(QStringLiteral("recorded %1 of %1 steps").arg(last)),
             qPrintable(replay.findChild<QLabel*>(QStringLiteral("progress"))->text()));
    const QList<QAction*> actions = replay.findChild<QToolBar*>(QStringLiteral("run-toolbar"))->actions();
    const auto start = std::find_if(actions.begin(), actions.end(), [](const QAction* a) { return a->text() == QStringLiteral("Start"); });
    QVERIFY(start != actions.end());
    QVERIFY(!(*start)->isEnabled());
    QVERIFY((*start)->statusTip().contains("New run"));

    const widgets::RunStore& a = live_->store();
    const widgets::RunStore& b = replay.store();
    QCOMPARE(b.info().taskNames, a.info().taskNames);
    QCOMPARE(b.info().userIds, a.info().userIds);
    QCOMPARE(b.stepCount(), a.stepCount());
    compareColumns(a.steps(), b.steps(), "steps");
    compareColumns(a.epochs(), b.epochs(), "epochs");
    for (int k = 0; k < a.tasks(); ++k) {
      compareColumns(a.loss(k), b.loss(k), "loss");
      compareColumns(a.gradNorm(k), b.gradNorm(k), "grad norm");
      compareColumns(a.magnitudeRatio(k), b.magnitudeRatio(k), "magnitude ratio");
      compareColumns(a.weight(k), b.weight(k), "weight");
      compareColumns(a.valid().auc[static_cast<size_t>(k)], b.valid().auc[static_cast<size_t>(k)], "valid AUC");
      compareColumns(a.valid().gauc[static_cast<size_t>(k)], b.valid().gauc[static_cast<size_t>(k)], "valid GAUC");
    }
    for (int p = 0; p < a.pairs(); ++p) {
      compareColumns(a.cosine(p), b.cosine(p), "cosine");
      for (int m = 0; m < a.modules(); ++m) compareColumns(a.moduleCosine(m, p), b.moduleCosine(m, p), "module cosine");
    }
    QVERIFY(a.flags() == b.flags());
    compareColumns(a.valid().step, b.valid().step, "valid steps");
    QCOMPARE(b.testEvals().size(), a.testEvals().size());
    QCOMPARE(b.testEvals().front().auc, a.testEvals().front().auc);
    QCOMPARE(b.changes().size(), size_t(1));
    QCOMPARE(b.changes().front().field, a.changes().front().field);
    QCOMPARE(b.changes().front().step, a.changes().front().step);
    QCOMPARE(b.changes().front().newValue, a.changes().front().newValue);

    // Every snapshot, most of them read back from the file after being let go.
    QCOMPARE(b.snapshotCount(), a.snapshotCount());
    for (int s = 0; s < a.snapshotCount(); ++s) {
      QCOMPARE(b.snapshotStep(s), a.snapshotStep(s));
      QCOMPARE(b.snapshotWindowStart(s), a.snapshotWindowStart(s));
      compareUsers(a.snapshot(s)->users, b.snapshot(s)->users);
      if (QTest::currentTestFailed()) return;
    }

    // The views: the same matrix at the same cursor, the same table, the same drill-down.
    QCOMPARE(b.cursor(), a.cursor());
    QCOMPARE(replay.findChild<widgets::CosineMatrixView*>()->cellValue(0, 1), live_->findChild<widgets::CosineMatrixView*>()->cellValue(0, 1));
    QCOMPARE(replay.findChild<widgets::UserTableView*>()->model().rowCount(), live_->findChild<widgets::UserTableView*>()->model().rowCount());
    const int user = busiestUser(a);
    live_->store().setSelectedUser(user);
    replay.store().setSelectedUser(user);
    const auto* liveDetail = live_->findChild<widgets::UserDetailView*>();
    const auto* replayDetail = replay.findChild<widgets::UserDetailView*>();
    int points = 0;
    for (int g = 0; g < a.pairs() + a.tasks(); ++g) {
      QCOMPARE(replayDetail->pointCount(g), a.snapshotCount());
      for (int s = 0; s < a.snapshotCount(); ++s) {
        QVERIFY(same(replayDetail->valueAt(g, s), liveDetail->valueAt(g, s)));
        points += !std::isnan(liveDetail->valueAt(g, s));
      }
    }
    QVERIFY(points > a.snapshotCount());  // the user was seen: the comparison compared values
  }

  void theTimelineMovesEveryView()
  {
    app::MainWindow w(demo(10), QString(), app::MainWindow::Layout::Default);
    QSignalSpy ended(&w, &app::MainWindow::runEnded);
    QVERIFY(w.openTrace(trace_));
    QVERIFY(QTest::qWaitFor([&] { return ended.count() == 1; }, 60000));
    widgets::RunStore& store = w.store();
    widgets::Timeline& timeline = w.timeline();
    QCOMPARE(store.cursor(), int64_t(120));

    timeline.previousSnapshot();
    QCOMPARE(store.cursor(), store.snapshotStep(store.snapshotCount() - 2));  // the last window ends at 120 itself
    timeline.previousSnapshot();
    QCOMPARE(store.cursor(), store.snapshotStep(store.snapshotCount() - 3));
    timeline.nextSnapshot();
    QCOMPARE(store.cursor(), store.snapshotStep(store.snapshotCount() - 2));

    auto* jump = w.findChild<QSpinBox*>(QStringLiteral("jump-to-step"));
    jump->setValue(37);
    QCOMPARE(store.cursor(), int64_t(37));
    // The views follow: the matrix shows step 37's cosines, the table the window ending at 30.
    const int index = store.stepIndexAtOrBefore(37);
    QCOMPARE(w.findChild<widgets::CosineMatrixView*>()->cellValue(0, 1), store.cosine(0)[index]);
    QCOMPARE(w.findChild<widgets::UserTableView*>()->model().snapshot()->step, int64_t(30));

    auto* slider = w.findChild<QSlider*>(QStringLiteral("step-slider"));
    slider->setValue(9);
    QCOMPARE(store.cursor(), static_cast<int64_t>(store.steps()[9]));

    // Play runs to the end at the chosen speed and stops there.
    timeline.setSpeed(2000);
    QCOMPARE(timeline.speed(), 2000.0);
    timeline.play();
    QVERIFY(timeline.playing());
    QTest::qWait(20);
    QVERIFY(QTest::qWaitFor([&] { return !timeline.playing(); }, 5000));
    QCOMPARE(store.cursor(), int64_t(120));
  }

  void aTraceBeingWrittenGrowsInTheViews()
  {
    const QString growing = dir_.filePath("growing.h5");
    QProcess writer;
    writer.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    writer.start(QStringLiteral(SEESAW_TRAIN), {"demo", "--steps", "400", "--snapshot-every", "50", "--eval-every", "100", "--trace", growing,
                                                 "--summary", dir_.filePath("growing.json")});
    QVERIFY(writer.waitForStarted());

    app::MainWindow w(demo(10), QString(), app::MainWindow::Layout::Default);
    QSignalSpy ended(&w, &app::MainWindow::runEnded);
    // The writer creates the file after loading its data; opening may race its first commit.
    QString error;
    QVERIFY2(QTest::qWaitFor([&] { return QFile::exists(growing) && w.openTrace(growing, &error); }, 120000), qPrintable(error));
    QVERIFY2(w.replay().live(), qPrintable(w.replay().stateText()));
    QVERIFY(w.replay().stateText().startsWith(QStringLiteral("live")));

    // Each growth the views saw while the writer still ran. How soon after a commit they see it is
    // a benchmark's business (seesaw-bench-replay's tail line): it depends on the machine's load.
    std::vector<int> seen = {w.store().stepCount()};
    connect(&w.store(), &widgets::RunStore::grown, this, [&] {
      if (writer.state() != QProcess::Running || w.store().stepCount() == seen.back()) return;
      seen.push_back(w.store().stepCount());
    });
    QVERIFY(QTest::qWaitFor([&] { return ended.count() == 1; }, 300000));
    QVERIFY(writer.state() == QProcess::NotRunning || writer.waitForFinished(60000));  // its end may have been seen already
    QCOMPARE(writer.exitCode(), 0);

    QVERIFY2(seen.size() >= 3, qPrintable(QStringLiteral("grew %1 times while written").arg(seen.size() - 1)));
    QCOMPARE(w.replay().stateText(), QStringLiteral("finished"));
    QCOMPARE(w.store().stepCount(), 400);
    QCOMPARE(w.store().snapshotCount(), 8);
    QVERIFY(w.store().runEnd().has_value());
    // What grew in is what the finished file holds.
    TraceReader finished(growing.toStdString());
    const auto last = finished.step(finished.stepCount() - 1);
    QCOMPARE(w.store().loss(0).back(), static_cast<double>(last.loss[0]));
    QCOMPARE(static_cast<int64_t>(w.store().valid().step.size()) + 1, static_cast<int64_t>(finished.evals().size()));  // + the test split's
  }

  // The run setup's processes field: the ranks train in processes of their own, the window follows
  // rank 0's trace live and says so, and the finished views hold the whole run.
  void aRunInTwoProcessesTrainsInRanksAndShowsLive()
  {
    qputenv("SEESAW_TRAIN", SEESAW_TRAIN);
    RunConfig config = demo(60);
    config.train.threads = 1;
    const QString path = dir_.filePath("ranks.h5");
    // After the same run in the window, writing the same trace: the ranks' run follows only the
    // trace its rank 0 writes, and its end is said once, when it has ended.
    app::MainWindow w(config, path, app::MainWindow::Layout::Default);
    QSignalSpy ended(&w, &app::MainWindow::runEnded);
    w.startRun();
    QVERIFY(QTest::qWaitFor([&] { return ended.count() == 1; }, 120000));
    ended.clear();
    w.setProcesses(2);
    w.startRun();
    QVERIFY(w.ranks().active());
    QTest::qWait(200);
    QCOMPARE(ended.count(), 0);
    auto* state = w.statusBar()->findChildren<QLabel*>().at(0);
    QVERIFY2(QTest::qWaitFor([&] { return state->text().startsWith(QStringLiteral("training in 2 processes: live")); }, 120000), qPrintable(state->text()));
    // A second run, a trace or a branch are refused while the ranks train; Stop is offered.
    QString error;
    QVERIFY(!w.openTrace(path, &error));
    QVERIFY2(error.contains("a run is training"), qPrintable(error));
    const auto actions = w.findChild<QToolBar*>()->actions();
    for (QAction* a : actions) {
      if (a->text() == QStringLiteral("Stop")) QVERIFY(a->isEnabled());
      if (a->text() == QStringLiteral("Pause") || a->text() == QStringLiteral("Start")) QVERIFY2(!a->isEnabled(), qPrintable(a->text()));
    }
    QVERIFY(QTest::qWaitFor([&] { return ended.count() == 1; }, 300000));
    QVERIFY2(w.ranks().failure().isEmpty(), qPrintable(w.ranks().failure()));
    QVERIFY(QTest::qWaitFor([&] { return w.replay().complete(); }, 60000));
    QCOMPARE(w.store().stepCount(), 60);
    QCOMPARE(w.store().snapshotCount(), 6);
    QCOMPARE(w.store().info().worldSize, int64_t(2));
    QCOMPARE(w.store().info().geometryLevels, (std::vector<std::string>{"exact", "embedding", "representation"}));
    QCOMPARE(w.replay().stateText(), QStringLiteral("finished"));
    const auto labels = w.statusBar()->findChildren<QLabel*>();
    QVERIFY(std::any_of(labels.begin(), labels.end(), [](QLabel* l) { return l->text().contains("2 ranks (gloo)"); }));
    QVERIFY(QFile::exists(dir_.filePath("ranks.summary.json")));
  }

  // Stop ends every rank after the same step: the trace says stopped, and no failure is shown.
  void stoppingARunInProcessesStopsEveryRank()
  {
    const QString path = dir_.filePath("ranks-stopped.h5");
    const auto window = startLongRunInRanks(path);
    app::MainWindow& w = *window;
    QSignalSpy ended(&w, &app::MainWindow::runEnded);
    QVERIFY(QTest::qWaitFor([&] { return w.store().stepCount() >= 3; }, 120000));
    w.stopRun();
    QVERIFY(QTest::qWaitFor([&] { return ended.count() == 1; }, 60000));
    QVERIFY2(w.ranks().failure().isEmpty(), qPrintable(w.ranks().failure()));
    QVERIFY(QTest::qWaitFor([&] { return w.replay().complete(); }, 60000));
    QCOMPARE(w.replay().stateText(), QStringLiteral("stopped"));
    QCOMPARE(TraceReader(path.toStdString()).status().state, trace::RunState::Stopped);
    QTest::qWait(2 * app::ReplaySession::kPollMs);
    QCOMPARE(ended.count(), 1);
  }

  // Rank 0 killed: its trace never closes, and the run's end is said all the same, with the
  // survivor's words as the failure.
  void aRunWhoseRankZeroDiesEnds()
  {
    const QString path = dir_.filePath("ranks-killed.h5");
    const auto window = startLongRunInRanks(path);
    app::MainWindow& w = *window;
    QSignalSpy ended(&w, &app::MainWindow::runEnded);
    QVERIFY(QTest::qWaitFor([&] { return w.store().stepCount() >= 3; }, 120000));
    QFile children(QStringLiteral("/proc/%1/task/%1/children").arg(w.ranks().processId()));
    QVERIFY(children.open(QIODevice::ReadOnly));
    const QStringList pids = QString(children.readAll()).split(' ', Qt::SkipEmptyParts);
    QCOMPARE(pids.size(), 2);
    QVERIFY(::kill(pids[0].toInt(), SIGKILL) == 0);
    QVERIFY(QTest::qWaitFor([&] { return ended.count() == 1; }, 120000));
    QVERIFY2(w.failure().contains("rank 0"), qPrintable(w.failure()));
    QVERIFY(!w.replay().complete());
    QCOMPARE(TraceReader(path.toStdString()).status().state, trace::RunState::Running);  // as rank 0 left it
  }

  // A config the ranks refuse fails the run with the trainer's words in the dialog's text.
  void aRunTheRanksRefuseSaysWhy()
  {
    qputenv("SEESAW_TRAIN", SEESAW_TRAIN);
    RunConfig config = demo(10);
    config.train.itemGeometry = true;
    config.train.geometryLevels = {"exact"};
    app::MainWindow w(config, dir_.filePath("ranks-refused.h5"), app::MainWindow::Layout::Default);
    QSignalSpy ended(&w, &app::MainWindow::runEnded);
    w.setProcesses(2);
    w.startRun();
    QVERIFY(QTest::qWaitFor([&] { return !w.ranks().active(); }, 120000));
    QVERIFY2(w.ranks().failure().contains("config field train.geometry_levels: a data-parallel run shares its samples by user"),
             qPrintable(w.ranks().failure()));
    QCOMPARE(ended.count(), 1);
  }

  void aWriterThatDiedIsSaid()
  {
    const QString path = dir_.filePath("killed.h5");
    QProcess writer;
    writer.start(QStringLiteral(SEESAW_TRAIN), {"demo", "--steps", "100000", "--trace", path, "--summary", dir_.filePath("killed.json")});
    QVERIFY(writer.waitForStarted());
    app::MainWindow w(demo(10), QString(), app::MainWindow::Layout::Default);
    QString error;  // the file may exist before its first commit: opening is retried
    QVERIFY2(QTest::qWaitFor([&] { return QFile::exists(path) && w.openTrace(path, &error) && w.replay().lastCommit() > 0; }, 120000), qPrintable(error));
    QVERIFY(w.replay().live());
    QVERIFY(!w.replay().abnormal());
    auto* state = w.statusBar()->findChildren<QLabel*>().front();
    QVERIFY2(state->text().startsWith("replay: live") && state->styleSheet().contains("#1a7f37"), qPrintable(state->text()));
    writer.kill();  // as a crash or an OOM kill would: no end is written, the file stays "running"
    QVERIFY(writer.waitForFinished());
    QVERIFY(QTest::qWaitFor([&] { return w.replay().abnormal(); }, 30000));
    QVERIFY2(w.replay().stateText().startsWith("no commit for"), qPrintable(w.replay().stateText()));
    // The status bar says so at its next look at the file, half a second later at most.
    QVERIFY2(QTest::qWaitFor([&] { return state->text().contains("the writer may have died"); }, 2000), qPrintable(state->text()));
    QVERIFY(state->styleSheet().contains("#c62828"));
    QVERIFY(!w.replay().complete());  // it may yet resume: the views keep following
  }

  void badFilesAreRefusedAndTheShownRunStays()
  {
    app::MainWindow w(demo(10), QString(), app::MainWindow::Layout::Default);
    QSignalSpy ended(&w, &app::MainWindow::runEnded);
    QVERIFY(w.openTrace(trace_));
    QVERIFY(QTest::qWaitFor([&] { return ended.count() == 1; }, 60000));
    const int steps = w.store().stepCount();

    const QString text = dir_.filePath("notes.h5");
    QFile f(text);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("step,loss\n1,0.5\n");
    f.close();

    const QString truncated = dir_.filePath("truncated.h5");
    const QByteArray whole = head(trace_, 1 << 30);
    QFile t(truncated);
    QVERIFY(t.open(QIODevice::WriteOnly));
    t.write(whole.left(whole.size() / 2));
    t.close();

    const QString foreign = dir_.filePath("foreign.h5");
    {
      h5::Handle file(H5Fcreate(foreign.toUtf8().constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
      h5::writeIntAttribute(file, "answer", 42);
    }
    const QString newer = dir_.filePath("newer.h5");
    QVERIFY(QFile::copy(trace_, newer));
    {
      h5::Handle file(H5Fopen(newer.toUtf8().constData(), H5F_ACC_RDWR, H5P_DEFAULT));
      H5Adelete(file, "format_version");
      h5::writeIntAttribute(file, "format_version", 99);
    }

    const std::pair<QString, QString> cases[] = {
        {dir_.filePath("missing.h5"), "no such file"},
        {text, "not an HDF5 file"},
        {truncated, "truncated"},
        {foreign, "not a Seesaw trace"},
        {newer, "version 99, newer than this Seesaw reads"},
    };
    for (const auto& [path, expected] : cases) {
      QString error;
      QVERIFY2(!w.openTrace(path, &error), qPrintable(path));
      QVERIFY2(error.contains(path) && error.contains(expected), qPrintable(error));
      QCOMPARE(w.store().stepCount(), steps);  // the run shown before is still shown
      QVERIFY(w.replay().isOpen());
    }
  }

  void aDamagedSnapshotIsNamedAndTheRestStays()
  {
    // One flipped byte in the chunks of /users/count that hold snapshots 1, 2, 3, 4 and 6 (a
    // chunk per snapshot): their Fletcher-32 checksums fail.
    const QString damaged = dir_.filePath("damaged-users.h5");
    QVERIFY(QFile::copy(trace_, damaged));
    std::vector<std::pair<haddr_t, hsize_t>> chunks;
    {
      h5::Handle file(H5Fopen(damaged.toUtf8().constData(), H5F_ACC_RDONLY, H5P_DEFAULT));
      h5::Handle count(H5Dopen2(file, "/users/count", H5P_DEFAULT));
      h5::Handle space(H5Dget_space(count));
      for (hsize_t chunk : {0, 1, 2, 3, 5}) {
        haddr_t address = 0;
        hsize_t size = 0;
        QVERIFY(H5Dget_chunk_info(count, space, chunk, nullptr, nullptr, &address, &size) >= 0);
        chunks.emplace_back(address, size);
      }
    }
    QFile f(damaged);
    QVERIFY(f.open(QIODevice::ReadWrite));
    for (const auto& [address, size] : chunks) {
      const auto at = static_cast<qint64>(address + size / 2);
      char byte = 0;
      QVERIFY(f.seek(at) && f.getChar(&byte));
      QVERIFY(f.seek(at) && f.putChar(static_cast<char>(byte ^ 0x10)));
    }
    f.close();

    app::MainWindow w(demo(10), QString(), app::MainWindow::Layout::Default);
    QSignalSpy ended(&w, &app::MainWindow::runEnded);
    QVERIFY(w.openTrace(damaged));
    QVERIFY(QTest::qWaitFor([&] { return ended.count() == 1; }, 60000));
    QVERIFY(QTest::qWaitFor([&] { return w.replay().complete(); }, 60000));
    QVERIFY(w.replay().abnormal());
    const QString state = w.replay().stateText();
    QCOMPARE(state, QString("finished; damaged, shown empty: snapshot 1 (to step 10), 2 (to step 20), 3 (to step 30) and 2 more"));
    QVERIFY2(w.replay().readError().contains("/users/count"), qPrintable(w.replay().readError()));
    auto* label = w.statusBar()->findChildren<QLabel*>().front();
    QVERIFY2(label->text().contains("damaged, shown empty: snapshot 1"), qPrintable(label->text()));
    // The rest of the run is shown: every step, and the snapshots' places on the timeline.
    QCOMPARE(w.store().stepCount(), 120);
    QCOMPARE(static_cast<int64_t>(w.store().snapshotCount()), TraceReader(trace_.toStdString()).snapshotCount());
    const auto seen = [&](int s) {
      const auto snapshot = w.store().snapshot(s);  // none when read back from the file and refused again
      return snapshot ? std::accumulate(snapshot->users.count.begin(), snapshot->users.count.end(), int64_t(0)) : int64_t(0);
    };
    QCOMPARE(seen(3), int64_t(0));  // shown empty
    QVERIFY(seen(4) > 0);           // read as recorded
    QVERIFY(seen(6) > 0);
  }

  void viewsExportWhatTheyShow()
  {
    app::MainWindow w(demo(10), QString(), app::MainWindow::Layout::Default);
    QSignalSpy ended(&w, &app::MainWindow::runEnded);
    QVERIFY(w.openTrace(trace_));
    QVERIFY(QTest::qWaitFor([&] { return ended.count() == 1; }, 60000));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const widgets::RunStore& store = w.store();

    QCustomPlot& plot = *qobject_cast<widgets::StepPlot*>(w.centralWidget());  // the cosine per pair
    const std::pair<const char*, QByteArray> images[] = {{"png", "\x89PNG"}, {"svg", "<?xml"}, {"pdf", "%PDF"}};
    for (const auto& [suffix, magic] : images) {
      const QString path = dir_.filePath(QStringLiteral("cosine.") + suffix);
      QString error;
      QVERIFY2(widgets::exportPlotImage(plot, path, {}, &error), qPrintable(error));
      QVERIFY2(head(path, magic.size()) == magic, suffix);
    }
    QString error;
    QVERIFY(!widgets::exportPlotImage(plot, dir_.filePath("cosine.bmp"), {}, &error));
    QVERIFY(error.contains("bmp"));
    QVERIFY(!widgets::exportPlotImage(plot, dir_.filePath("no/such/dir/cosine.png"), {}, &error));
    // At a chosen size and scale, the run named in the picture, and the plot as it was after.
    const int layoutRows = plot.plotLayout()->rowCount();
    const QString png = dir_.filePath("sized.png"), svg = dir_.filePath("named.svg");
    QVERIFY(widgets::exportPlotImage(plot, png, {QSize(400, 300), 2, QString()}, &error));
    QCOMPARE(QImage(png).size(), QSize(800, 600));
    QVERIFY(widgets::exportPlotImage(plot, svg, {QSize(640, 480), 1, QStringLiteral("demo-run-7")}, &error));
    const QByteArray drawing = head(svg, 1 << 24);
    QVERIFY(drawing.contains("demo-run-7"));
    QCOMPARE(plot.plotLayout()->rowCount(), layoutRows);
    QVERIFY(!widgets::exportPlotImage(plot, png, {QSize(10000, 10000), 3, QString()}, &error));  // 900 megapixels
    QVERIFY2(error.contains("more than 100 megapixels"), qPrintable(error));
    // Nothing drawn far outside the picture (the conflict band once reached 10^9 pixels down);
    // colours (#000000) aside.
    QVERIFY2(!QString::fromUtf8(drawing).contains(QRegularExpression(QStringLiteral("(?<![#.\\d])\\d{6,}|\\d[eE]\\+\\d"))),
             "a coordinate far outside the picture");
    QCOMPARE(widgets::exportFileName({"20261206-101500-demo-ew", "cosine"}, "png"), QString("20261206-101500-demo-ew-cosine.png"));
    QCOMPARE(widgets::exportFileName({"ew vs pcgrad", "compare-overlay"}, "svg"), QString("ew_vs_pcgrad-compare-overlay.svg"));

    // The series as CSV: a header, then one row per step with each pair's cosine, exactly.
    const QStringList lines = widgets::plotCsv(plot).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), store.stepCount() + 1);
    QCOMPARE(lines.front(), QStringLiteral("step,") + store.pairName(0) + ',' + store.pairName(1) + ',' + store.pairName(2));
    for (int i : {0, 57, store.stepCount() - 1}) {
      const QStringList cells = lines[i + 1].split(',');
      QCOMPARE(cells[0].toDouble(), store.steps()[i]);
      for (int p = 0; p < store.pairs(); ++p) QCOMPARE(static_cast<float>(cells[p + 1].toDouble()), static_cast<float>(store.cosine(p)[i]));
    }

    // The user table at the cursor, as shown, with exact values.
    const auto* users = w.findChild<widgets::UserTableView*>();
    const QAbstractItemModel& shown = *users->table().model();
    const QStringList rows = widgets::tableCsv(shown).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), shown.rowCount() + 1);
    QVERIFY(rows.front().startsWith(QStringLiteral("user,samples,")));
    const QStringList first = rows[1].split(',');
    QCOMPARE(first[0], shown.data(shown.index(0, 0)).toString());
    QCOMPARE(static_cast<float>(first[2].toDouble()), static_cast<float>(shown.data(shown.index(0, 2), Qt::UserRole).toDouble()));
    QVERIFY(widgets::writeText(dir_.filePath("users.csv"), widgets::tableCsv(shown), &error));
    QCOMPARE(head(dir_.filePath("users.csv"), 1 << 20).count('\n'), shown.rowCount() + 1);
    // The table's own export says which window its rows describe.
    const QStringList withWindow = users->csv(',').split('\n', Qt::SkipEmptyParts);
    QCOMPARE(withWindow.size(), rows.size());
    QCOMPARE(withWindow[0], "window_first_step,window_last_step," + rows[0]);
    const auto& last = *store.snapshot(store.snapshotCount() - 1);
    QCOMPARE(withWindow[1], QString("%1,%2,").arg(last.windowStart).arg(last.step) + rows[1]);
  }

private:
  QTemporaryDir dir_;
  QString trace_;
  std::unique_ptr<app::MainWindow> live_;
};

QTEST_MAIN(ReplayTest)
#include "tst_replay.moc"
