#include "app/seesaw/main_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSlider>
#include <QSettings>
#include <QStatusBar>
#include <QToolBar>

#include <qcustomplot.h>

#include <algorithm>

#include "app/seesaw/compare_window.h"
#include "app/seesaw/live_session.h"
#include "app/seesaw/rank_job.h"
#include "app/seesaw/replay_session.h"
#include "app/seesaw/run_setup_dialog.h"
#include "app/seesaw/steering_panel.h"
#include "app/seesaw/trace_picker.h"
#include "train/branch.h"
#include "train/checkpoint.h"
#include "util/error.h"
#include "widgets/change_marks.h"
#include "widgets/cosine_matrix_view.h"
#include "widgets/empty_notice.h"
#include "widgets/export.h"
#include "widgets/module_heatmap_view.h"
#include "widgets/run_store.h"
#include "widgets/step_plot.h"
#include "widgets/step_views.h"
#include "widgets/timeline.h"
#include "widgets/user_detail_view.h"
#include "widgets/user_distribution_view.h"
#include "widgets/user_scatter_view.h"
#include "widgets/user_table.h"

namespace seesaw::app {
namespace {

// runs/<date>-<name>-<method>.h5, as seesaw-train names its traces.
QString defaultTracePath(const RunConfig& config)
{
  const QString name = QString::fromStdString(config.name.empty() ? config.data.source : config.name);
  return QStringLiteral("runs/%1-%2-%3.h5")
      .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")), name, QString::fromStdString(config.method.name));
}

constexpr int kRecentTraces = 8;
const QString kRecentKey = QStringLiteral("recent/traces");

}  // namespace

MainWindow::MainWindow(RunConfig config, QString tracePath, Layout layout)
    : config_(std::move(config)), tracePath_(std::move(tracePath)), store_(new widgets::RunStore(this)),
      session_(new LiveSession(*store_, this)), replay_(new ReplaySession(*store_, this)), ranks_(new RankJob(this)), timeline_(new widgets::Timeline(*store_))
{
  setWindowTitle(QStringLiteral("Seesaw"));
  setDockNestingEnabled(true);
  setAcceptDrops(true);

  auto* cosine = widgets::makeCosinePlot(*store_);
  setCentralView(QStringLiteral("cosine"), cosine);
  addView(QStringLiteral("cosine-matrix"), tr("Cosine matrix"), new widgets::CosineMatrixView(*store_), Qt::RightDockWidgetArea);
  addView(QStringLiteral("user-detail"), tr("User drill-down"), new widgets::UserDetailView(*store_), Qt::RightDockWidgetArea);
  addView(QStringLiteral("loss"), tr("Loss"), widgets::makeLossPlot(*store_), Qt::LeftDockWidgetArea);
  addView(QStringLiteral("validation"), tr("Validation"), widgets::makeValidationPlot(*store_), Qt::LeftDockWidgetArea);
  addView(QStringLiteral("magnitude"), tr("Magnitudes"), widgets::makeMagnitudePlot(*store_), Qt::LeftDockWidgetArea);
  addView(QStringLiteral("weights"), tr("Weights"), widgets::makeWeightPlot(*store_), Qt::LeftDockWidgetArea);
  addView(QStringLiteral("modules"), tr("Per-module conflict"), new widgets::ModuleHeatmapView(*store_), Qt::BottomDockWidgetArea);
  addView(QStringLiteral("user-distribution"), tr("Per-user cosine distribution"), new widgets::UserDistributionView(*store_), Qt::BottomDockWidgetArea);
  addView(QStringLiteral("user-scatter"), tr("Users"), new widgets::UserScatterView(*store_), Qt::BottomDockWidgetArea);
  addView(QStringLiteral("users"), tr("User table"), new widgets::UserTableView(*store_), Qt::BottomDockWidgetArea);
  steering_ = new SteeringPanel(*store_, *session_);
  // Scrolled: the panel's full height (a method with many parameters) would otherwise set the
  // right column's least height and squeeze the matrix above it on a laptop.
  auto* steeringScroll = new QScrollArea;
  steeringScroll->setWidget(steering_);
  steeringScroll->setWidgetResizable(true);
  steeringScroll->setFrameShape(QFrame::NoFrame);
  addView(QStringLiteral("steering"), tr("Steering"), steeringScroll, Qt::RightDockWidgetArea);
  // Tabbed in groups read one at a time, so that every plot keeps a readable height: the left
  // column holds two plots on a desktop screen and one on a laptop's, never four of 60 pixels.
  const QSize available = screen()->availableGeometry().size();
  const bool laptop = available.height() < 900;
  tabifyDockWidget(dock("user-detail"), dock("steering"));
  tabifyDockWidget(dock("loss"), dock("validation"));
  tabifyDockWidget(laptop ? dock("validation") : dock("magnitude"), dock("weights"));
  if (laptop) tabifyDockWidget(dock("weights"), dock("magnitude"));
  tabifyDockWidget(dock("modules"), dock("user-distribution"));
  for (const char* front : {"user-detail", "magnitude", "loss", "user-distribution"}) dock(front)->raise();
  // Before any run, the central view says what Start will train.
  widgets::setEmptyNotice(*cosine, tr("Set up: %1 (%2, method %3, %4).\n\nStart (Ctrl+R) trains it; New run (Ctrl+N) sets up another;\n"
                                      "Open trace (Ctrl+O) replays a recorded run.")
                                       .arg(QString::fromStdString(config_.name.empty() ? config_.data.source : config_.name),
                                            QString::fromStdString(modelTypeName(config_.model.type)), QString::fromStdString(config_.method.name))
                                       .arg(config_.train.steps > 0 ? tr("%1 steps").arg(config_.train.steps) : tr("%1 epochs").arg(config_.train.epochs)));
  auto* userTable = static_cast<widgets::UserTableView*>(view(QStringLiteral("users")));
  addExportMenus([this] { return QFileInfo(shownTrace()).completeBaseName(); },
                 {{QStringLiteral("users"), [userTable](QChar separator) { return userTable->csv(separator); }}});
  fitChoicesToContents();

  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* newRun = file->addAction(tr("&New run..."), this, &MainWindow::newRun);
  newRun->setShortcut(QKeySequence::New);
  newRun->setObjectName(QStringLiteral("new-run"));
  file->addAction(tr("&Open trace..."), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open trace"), QStringLiteral("runs"), tr("Seesaw trace (*.h5);;All files (*)"));
    if (!path.isEmpty()) openTrace(path);
  })->setShortcut(QKeySequence::Open);
  QAction* branch = file->addAction(tr("&Branch from checkpoint..."), this, &MainWindow::branchRun);
  branch->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
  branch->setObjectName(QStringLiteral("branch"));
  compareParentAction_ = file->addAction(tr("Compare with &parent"), this, [this] { compareWithParent(); });
  compareParentAction_->setObjectName(QStringLiteral("compare-parent"));
  file->addAction(tr("&Compare traces..."), this, [this] {
    TracePicker picker(shownTrace().isEmpty() ? QStringLiteral("runs") : QFileInfo(shownTrace()).absolutePath(), this);
    if (picker.exec() == QDialog::Accepted) compareTraces(picker.ticked());
  });
  recentMenu_ = file->addMenu(tr("Open &recent"));
  connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
  file->addSeparator();
  file->addAction(tr("&Save run config..."), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save run config"), QStringLiteral("run.json"), tr("Run config (*.json)"));
    if (path.isEmpty()) return;
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(QByteArray::fromStdString(toJsonString(config_) + "\n")) < 0)
      QMessageBox::warning(this, tr("Cannot save"), tr("%1: %2").arg(path, out.errorString()));
  })->setShortcut(QKeySequence::Save);
  file->addAction(tr("Save s&creenshot..."), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save screenshot"), QStringLiteral("seesaw.png"), tr("PNG image (*.png)"));
    if (!path.isEmpty() && !saveScreenshot(path)) QMessageBox::warning(this, tr("Cannot save"), tr("%1 cannot be written").arg(path));
  })->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
  file->addSeparator();
  file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);
  QMenu* views = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* d : findChildren<QDockWidget*>()) views->addAction(d->toggleViewAction());

  QToolBar* bar = addToolBar(tr("Run"));
  bar->setObjectName(QStringLiteral("run-toolbar"));
  bar->addAction(newRun);
  startAction_ = bar->addAction(tr("Start"), this, &MainWindow::startRun);
  startAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  pauseAction_ = bar->addAction(tr("Pause"), this, &MainWindow::togglePause);
  pauseAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  stopAction_ = bar->addAction(tr("Stop"), this, &MainWindow::stopRun);
  stopAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  checkpointAction_ = bar->addAction(tr("Checkpoint"), session_, &LiveSession::saveCheckpoint);
  checkpointAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
  checkpointAction_->setObjectName(QStringLiteral("checkpoint"));
  for (QAction* a : {startAction_, pauseAction_, stopAction_, checkpointAction_}) a->setToolTip(a->text() + QStringLiteral(" (") + a->shortcut().toString() + ')');

  // One smoothing for every plot over steps, as TensorBoard has it; remembered between sessions.
  bar->addSeparator();
  auto* smoothing = new QSlider(Qt::Horizontal);
  smoothing->setObjectName(QStringLiteral("smoothing"));
  smoothing->setRange(0, 99);
  smoothing->setFixedWidth(120);
  smoothing->setToolTip(tr("smoothing of the plots over steps: an exponential moving average (0: the raw values); "
                           "the raw values stay drawn faint behind it"));
  auto* smoothingValue = new QLabel;
  bar->addWidget(new QLabel(tr(" smoothing ")));
  bar->addWidget(smoothing);
  bar->addWidget(smoothingValue);
  connect(smoothing, &QSlider::valueChanged, this, [this, smoothingValue](int value) {
    smoothingValue->setText(QStringLiteral(" %1").arg(value / 100.0, 0, 'f', 2));
    for (widgets::StepPlot* plot : findChildren<widgets::StepPlot*>()) plot->setSmoothing(value / 100.0);
    QSettings().setValue(QStringLiteral("view/smoothing"), value);
  });
  smoothing->setValue(layout == Layout::Remembered ? QSettings().value(QStringLiteral("view/smoothing"), 0).toInt() : 0);
  smoothingValue->setText(QStringLiteral(" %1").arg(smoothing->value() / 100.0, 0, 'f', 2));

  QToolBar* timelineBar = new QToolBar(tr("Timeline"));
  timelineBar->setObjectName(QStringLiteral("timeline-toolbar"));
  timelineBar->addWidget(timeline_);
  addToolBar(Qt::BottomToolBarArea, timelineBar);

  stateLabel_ = new QLabel;
  stateLabel_->setObjectName(QStringLiteral("run-state"));
  stepLabel_ = new QLabel;
  stepLabel_->setObjectName(QStringLiteral("progress"));
  speedLabel_ = new QLabel;
  deviceLabel_ = new QLabel;
  traceLabel_ = new QLabel;
  noticeLabel_ = new QLabel;
  noticeLabel_->setObjectName(QStringLiteral("notice"));
  for (QLabel* l : {stateLabel_, stepLabel_, speedLabel_, deviceLabel_, noticeLabel_}) statusBar()->addWidget(l);
  statusBar()->addPermanentWidget(traceLabel_);

  connect(session_, &LiveSession::stateChanged, this, &MainWindow::sessionStateChanged);
  connect(replay_, &ReplaySession::stateChanged, this, &MainWindow::sessionStateChanged);
  connect(replay_, &ReplaySession::completed, this, [this] {
    if (source_ == Source::Trace) endRun(QString());
    else if (source_ == Source::Ranks && !ranks_->active()) endRun(ranks_->failure());
  });
  connect(ranks_, &RankJob::traceAppeared, this, &MainWindow::followRanks);
  connect(ranks_, &RankJob::ended, this, &MainWindow::ranksEnded);
  connect(store_, &widgets::RunStore::grown, this, &MainWindow::updateStatus);
  connect(store_, &widgets::RunStore::grown, this, &MainWindow::reportCheckpoints);
  // The views show a run from its first records on: a run that fails before it begins leaves the
  // shown run, and its trace's name, as they were.
  connect(store_, &widgets::RunStore::runBegan, this, [this] {
    storeTrace_ = session_->active() ? session_->tracePath() : replay_->path();
    changesReported_ = 0;
    checkpointStep_ = -1;
    noticeLabel_->clear();
    sessionStateChanged();
  });

  // Nearly the whole screen, a laptop's 1366x768 as a 2560x1440 monitor, and never larger.
  const QSize size(available.width() * 95 / 100, available.height() * 92 / 100);
  resize(size);
  // The columns beside the central cosines a quarter of the width each; the per-user row below
  // two fifths of the height, the matrix above the drill-down half of the right column.
  const int w = size.width(), h = size.height();
  resizeDocks({dock("loss"), dock("cosine-matrix")}, {w * 24 / 100, w * 24 / 100}, Qt::Horizontal);
  resizeDocks({dock("modules")}, {h * 40 / 100}, Qt::Vertical);
  if (!laptop) resizeDocks({dock("loss"), dock("magnitude")}, {h / 4, h / 4}, Qt::Vertical);
  resizeDocks({dock("cosine-matrix"), dock("user-detail")}, {h / 4, h / 4}, Qt::Vertical);
  resizeDocks({dock("modules"), dock("user-scatter"), dock("users")}, {w * 30 / 100, w * 30 / 100, w * 40 / 100}, Qt::Horizontal);
  if (layout == Layout::Remembered) {
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
  }
  sessionStateChanged();
}

