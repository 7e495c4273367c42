// Comparing recorded runs, offscreen: two real runs of the demo (EW and PCGrad) overlaid, one
// minus the other, their users one by one; a run with other tasks and users compared only where
// that makes sense, and the rest said.

#include <QtTest>
#include <QTableWidget>

#include <cmath>

#include "app/seesaw/compare_window.h"
#include "app/seesaw/live_session.h"
#include "app/seesaw/main_window.h"
#include "app/seesaw/run_label.h"
#include "app/seesaw/runs_panel.h"
#include "app/seesaw/trace_picker.h"
#include "tests/app/demo_run.h"
#include "trace/trace_reader.h"
#include "trace/trace_writer.h"
#include "widgets/compare_difference_view.h"
#include "widgets/compare_overlay_view.h"
#include "widgets/compare_users_view.h"
#include "widgets/comparison.h"
#include "widgets/empty_notice.h"
#include "widgets/run_store.h"
#include "widgets/user_quantity.h"

#include <qcustomplot.h>

using namespace seesaw;

namespace {

// A short run recorded live, as the app records it.
void record(const QString& path, const std::string& method)
{
  RunConfig config = test::demoRun(60, 20, 20);
  config.method.name = method;
  app::MainWindow w(config, path, app::MainWindow::Layout::Default);
  w.startRun();
  QVERIFY(QTest::qWaitFor([&] { return w.session().state() == app::LiveSession::State::Finished; }, 240000));
}

// A trace of another dataset: two tasks, one of them the demo's, three other users, no snapshots;
// steps firstStep .. firstStep + 9.
void writeOther(const QString& path, int firstStep = 1)
{
  RunInfo info;
  info.taskNames = {"is_click", "like"};
  info.taskTypes.assign(2, TaskType::Binary);
  info.data.taskNames = info.taskNames;
  info.data.labelMeans = {0.5, 0.5};
  info.userIds = {"a", "b", "c"};
  info.userGroups.assign(3, -1);
  info.configJson = "{}";
  info.totalSteps = firstStep + 9;
  TraceOptions options;
  options.path = path.toStdString();
  TraceWriter writer(options);
  writer.begin(info);
  for (int s = firstStep; s < firstStep + 10; ++s) {
    StepRecord r;
    r.step = s;
    r.loss = {0.5f, 0.4f};
    r.gradNorm = {1, 1};
    r.cosine = {1, 0.1f * static_cast<float>(s), 0.1f * static_cast<float>(s), 1};
    r.magnitudeRatio = {1, 1};
    r.weight = {1, 1};
    writer.step(r);
  }
  writer.end(RunEnd{firstStep + 9, false, {}});
}

bool waitComplete(app::CompareWindow& w) { return QTest::qWaitFor([&] { return w.complete(); }, 60000); }

}  // namespace

class CompareTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void initTestCase()
  {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(dir_.isValid());
    record(dir_.filePath("ew.h5"), "ew");
    record(dir_.filePath("pcgrad.h5"), "pcgrad");
    writeOther(dir_.filePath("other.h5"));
    writeOther(dir_.filePath("later.h5"), 101);
  }

  // Two runs that recorded no step in common (a branch from its parent's last step): the
  // difference says so instead of an empty plot.
  void aDifferenceWithoutCommonStepsSaysWhy()
  {
    app::CompareWindow w;
    QString error;
    QVERIFY2(w.open({dir_.filePath("ew.h5"), dir_.filePath("later.h5")}, &error), qPrintable(error));
    QVERIFY(waitComplete(w));
    auto* difference = w.findChild<widgets::CompareDifferenceView*>();
    QCOMPARE(difference->plot()->graph(0)->data()->size(), 0);
    const QLabel* notice = widgets::emptyNotice(*difference->plot());
    QVERIFY(notice);
    QVERIFY2(notice->text().contains(QStringLiteral(" and later have no step in common")), qPrintable(notice->text()));
    QVERIFY(notice->text().contains("branch from its parent's last step"));
  }

  void overlayAndDifferenceShowTheRuns()
  {
    app::CompareWindow w;
    QString error;
    QVERIFY2(w.open({dir_.filePath("ew.h5"), dir_.filePath("pcgrad.h5")}, &error), qPrintable(error));
    QVERIFY(waitComplete(w));
    const widgets::RunStore &a = w.store(0), &b = w.store(1);
    QCOMPARE(w.comparison().limits(), QStringList());
    QCOMPARE(w.comparison().commonTasks(), (QStringList{"is_click", "long_view", "label"}));

    // The overlay: one curve per run, its run's values; the first quantity is the first pair's cosine.
    auto* overlay = w.findChild<widgets::CompareOverlayView*>();
    QCOMPARE(overlay->plot()->graphCount(), 2);
    for (int run = 0; run < 2; ++run) {
      const auto* data = overlay->plot()->graph(1 - run)->data().data();  // the first run drawn last, on top
      const widgets::RunStore& store = w.store(run);
      QCOMPARE(data->size(), store.stepCount());
      for (int i : {0, 31, store.stepCount() - 1}) QCOMPARE((data->constBegin() + i)->value, store.cosine(0)[i]);
    }
    QVERIFY(a.cosine(0) != b.cosine(0));  // PCGrad's updates differ from EW's: the comparison compares something

    // The difference: A minus B at every step, exactly.
    auto* difference = w.findChild<widgets::CompareDifferenceView*>();
    const auto* d = difference->plot()->graph(0)->data().data();
    QCOMPARE(d->size(), a.stepCount());
    for (int i = 0; i < a.stepCount(); ++i) QCOMPARE((d->constBegin() + i)->value, a.cosine(0)[i] - b.cosine(0)[i]);
    // Of the validation AUC: at the evaluations both made.
    const auto quantities = w.comparison().commonQuantities();
    const auto auc = std::find_if(quantities.begin(), quantities.end(),
                                  [](const widgets::StepQuantity& q) { return q.kind == widgets::StepQuantity::Kind::ValidAuc && q.task == "is_click"; });
    QVERIFY(auc != quantities.end());
    difference->setQuantity(static_cast<int>(auc - quantities.begin()));
    d = difference->plot()->graph(0)->data().data();
    QCOMPARE(d->size(), a.valid().step.size());
    QCOMPARE(d->constBegin()->value, a.valid().auc[0][0] - b.valid().auc[0][0]);
    // B minus A is its negative.
    difference->setRuns(1, 0);
    QCOMPARE(difference->plot()->graph(0)->data()->constBegin()->value, b.valid().auc[0][0] - a.valid().auc[0][0]);

    // One cursor: the timeline's run moves the other; a click on a plot moves both, a drag pans.
    w.store(0).setCursor(30);
    QCOMPARE(w.store(1).cursor(), int64_t(30));
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QCustomPlot* plot = overlay->plot();
    plot->replot(QCustomPlot::rpImmediateRefresh);
    const auto pixelOf = [&](double step) { return QPoint(static_cast<int>(plot->xAxis->coordToPixel(step)), plot->axisRect()->center().y()); };
    QTest::mouseClick(plot, Qt::LeftButton, {}, pixelOf(45));
    QCOMPARE(w.store(0).cursor(), int64_t(45));
    QCOMPARE(w.store(1).cursor(), int64_t(45));
    QTest::mousePress(plot, Qt::LeftButton, {}, pixelOf(20));
    QMouseEvent move(QEvent::MouseMove, pixelOf(10), plot->mapToGlobal(pixelOf(10)), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(plot, &move);
    QTest::mouseRelease(plot, Qt::LeftButton, {}, pixelOf(10));
    QCOMPARE(w.store(0).cursor(), int64_t(45));
  }

  // The runs panel: one row per run with its method, settings and last values; a run renamed and
  // recoloured there keeps its name and colour beside its trace (the next comparison has them),
  // and a run unchecked leaves the overlay.
  void theRunsPanelNamesColoursAndHidesRuns()
  {
    const QString ew = dir_.filePath("ew.h5"), pcgrad = dir_.filePath("pcgrad.h5");
    {
      app::CompareWindow w;
      QVERIFY(w.open({ew, pcgrad}, nullptr));
      QVERIFY(waitComplete(w));
      auto* panel = w.findChild<app::RunsPanel*>();
      QTableWidget& table = panel->table();
      QCOMPARE(table.rowCount(), 2);
      QCOMPARE(table.item(0, app::RunsPanel::Method)->text(), QString("ew"));
      QCOMPARE(table.item(1, app::RunsPanel::Method)->text(), QString("pcgrad"));
      QVERIFY2(table.item(0, app::RunsPanel::Settings)->text().contains("steps"), qPrintable(table.item(0, app::RunsPanel::Settings)->text()));
      const widgets::RunStore& a = w.store(0);
      QVERIFY2(table.item(0, app::RunsPanel::Last)->text().startsWith(QString("loss is_click %1").arg(a.loss(0).back(), 0, 'g', 4)),
               qPrintable(table.item(0, app::RunsPanel::Last)->text()));
      table.item(0, app::RunsPanel::Name)->setText("baseline");  // as an edit in the table
      QCOMPARE(w.comparison().runs()[0].name, QString("baseline"));
      QVERIFY(panel->recolor(1, QColor("#8e44ad")));
      auto* overlay = w.findChild<widgets::CompareOverlayView*>();
      QCOMPARE(overlay->plot()->graph(0)->pen().color(), QColor("#8e44ad"));  // the second run, drawn first
      table.item(1, app::RunsPanel::Shown)->setCheckState(Qt::Unchecked);
      // Hidden, the run keeps a greyed legend entry; its curve is not drawn.
      QCPGraph* hidden = overlay->plot()->graph(0);
      QCOMPARE(hidden->name(), QString("pcgrad"));
      QVERIFY(!hidden->visible());
      QVERIFY(overlay->plot()->graph(1)->visible());
      QCOMPARE(overlay->plot()->graph(1)->name(), QString("baseline"));
      // A click on its legend entry shows it again, and the panel's box follows (and the other way).
      QCustomPlot* plot = overlay->plot();
      Q_EMIT plot->legendClick(plot->legend, plot->legend->itemWithPlottable(plot->graph(0)), nullptr);
      QVERIFY(w.comparison().runs()[1].visible);
      QCOMPARE(table.item(1, app::RunsPanel::Shown)->checkState(), Qt::Checked);
      QVERIFY(plot->graph(0)->visible());
      Q_EMIT plot->legendClick(plot->legend, plot->legend->itemWithPlottable(plot->graph(1)), nullptr);
      QVERIFY(!w.comparison().runs()[0].visible);
      QCOMPARE(table.item(0, app::RunsPanel::Shown)->checkState(), Qt::Unchecked);
      QVERIFY(!plot->graph(1)->visible());
    }
    QVERIFY(QFile::exists(ew + ".label.json"));
    app::CompareWindow again;
    QVERIFY(again.open({ew, pcgrad}, nullptr));
    QCOMPARE(again.comparison().runs()[0].name, QString("baseline"));
    QCOMPARE(again.comparison().runs()[1].name, QString("pcgrad"));
    QCOMPARE(again.comparison().runs()[1].color, QColor("#8e44ad"));
    QVERIFY(QFile::remove(ew + ".label.json") && QFile::remove(pcgrad + ".label.json"));  // the other tests' names
  }

  // File > Compare traces: a folder's traces newest first, named by their labels, ticked to
  // compare; files from elsewhere added ticked; no typed names.
  void thePickerListsAFoldersTracesToTick()
  {
    QTemporaryDir elsewhere;
    const QString outside = elsewhere.filePath("outside.h5");
    QVERIFY(QFile::copy(dir_.filePath("other.h5"), outside));
    QVERIFY(app::writeRunLabel(dir_.filePath("pcgrad.h5"), {QStringLiteral("PCGrad, lr 1e-3"), QColor()}, nullptr));
    QFile newest(dir_.filePath("ew.h5"));
    QVERIFY(newest.open(QIODevice::ReadWrite) && newest.setFileTime(QDateTime::currentDateTime().addSecs(60), QFileDevice::FileModificationTime));
    newest.close();
    app::TracePicker picker(dir_.path());
    QTableWidget& table = picker.table();
    QStringList listed, names;
    for (int row = 0; row < table.rowCount(); ++row) {
      listed << QFileInfo(table.item(row, app::TracePicker::Path)->text()).fileName();
      names << table.item(row, app::TracePicker::Name)->text();
    }
    QCOMPARE(listed.size(), QDir(dir_.path()).entryList({"*.h5"}, QDir::Files).size());  // labels and checkpoints are not traces
    QCOMPARE(listed.front(), QString("ew.h5"));                                          // the newest first
    QVERIFY2(names.contains("PCGrad, lr 1e-3") && names.contains("ew"), qPrintable(names.join(", ")));
    auto* compare = picker.findChild<QPushButton*>("compare");
    QVERIFY(!compare->isEnabled());
    picker.setTicked(0, true);
    QVERIFY(!compare->isEnabled());  // two or more
    picker.setTicked(static_cast<int>(listed.indexOf("pcgrad.h5")), true);
    QVERIFY(compare->isEnabled());
    QCOMPARE(compare->text(), QString("Compare 2 runs"));
    picker.addTraces({outside, dir_.filePath("ew.h5")});  // ew is listed already: ticked, not twice
    QCOMPARE(table.rowCount(), listed.size() + 1);
    QCOMPARE(picker.ticked(), (QStringList{dir_.filePath("ew.h5"), dir_.filePath("pcgrad.h5"), outside}));
    picker.showFolder(elsewhere.path());  // another folder: what was added from elsewhere stays ticked
    QCOMPARE(picker.ticked(), (QStringList{outside, dir_.filePath("ew.h5"), dir_.filePath("pcgrad.h5")}));
    QVERIFY(QFile::remove(dir_.filePath("pcgrad.h5") + ".label.json"));  // the other tests' names
  }

  void usersAreComparedOneByOne()
  {
    app::CompareWindow w;
    QVERIFY(w.open({dir_.filePath("ew.h5"), dir_.filePath("pcgrad.h5")}, nullptr));
    QVERIFY(waitComplete(w));
    w.resize(1600, 1000);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto* users = w.findChild<widgets::CompareUsersView*>();
    const widgets::RunStore &a = w.store(0), &b = w.store(1);
    const auto ga = a.snapshot(a.snapshotCount() - 1), gb = b.snapshot(b.snapshotCount() - 1);
    int both = 0;
    for (size_t u = 0; u < ga->users.count.size(); ++u) both += ga->users.count[u] > 0 && gb->users.count[u] > 0;
    QVERIFY(both > 10);
    QCOMPARE(static_cast<int>(users->users().size()), both);
    // Each point is the user's cosine (first pair, first level) under A, then under B.
    const widgets::UserQuantity q{widgets::UserQuantity::Kind::Cosine, 0, 0};
    const auto* points = users->scatter()->graph(0)->data().data();
    for (int i : {0, both / 2, both - 1}) {
      const int user = users->users()[static_cast<size_t>(i)];
      QCOMPARE((points->constBegin() + i)->key, widgets::userValue(ga->users, 3, user, q));
      QCOMPARE((points->constBegin() + i)->value, widgets::userValue(gb->users, 3, user, q));
    }

    // A click on a point selects its user in both runs; the drill-down shows it in both.
    users->scatter()->replot(QCustomPlot::rpImmediateRefresh);
    const int i = both / 2;
    const QPoint at(static_cast<int>(users->scatter()->xAxis->coordToPixel((points->constBegin() + i)->key)),
                    static_cast<int>(users->scatter()->yAxis->coordToPixel((points->constBegin() + i)->value)));
    const int user = users->userAtPixel(at);
    QVERIFY(user >= 0);
    QTest::mouseClick(users->scatter(), Qt::LeftButton, {}, at);
    QCOMPARE(a.selectedUser(), user);
    QCOMPARE(b.selectedUser(), user);
    QCOMPARE(users->detail()->graphCount(), 2);
    for (int run = 0; run < 2; ++run) {
      QCOMPARE(users->detail()->graph(run)->dataCount(), w.store(run).snapshotCount());
      const auto& history = w.store(run).userHistory(user);
      const double last = (users->detail()->graph(run)->data()->constEnd() - 1)->value;
      QCOMPARE(last, widgets::userValue(history.back().users, 3, 0, q));
    }
  }

  // Comparisons opened from the app while it replays one of their runs, closed, and opened again:
  // every snapshot that the cursor reaches shows each run's users as the trace files hold them.
  // (Two opens of one file in a process read every snapshot as the first once one of them refreshed.)
  void aReopenedComparisonShowsEachSnapshotAsTheFilesHoldIt()
  {
    const QStringList paths = {dir_.filePath("ew.h5"), dir_.filePath("pcgrad.h5")};
    const widgets::UserQuantity q{widgets::UserQuantity::Kind::Cosine, 0, 0};
    std::vector<std::vector<GeometrySnapshot>> expected;  // per run, every snapshot read straight from its file
    for (const QString& path : paths) {
      TraceReader reader(path.toStdString());
      expected.emplace_back();
      for (int64_t s = 0; s < reader.snapshotCount(); ++s) expected.back().push_back(reader.snapshot(s, false));
    }
    QVERIFY(expected[0].size() >= 3);
    app::MainWindow m(test::demoRun(60, 20, 20), dir_.filePath("unused.h5"), app::MainWindow::Layout::Default);
    QString error;
    QVERIFY2(m.openTrace(paths[0], &error), qPrintable(error));  // the main window replays run A meanwhile
    for (int window = 0; window < 3; ++window) {
      QPointer<app::CompareWindow> w = m.compareTraces(paths);
      QVERIFY(w);
      QVERIFY(waitComplete(*w));
      auto* users = w->findChild<widgets::CompareUsersView*>();
      for (size_t s = 0; s < expected[0].size(); ++s) {
        const int64_t step = expected[0][s].step;
        w->store(0).setCursor(step);
        QCOMPARE(w->store(1).cursor(), step);
        for (int run = 0; run < 2; ++run) QCOMPARE(w->store(run).snapshotIndexAtOrBefore(step), static_cast<int>(s));
        QVERIFY(!users->users().empty());
        const auto* points = users->scatter()->graph(0)->data().data();
        for (size_t i = 0; i < users->users().size(); i += 7) {
          const int user = users->users()[i];
          QCOMPARE((points->constBegin() + static_cast<int>(i))->key, widgets::userValue(expected[0][s].users, 3, user, q));
          QCOMPARE((points->constBegin() + static_cast<int>(i))->value, widgets::userValue(expected[1][s].users, 3, user, q));
        }
      }
      w->store(0).setCursor(30);
      w->close();
      QVERIFY(QTest::qWaitFor([&] { return w.isNull(); }, 10000));
    }
  }

  void whatCannotBeComparedIsSaid()
  {
    app::CompareWindow w;
    QVERIFY(w.open({dir_.filePath("ew.h5"), dir_.filePath("other.h5")}, nullptr));
    QVERIFY(waitComplete(w));
    const widgets::Comparison& c = w.comparison();
    QCOMPARE(c.commonTasks(), QStringList{"is_click"});
    QVERIFY(c.commonPairs().empty());
    QCOMPARE(c.commonQuantities().size(), size_t(4));  // weight, ratio, loss and valid AUC of is_click
    QVERIFY(!c.sameUsers());
    const QString limits = c.limits().join('\n');
    QVERIFY2(limits.contains("ew has task(s) 'long_view', 'label' that another run lacks"), qPrintable(limits));
    QVERIFY2(limits.contains("other has task(s) 'like' that another run lacks"), qPrintable(limits));
    QVERIFY2(limits.contains("other recorded no per-user snapshots"), qPrintable(limits));
    // The views show what is shared, the users view why it shows nothing.
    auto* overlay = w.findChild<widgets::CompareOverlayView*>();
    QCOMPARE(overlay->plot()->graphCount(), 2);
    QCOMPARE(overlay->plot()->graph(0)->dataCount(), 10);  // the second run's (the first is drawn last)
    auto* users = w.findChild<widgets::CompareUsersView*>();
    QVERIFY(users->users().empty());
    const auto says = [](const QWidget* parent, const QString& text) {
      const auto labels = parent->findChildren<QLabel*>();
      return std::any_of(labels.begin(), labels.end(), [&](const QLabel* l) { return l->text().contains(text); });
    };
    QVERIFY(says(users, "users cannot be compared: ew has task(s)"));
    QVERIFY(says(&w, "Not compared:<ul><li>ew has task(s)"));
  }

  void aTraceThatCannotBeReadIsNamed()
  {
    app::CompareWindow w;
    QString error;
    const QString missing = dir_.filePath("missing.h5");
    QVERIFY(!w.open({dir_.filePath("ew.h5"), missing}, &error));
    QVERIFY2(error.contains(missing) && error.contains("no such file"), qPrintable(error));
  }

  // A checkpoint asked for in the app while paused, a branch from it with another method, and
  // the comparison of parent and branch, aligned at the branch's step.
  void aBranchFromACheckpointIsComparedWithItsParent()
  {
    RunConfig config = test::demoRun(60, 20, 20);
    const QString parentPath = dir_.filePath("parent.h5");
    app::MainWindow parent(config, parentPath, app::MainWindow::Layout::Default);
    parent.startRun();
    QVERIFY(QTest::qWaitFor([&] { return parent.store().stepCount() >= 20; }, 120000));
    parent.togglePause();
    QVERIFY(QTest::qWaitFor([&] { return parent.session().state() == app::LiveSession::State::Paused; }, 10000));
    auto* checkpointAction = parent.findChild<QAction*>(QStringLiteral("checkpoint"));
    QVERIFY(checkpointAction->isEnabled());
    checkpointAction->trigger();
    const auto saved = [&]() -> const ChangeRecord* {
      for (const auto& c : parent.store().changes())
        if (c.field == "checkpoint") return &c;
      return nullptr;
    };
    QVERIFY(QTest::qWaitFor([&] { return saved() != nullptr; }, 30000));
    const int64_t step = saved()->step;
    QVERIFY2(saved()->refused.empty(), saved()->refused.c_str());
    QCOMPARE(step, parent.store().lastStep());  // paused: the state after the last step shown
    // The status bar says so, and a second checkpoint of the same state is not offered.
    const QString notice = parent.findChild<QLabel*>(QStringLiteral("notice"))->text();
    QVERIFY2(notice.startsWith(QStringLiteral("checkpoint of step %1 saved: step-").arg(step)), qPrintable(notice));
    QVERIFY(!checkpointAction->isEnabled());
    // Branching starts a run of its own: not while this one is paused, and the menu and Ctrl+B say so.
    auto* branchAction = parent.findChild<QAction*>(QStringLiteral("branch"));
    QVERIFY2(branchAction->text().contains("stop the run first"), qPrintable(branchAction->text()));
    branchAction->trigger();
    const QString why = parent.findChild<QLabel*>(QStringLiteral("notice"))->text();
    QVERIFY2(why.startsWith(QStringLiteral("branch: stop the run first")), qPrintable(why));
    // The trace this window is writing is not opened a second time for a comparison.
    QString compareError;
    QVERIFY(!parent.compareTraces({parentPath, parentPath}, &compareError));
    QVERIFY2(compareError.contains("is being written by the run in this window"), qPrintable(compareError));
    const QString checkpoint = dir_.filePath(QStringLiteral("parent.checkpoints/step-%1.ckpt").arg(step, 8, 10, QChar('0')));
    QVERIFY(QFile::exists(checkpoint));
    parent.togglePause();
    QVERIFY(QTest::qWaitFor([&] { return parent.session().state() == app::LiveSession::State::Finished; }, 240000));

    RunConfig other = config;
    other.method.name = "pcgrad";
    app::MainWindow branch(other, dir_.filePath("branch.h5"), app::MainWindow::Layout::Default);
    QVERIFY(!branch.findChild<QAction*>(QStringLiteral("compare-parent"))->isEnabled());
    branch.setBranch(checkpoint);
    branch.startRun();
    QVERIFY(QTest::qWaitFor([&] { return branch.session().state() == app::LiveSession::State::Finished; }, 240000));
    const widgets::RunStore& b = branch.store();
    QCOMPARE(b.info().branch.step, step);
    QCOMPARE(QString::fromStdString(b.info().branch.parentTrace), QFileInfo(parentPath).absoluteFilePath());
    QCOMPARE(b.steps().front(), static_cast<double>(step + 1));
    QCOMPARE(b.steps().back(), 60.0);
    // The first branch step starts from the parent's model and batch: the same losses.
    const widgets::RunStore& p = parent.store();
    const int parentIndex = static_cast<int>(step);  // records 1..60, one per step
    QCOMPARE(p.steps()[parentIndex], static_cast<double>(step + 1));
    for (int k = 0; k < 3; ++k) QCOMPARE(b.loss(k).front(), p.loss(k)[parentIndex]);
    QCOMPARE(b.changes().front().field, std::string("method.name"));

    auto* compareParent = branch.findChild<QAction*>(QStringLiteral("compare-parent"));
    QVERIFY(compareParent->isEnabled());
    QString error;
    app::CompareWindow* compare = branch.compareWithParent(&error);
    QVERIFY2(compare, qPrintable(error));
    QVERIFY(waitComplete(*compare));
    QCOMPARE(compare->comparison().branchStep(), step);
    QVERIFY(compare->comparison().limits().join(' ').contains(QStringLiteral("is a branch from step %1 of parent.h5").arg(step)));
    auto* overlay = compare->findChild<widgets::CompareOverlayView*>();
    QVERIFY(overlay->plot()->xAxis->range().lower < static_cast<double>(step));
    QVERIFY(overlay->plot()->xAxis->range().lower > 1.0);  // aligned at the branch, not the parent's start
    QVERIFY(compare->saveScreenshot(dir_.filePath("branch.png"), QString()));

    // What a branch cannot change fails the run, with the field named.
    RunConfig smaller = config;
    smaller.train.batchSize = 64;
    app::MainWindow refused(smaller, dir_.filePath("refused.h5"), app::MainWindow::Layout::Default);
    refused.setBranch(checkpoint);
    refused.startRun();
    QVERIFY(QTest::qWaitFor([&] { return refused.session().state() == app::LiveSession::State::Failed; }, 60000));
    QVERIFY2(refused.session().failure().contains("config field train.batch_size"), qPrintable(refused.session().failure()));
  }

private:
  QTemporaryDir dir_;
};

QTEST_MAIN(CompareTest)
#include "tst_compare.moc"
