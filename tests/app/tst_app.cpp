// The desktop app end to end, offscreen: a real run trains into the views and the trace.

#include <QtTest>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>

#include "app/seesaw/live_session.h"
#include "app/seesaw/main_window.h"
#include "app/seesaw/replay_session.h"
#include "app/seesaw/steering_panel.h"
#include "config/run_config.h"
#include "tests/app/demo_run.h"
#include "train/run_validation.h"
#include "trace/trace_reader.h"
#include "widgets/cosine_matrix_view.h"
#include "widgets/empty_notice.h"
#include "widgets/run_store.h"
#include "widgets/step_plot.h"
#include "widgets/user_table.h"

using namespace seesaw;
using State = app::LiveSession::State;

namespace {

RunConfig demo(int64_t steps) { return test::demoRun(steps, 50, 25); }

bool waitForState(app::MainWindow& w, std::initializer_list<State> states, int ms)
{
  return QTest::qWaitFor([&] { return std::find(states.begin(), states.end(), w.session().state()) != states.end(); }, ms);
}

}  // namespace

class AppTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // Before any run the views say what they wait for, and the central one what Start will train
  // (at launch there were eleven empty plots with invented axes).
  void aNewWindowSaysWhatStartTrains()
  {
    RunConfig config = demo(40);
    config.method.name = "pcgrad";
    app::MainWindow w(config, QString(), app::MainWindow::Layout::Default);
    const QLabel* central = widgets::emptyNotice(*w.view(QStringLiteral("cosine")));
    QVERIFY(central);
    QVERIFY2(central->text().startsWith(QStringLiteral("Set up: %1 (%2, method pcgrad, 40 steps).")
                                                          .arg(QString::fromStdString(config.name), QString::fromStdString(modelTypeName(config.model.type)))),
             qPrintable(central->text()));
    QVERIFY(central->text().contains("Start (Ctrl+R) trains it"));
    // (A view's notice covers its plot or table, a child of the view.)
    const auto noticeWithin = [](QWidget& view) -> const QLabel* {
      if (const QLabel* notice = widgets::emptyNotice(view)) return notice;
      for (QWidget* child : view.findChildren<QWidget*>())
        if (const QLabel* notice = widgets::emptyNotice(*child)) return notice;
      return nullptr;
    };
    for (const char* name : {"loss", "validation", "magnitude", "weights", "modules", "cosine-matrix", "users"}) {
      const QLabel* notice = noticeWithin(*w.view(QString::fromLatin1(name)));
      QVERIFY2(notice && notice->text() == widgets::noRunNotice(), name);
    }
  }

  void aRunFillsEveryViewAndItsTrace()
  {
    QTemporaryDir dir;
    const QString trace = dir.filePath("run.h5");
    app::MainWindow w(demo(150), trace, app::MainWindow::Layout::Default);
    QSignalSpy ended(&w, &app::MainWindow::runEnded);
    w.startRun();
    QVERIFY(waitForState(w, {State::Finished, State::Failed}, 240000));
    QCOMPARE(w.session().state(), State::Finished);
    QCOMPARE(ended.count(), 1);

    const widgets::RunStore& store = w.store();
    QCOMPARE(store.stepCount(), 150);
    QCOMPARE(store.valid().step.size(), 3);  // steps 50, 100, 150
    QCOMPARE(store.snapshotCount(), 6);
    QCOMPARE(store.cursor(), int64_t(150));
    // Every plot over steps holds every step.
    const auto plots = w.findChildren<widgets::StepPlot*>();
    QCOMPARE(plots.size(), 5);
    for (const widgets::StepPlot* p : plots)
      for (int i = 0; i < p->seriesCount(); ++i)
        QCOMPARE(p->pointCount(i), p->valuesAt(1).contains("AUC") ? 3 : 150);
    // The matrix shows the last step's cosines; the table the last snapshot's users.
    const auto* matrix = w.findChild<widgets::CosineMatrixView*>();
    QCOMPARE(matrix->cellValue(0, 1), store.cosine(0).back());
    const auto* users = w.findChild<widgets::UserTableView*>();
    int seen = 0;
    for (int32_t c : store.snapshot(5)->users.count) seen += c > 0;
    QCOMPARE(users->model().rowCount(), seen);
    QVERIFY(seen > 0);

    // The trace holds the same run.
    TraceReader reader(trace.toStdString());
    reader.readAll();
    QCOMPARE(reader.status().state, trace::RunState::Finished);
    QCOMPARE(reader.stepCount(), int64_t(150));
    QCOMPARE(reader.snapshotCount(), int64_t(6));
    QCOMPARE(double(reader.step(149).cosine[1]), store.cosine(0).back());
    // The trace's config is a run config that runs again (issue 7's branch starts from it).
    validate(parseRunConfig(reader.info().configJson, "the trace's config", ""));
    QVERIFY(w.saveScreenshot(dir.filePath("shot.png"), "cosine-matrix"));
    QVERIFY(QImage(dir.filePath("shot.png")).width() > 100);
  }

  void pauseHoldsAndResumeFinishes()
  {
    QTemporaryDir dir;
    app::MainWindow w(demo(400), dir.filePath("run.h5"), app::MainWindow::Layout::Default);
    w.startRun();
    QVERIFY(QTest::qWaitFor([&] { return w.store().stepCount() >= 20; }, 120000));
    w.togglePause();
    QCOMPARE(w.session().state(), State::Paused);
    QTest::qWait(500);  // the step under way and its record arrive
    const int held = w.store().stepCount();
    QTest::qWait(700);
    QCOMPARE(w.store().stepCount(), held);
    w.togglePause();
    QCOMPARE(w.session().state(), State::Running);
    QVERIFY(waitForState(w, {State::Finished, State::Failed}, 240000));
    QCOMPARE(w.store().stepCount(), 400);
  }

  void steeringChangesTheLiveRunAndIsLogged()
  {
    QTemporaryDir dir;
    const QString trace = dir.filePath("run.h5");
    RunConfig c = demo(200);
    c.method.name = "gradnorm";  // parameters left to their defaults: the panel must not send them as changes
    app::MainWindow w(c, trace, app::MainWindow::Layout::Default);
    w.startRun();
    QVERIFY(QTest::qWaitFor([&] { return w.store().stepCount() >= 20; }, 120000));
    w.togglePause();
    QVERIFY(waitForState(w, {State::Paused}, 60000));
    w.steering().lrBox()->setValue(0.0004);
    QVERIFY(w.steering().apply());
    // Said at once, although a paused trainer applies it only when the run resumes.
    QCOMPARE(w.steering().log()->count(), 1);
    const QString asked = w.steering().log()->item(0)->text();
    QVERIFY2(asked.startsWith("asked: learning rate 0.0004, from step ") && asked.endsWith(" when the run resumes"), qPrintable(asked));
    w.togglePause();
    QVERIFY(waitForState(w, {State::Finished, State::Failed}, 240000));
    QCOMPARE(w.session().state(), State::Finished);
    const auto& changes = w.store().changes();
    QCOMPARE(changes.size(), size_t(1));
    QCOMPARE(changes[0].field, std::string("train.lr"));
    QCOMPARE(changes[0].newValue, std::string("0.0004"));
    QVERIFY(changes[0].refused.empty());
    QCOMPARE(w.steering().current().train.lr, 0.0004);  // the panel follows what the trainer applied
    QCOMPARE(w.steering().log()->count(), 2);  // asked, then applied
    // The trace has the change and the steps ran with it from its step on.
    TraceReader reader(trace.toStdString());
    QCOMPARE(reader.changes().size(), size_t(1));
    const int64_t from = changes[0].step;
    QCOMPARE(reader.step(from - 2).lr, demo(1).train.lr);
    QCOMPARE(reader.step(from - 1).lr, 0.0004);
  }

  // Stop says "stopped", as the trace does; a run that fails before it begins leaves the shown run
  // and its name, and names no trace that was never written.
  void theStatusSaysWhatTheRunDidAndTheTitleWhatIsShown()
  {
    QTemporaryDir dir;
    const QString first = dir.filePath("first.h5");
    app::MainWindow w(demo(100000), first, app::MainWindow::Layout::Default);
    w.startRun();
    QVERIFY(QTest::qWaitFor([&] { return w.store().stepCount() >= 10; }, 120000));
    w.stopRun();
    QVERIFY(QTest::qWaitFor([&] { return w.session().state() == app::LiveSession::State::Finished; }, 120000));
    QCOMPARE(w.findChild<QLabel*>(QStringLiteral("run-state"))->text(), QString("stopped"));
    QCOMPARE(w.windowTitle(), QString("Seesaw - first.h5"));
    const int shownSteps = w.store().stepCount();

    RunConfig broken = demo(100);
    broken.data.source = "file";
    broken.data.path = dir.filePath("missing.csv").toStdString();
    broken.data.columns.user = "u";
    broken.data.columns.item = "i";
    broken.data.columns.tasks = {{"click", "click", TaskType::Binary, {}, {}, {}}};
    broken.data.split.method = SplitMethod::Random;
    const QString never = dir.filePath("never.h5");
    app::MainWindow again(broken, never, app::MainWindow::Layout::Default);
    QString error;
    QVERIFY2(again.openTrace(first, &error), qPrintable(error));
    QVERIFY(QTest::qWaitFor([&] { return again.replay().complete(); }, 60000));
    again.startRun();
    QVERIFY(QTest::qWaitFor([&] { return again.session().state() == app::LiveSession::State::Failed; }, 60000));
    QVERIFY(!QFile::exists(never));
    QCOMPARE(again.windowTitle(), QString("Seesaw - first.h5"));  // what the views still show
    QCOMPARE(again.store().stepCount(), shownSteps);
    QCOMPARE(again.findChild<QLabel*>(QStringLiteral("run-state"))->text(), QString("failed"));
  }

  void closingMidRunLeavesACompleteTrace()
  {
    QTemporaryDir dir;
    const QString trace = dir.filePath("run.h5");
    int steps = 0;
    {
      app::MainWindow w(demo(100000), trace, app::MainWindow::Layout::Default);
      w.startRun();
      QVERIFY(QTest::qWaitFor([&] { return w.store().stepCount() >= 30; }, 120000));
      QVERIFY(w.close());  // stops the trainer and waits for it
      steps = w.store().stepCount();
      QVERIFY(w.store().runEnd().has_value());
      QVERIFY(w.store().runEnd()->stopped);
    }
    TraceReader reader(trace.toStdString());
    reader.readAll();
    QCOMPARE(reader.status().state, trace::RunState::Stopped);
    QCOMPARE(reader.stepCount(), int64_t(steps));
  }

  // Quitting a visible window with a run in progress asks first: Cancel keeps training, "Stop the
  // run and quit" stops it with its trace complete.
  void quittingMidRunAsksFirst()
  {
    QTemporaryDir dir;
    app::MainWindow w(demo(100000), dir.filePath("run.h5"), app::MainWindow::Layout::Default);
    w.show();
    w.startRun();
    QVERIFY(QTest::qWaitFor([&] { return w.store().stepCount() >= 5; }, 120000));
    QString asked;
    const auto answer = [&](const char* button) {
      QTimer::singleShot(0, &w, [&asked, button] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        QVERIFY(box);
        asked = box->text();
        if (QString(button) == "cancel") box->button(QMessageBox::Cancel)->click();
        else box->findChild<QPushButton*>(button)->click();
      });
    };
    answer("cancel");
    QVERIFY(!w.close());
    QVERIFY2(asked.contains("The run is at step"), qPrintable(asked));
    QVERIFY(w.session().active());
    answer("stop-and-quit");
    QVERIFY(w.close());
    QVERIFY(!w.session().active());
    QVERIFY(w.store().runEnd().has_value() && w.store().runEnd()->stopped);
  }

  void aBadDataFileFailsWithItsNameAndTheAppStaysUsable()
  {
    QTemporaryDir dir;
    RunConfig c = demo(40);
    c.data.source = "kuairand";
    c.data.path = dir.filePath("missing.csv").toStdString();
    app::MainWindow w(c, dir.filePath("run.h5"), app::MainWindow::Layout::Default);
    w.startRun();
    QVERIFY(waitForState(w, {State::Finished, State::Failed}, 60000));
    QCOMPARE(w.session().state(), State::Failed);
    QVERIFY2(w.session().failure().contains("missing.csv"), qPrintable(w.session().failure()));
    // Start is offered again.
    w.startRun();
    QVERIFY(waitForState(w, {State::Finished, State::Failed}, 60000));
    QCOMPARE(w.session().state(), State::Failed);
  }
};

QTEST_MAIN(AppTest)
#include "tst_app.moc"