MainWindow::~MainWindow()
{
  // While the store and the views still exist: the session's last records and state go to them.
  session_->stop();
  session_->waitForEnd();
  ranks_->stop();
  ranks_->waitForEnd(-1);
}

bool MainWindow::training() const { return session_->active() || ranks_->active(); }

QString MainWindow::failure() const
{
  if (source_ == Source::Ranks) return ranks_->failure();
  if (source_ == Source::Session && session_->state() == LiveSession::State::Failed) return session_->failure();
  return {};
}

void MainWindow::endRun(const QString& failure)
{
  if (endSaid_) return;
  endSaid_ = true;
  // A dialog names the problem and the window stays usable. open(), not exec(): nothing waits for
  // the click, so automation goes on (and prints the failure).
  if (!failure.isEmpty() && isVisible()) {
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Run failed"), failure, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
  }
  Q_EMIT runEnded();
}

QString MainWindow::writtenTrace() const
{
  return session_->active() ? session_->tracePath() : ranks_->active() ? ranks_->tracePath() : QString();
}

QDockWidget* MainWindow::dock(const char* view) const { return findChild<QDockWidget*>(QString::fromLatin1(view)); }

void MainWindow::startRun()
{
  if (training()) return;
  replay_->close();
  const QString path = tracePath_.isEmpty() ? defaultTracePath(config_) : tracePath_;
  QDir().mkpath(QFileInfo(path).absolutePath());
  ++runSerial_;
  endSaid_ = false;
  // A branch continues in the window's own session: its changes are the window's to plan.
  if (processes_ > 1 && branch_.isEmpty()) {
    source_ = Source::Ranks;
    ranks_->start(config_, path, processes_);
    sessionStateChanged();
    return;
  }
  source_ = Source::Session;
  session_->start(config_, path, branch_);
  branch_.clear();
  steering_->setRun(config_);
}

void MainWindow::followRanks(const QString& path)
{
  if (replay_->isOpen() && replay_->path() == path) return;
  try {
    replay_->open(path);
  } catch (const std::exception&) {
    // Not yet a trace: rank 0 has created the file and writes the run's description next.
  }
}

void MainWindow::ranksEnded()
{
  // A run shorter than one poll ends before its trace was opened.
  if (ranks_->traceWritten()) followRanks(ranks_->tracePath());
  sessionStateChanged();
  if (!replay_->isOpen() || replay_->complete()) {
    endRun(ranks_->failure());
    return;
  }
  // The replay reads the trace's last commits within a few polls; a trace that rank 0 never closed
  // (killed) never completes, and its end is said all the same.
  const int serial = runSerial_;
  QTimer::singleShot(4 * ReplaySession::kPollMs, this, [this, serial] {
    if (serial == runSerial_) endRun(ranks_->failure());
  });
}

void MainWindow::branchRun()
{
  if (training()) {
    // Ctrl+B works while a run is active, so that the key says why it cannot branch yet.
    noticeLabel_->setText(tr("branch: stop the run first (a branch is a run of its own; Ctrl+K saves a checkpoint to branch from)"));
    return;
  }
  const QString shown = shownTrace();
  const QString directory = shown.isEmpty() ? QStringLiteral("runs") : QString::fromStdString(checkpointDirectoryFor(shown.toStdString()));
  const QString checkpoint =
      QFileDialog::getOpenFileName(this, tr("Branch from checkpoint"), directory, tr("Seesaw checkpoint (*.ckpt);;All files (*)"));
  if (checkpoint.isEmpty()) return;
  RunConfig saved;
  int64_t step = 0;
  try {
    const CheckpointHeader header = readCheckpointHeader(checkpoint.toStdString());
    saved = header.config;
    step = header.step;
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Cannot branch"), QString::fromUtf8(e.what()));
    return;
  }
  RunConfig start = saved;
  if (start.train.steps <= step) start.train.steps = 2 * std::max<int64_t>(step, 1);  // somewhere to go
  RunSetupDialog dialog(start, QString(), this);
  dialog.lockForBranch();
  dialog.setWindowTitle(tr("Branch from step %1 of %2").arg(step).arg(QFileInfo(checkpoint).fileName()));
  if (dialog.exec() != QDialog::Accepted) return;
  try {
    planBranch(saved, dialog.config());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Cannot branch"), QString::fromUtf8(e.what()));
    return;
  }
  config_ = dialog.config();
  tracePath_ = dialog.tracePath();
  branch_ = checkpoint;
  startRun();
}

CompareWindow* MainWindow::compareWithParent(QString* error)
{
  const BranchOrigin& origin = store_->info().branch;
  QString parent = QString::fromStdString(origin.parentTrace);
  // Traces copied off a server keep the server's paths: look beside this trace too.
  if (!QFileInfo::exists(parent)) parent = QFileInfo(shownTrace()).dir().filePath(QFileInfo(parent).fileName());
  QString why;
  if (origin.checkpoint.empty()) why = tr("this run is not a branch");
  else if (origin.parentTrace.empty()) why = tr("the run this one branched from recorded no trace");
  else if (!QFileInfo::exists(parent)) why = tr("the parent trace %1 is not there, nor beside this trace").arg(QString::fromStdString(origin.parentTrace));
  else if (training()) why = tr("this run is still being written: compare it with its parent once it has ended");
  if (why.isEmpty()) return compareTraces({parent, shownTrace()}, error);
  if (error) *error = why;
  else QMessageBox::warning(this, tr("Cannot compare"), why);
  return nullptr;
}

void MainWindow::newRun()
{
  if (training()) return;
  RunSetupDialog dialog(config_, tracePath_, this);
  dialog.setProcesses(processes_);
  if (dialog.exec() != QDialog::Accepted) return;
  config_ = dialog.config();
  tracePath_ = dialog.tracePath();
  processes_ = dialog.processes();
  startRun();
}

void MainWindow::togglePause() { session_->setPaused(session_->state() == LiveSession::State::Running); }

void MainWindow::stopRun()
{
  session_->stop();
  ranks_->stop();
  sessionStateChanged();  // "stopping 2 processes"
}

bool MainWindow::openTrace(const QString& path, QString* error)
{
  QString why;
  if (training()) why = tr("a run is training; stop it before opening a trace");
  else {
    try {
      replay_->open(path);
      source_ = Source::Trace;
      ++runSerial_;
      endSaid_ = false;
      rememberTrace(path);
      return true;
    } catch (const std::exception& e) {
      why = QString::fromUtf8(e.what());
    }
  }
  if (error) *error = why;
  else QMessageBox::warning(this, tr("Cannot open the trace"), why);
  return false;
}

CompareWindow* MainWindow::compareTraces(const QStringList& paths, QString* error)
{
  QString why = paths.size() < 2 ? tr("choose at least two traces to compare") : QString();
  // The file this window's run is writing: HDF5 shares one open file per process, and a second
  // open of a file being written reads wrong rows or fails.
  for (const QString& path : paths)
    if (training() && QFileInfo(path).absoluteFilePath() == QFileInfo(writtenTrace()).absoluteFilePath())
      why = tr("%1 is being written by the run in this window: compare it once the run has ended").arg(QFileInfo(path).fileName());
  auto* window = new CompareWindow(this);
  window->setAttribute(Qt::WA_DeleteOnClose);
  window->setWindowFlag(Qt::Window);
  if (why.isEmpty() && window->open(paths, &why)) {
    for (const QString& path : paths) rememberTrace(path);
    window->show();
    return window;
  }
  delete window;
  if (error) *error = why;
  else QMessageBox::warning(this, tr("Cannot compare"), why);
  return nullptr;
}

QString MainWindow::deviceText(const RunInfo& info)
{
  // A data-parallel run's trace (docs/distributed.md) says on how many ranks its steps were measured.
  const QString device = tr("device: %1").arg(QString::fromStdString(info.device));
  return info.worldSize > 1 ? tr("%1, %2 ranks (%3)").arg(device).arg(info.worldSize).arg(QString::fromStdString(info.backend)) : device;
}

void MainWindow::rememberTrace(const QString& path)
{
  QSettings settings;
  QStringList recent = settings.value(kRecentKey).toStringList();
  const QString absolute = QFileInfo(path).absoluteFilePath();
  recent.removeAll(absolute);
  recent.prepend(absolute);
  while (recent.size() > kRecentTraces) recent.removeLast();
  settings.setValue(kRecentKey, recent);
}

void MainWindow::fillRecentMenu()
{
  recentMenu_->clear();
  const QStringList recent = QSettings().value(kRecentKey).toStringList();
  for (const QString& path : recent) recentMenu_->addAction(path, this, [this, path] { openTrace(path); });
  if (recent.isEmpty()) recentMenu_->addAction(tr("(none yet)"))->setEnabled(false);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
  const auto urls = event->mimeData()->urls();
  if (std::any_of(urls.begin(), urls.end(), [](const QUrl& url) { return url.isLocalFile(); })) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
  // One trace dropped opens it; several are compared.
  QStringList paths;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) paths << url.toLocalFile();
  if (paths.isEmpty()) return;
  event->acceptProposedAction();
  if (paths.size() == 1) openTrace(paths.front());
  else compareTraces(paths);
}

void MainWindow::sessionStateChanged()
{
  using State = LiveSession::State;
  const State state = session_->state();
  const bool ranks = ranks_->active();
  const bool replaying = replay_->isOpen() && !session_->active();
  // Start trains the run set up, which is not the replayed one: while a trace is shown, a run to
  // train is set up first (New run).
  startAction_->setEnabled(!training() && !replaying);
  startAction_->setStatusTip(replaying ? tr("a trace is shown: New run (Ctrl+N) sets up a run to train") : QString());
  findChild<QAction*>(QStringLiteral("new-run"))->setEnabled(!training());
  // A branch is a run of its own: offered once this one has ended, and the menu (and the status
  // bar, for Ctrl+B) says why not before.
  auto* branch = findChild<QAction*>(QStringLiteral("branch"));
  branch->setStatusTip(training() ? tr("stop the run to branch from a checkpoint (Ctrl+K saves one)") : QString());
  branch->setText(training() ? tr("&Branch from checkpoint... (stop the run first)") : tr("&Branch from checkpoint..."));
  // Ranks in processes of their own can only be stopped from here.
  pauseAction_->setEnabled(state == State::Running || state == State::Paused);
  pauseAction_->setText(state == State::Paused ? tr("Resume") : tr("Pause"));
  pauseAction_->setStatusTip(ranks ? tr("a run in several processes cannot be paused; Stop ends every rank after the same step") : QString());
  stopAction_->setEnabled(state == State::Running || state == State::Paused || (ranks && !ranks_->stopping()));
  updateCheckpointAction();
  static const std::map<State, QString> names = {{State::Idle, tr("idle")},         {State::Running, tr("training")},
                                                 {State::Paused, tr("paused")},     {State::Stopping, tr("stopping")},
                                                 {State::Finished, tr("finished")}, {State::Failed, tr("failed")}};
  const bool stopped = state == State::Finished && store_->runEnd() && store_->runEnd()->stopped;
  const QString replayText = replay_->isOpen() ? replay_->stateText() : tr("starting");
  const bool ranksWithoutTrace = source_ == Source::Ranks && !ranks && !replay_->isOpen();  // refused, or gone before writing
  stateLabel_->setText(ranks && ranks_->stopping() ? tr("stopping %1 processes: %2").arg(ranks_->processes()).arg(replayText)
                       : ranks                     ? tr("training in %1 processes: %2").arg(ranks_->processes()).arg(replayText)
                       : ranksWithoutTrace         ? (ranks_->failure().isEmpty() ? tr("ended") : tr("failed"))
                       : replaying                 ? tr("replay: %1").arg(replayText)
                       : stopped                   ? tr("stopped")
                                                   : names.at(state));
  stateLabel_->setToolTip(ranksWithoutTrace ? ranks_->failure() : replaying ? replay_->readError() : QString());
  // A trace being written shows green; one whose writer failed, died or went bad shows red.
  const bool live = replaying && replay_->live(), abnormal = replaying && replay_->abnormal();
  stateLabel_->setStyleSheet(live ? QStringLiteral("color: #1a7f37; font-weight: bold") : abnormal ? QStringLiteral("color: #c62828; font-weight: bold") : QString());
  const QString trace = shownTrace();
  traceLabel_->setText(trace.isEmpty() ? QString() : tr("trace: %1").arg(trace));
  setWindowTitle(trace.isEmpty() ? QStringLiteral("Seesaw") : QStringLiteral("Seesaw - %1").arg(QFileInfo(trace).fileName()));
  updateStatus();
  if (source_ != Source::Session) return;
  if (state == State::Failed) stateLabel_->setToolTip(session_->failure());
  if (state == State::Finished || state == State::Failed) endRun(state == State::Failed ? session_->failure() : QString());
}

void MainWindow::reportCheckpoints()
{
  const auto& changes = store_->changes();
  for (; changesReported_ < changes.size(); ++changesReported_) {
    const ChangeRecord& c = changes[changesReported_];
    if (c.field != "checkpoint") continue;
    if (c.refused.empty()) {
      checkpointStep_ = c.step;
      const QString file = widgets::changeValueText(c.newValue);
      noticeLabel_->setText(tr("checkpoint of step %1 saved: %2").arg(c.step).arg(QFileInfo(file).fileName()));
      noticeLabel_->setToolTip(file);
    } else {
      noticeLabel_->setText(tr("checkpoint of step %1 not saved: %2").arg(c.step).arg(QString::fromStdString(c.refused)));
    }
  }
  updateCheckpointAction();
}

void MainWindow::updateCheckpointAction()
{
  const auto state = session_->state();
  checkpointAction_->setEnabled((state == LiveSession::State::Running || state == LiveSession::State::Paused) &&
                                checkpointStep_ != store_->lastStep());
}

void MainWindow::updateStatus()
{
  const auto& info = store_->info();
  const int n = store_->stepCount();
  compareParentAction_->setEnabled(store_->started() && !info.branch.checkpoint.empty() && !training());
  compareParentAction_->setText(training() && !info.branch.checkpoint.empty() ? tr("Compare with &parent (when the run ends)")
                                                                                        : tr("Compare with &parent"));
  if (!store_->started() || n == 0) {
    stepLabel_->clear();
    speedLabel_->clear();
    deviceLabel_->setText(store_->started() ? deviceText(info) : QString());
    return;
  }
  // The run's progress; the timeline says which step the views show.
  const bool replaying = replay_->isOpen() && !session_->active();
  stepLabel_->setText((replaying ? tr("recorded %1 of %2 steps, epoch %3") : tr("trained %1 of %2 steps, epoch %3"))
                          .arg(store_->lastStep())
                          .arg(info.totalSteps)
                          .arg(store_->epochs().back(), 0, 'f', 2) +
                      (info.branch.checkpoint.empty() ? QString() : tr(" (branch from step %1)").arg(info.branch.step)));
  // Samples per second over the last records (at most 50), so the rate follows the run's pace.
  const int first = std::max(0, n - 50);
  const double seconds = store_->wallTimes().back() - (first == n - 1 ? 0.0 : store_->wallTimes()[first]);
  const double steps = store_->steps().back() - (first == n - 1 ? static_cast<double>(info.branch.step) : store_->steps()[first]);
  if (seconds > 0) speedLabel_->setText(tr("%1 samples/s").arg(steps * static_cast<double>(info.batchSize) / seconds, 0, 'f', 0));
  deviceLabel_->setText(deviceText(info));
}

bool MainWindow::confirmQuit()
{
  QMessageBox box(QMessageBox::Question, tr("Quit while training?"),
                  tr("The run is at step %1 of %2. Quitting stops it: its trace keeps every step recorded so far, marked stopped, "
                     "and Branch from checkpoint continues from any checkpoint saved (Ctrl+K saves one now).")
                      .arg(store_->lastStep())
                      .arg(store_->info().totalSteps),
                  QMessageBox::Cancel, this);
  QPushButton* quit = box.addButton(tr("Stop the run and quit"), QMessageBox::AcceptRole);
  quit->setObjectName(QStringLiteral("stop-and-quit"));
  box.setDefaultButton(QMessageBox::Cancel);
  box.exec();
  return box.clickedButton() == quit;
}

void MainWindow::closeEvent(QCloseEvent* event)
{
  // A run in progress is not lost to a stray Ctrl+Q. (A window nobody sees, under automation,
  // closes as asked.)
  if (isVisible() && training() && !confirmQuit()) {
    event->ignore();
    return;
  }
  // Stop the trainers and wait for them: the trace is closed complete before the window goes.
  session_->stop();
  session_->waitForEnd();
  ranks_->stop();
  ranks_->waitForEnd(-1);
  replay_->close();
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState());
  event->accept();
}

}  // namespace seesaw::app
