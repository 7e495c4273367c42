#include "app/seesaw/compare_window.h"

#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QToolBar>

#include <qcustomplot.h>

#include <algorithm>

#include "app/seesaw/replay_session.h"
#include "app/seesaw/run_label.h"
#include "app/seesaw/runs_panel.h"
#include "widgets/compare_difference_view.h"
#include "widgets/compare_overlay_view.h"
#include "widgets/compare_users_view.h"
#include "widgets/comparison.h"
#include "widgets/export.h"
#include "widgets/run_store.h"
#include "widgets/timeline.h"

namespace seesaw::app {

CompareWindow::CompareWindow(QWidget* parent) : ViewWindow(parent), comparison_(new widgets::Comparison(this)), limits_(new QLabel)
{
  setWindowTitle(tr("Seesaw - comparison"));
  setDockNestingEnabled(true);
  auto* overlay = new widgets::CompareOverlayView(*comparison_);
  setCentralView(QStringLiteral("compare-overlay"), overlay);
  addView(QStringLiteral("compare-difference"), tr("Difference"), new widgets::CompareDifferenceView(*comparison_), Qt::BottomDockWidgetArea);
  addView(QStringLiteral("compare-users"), tr("Users, run against run"), new widgets::CompareUsersView(*comparison_), Qt::RightDockWidgetArea);
  limits_->setWordWrap(true);
  limits_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  limits_->setMargin(6);
  addView(QStringLiteral("compare-limits"), tr("What is compared"), limits_, Qt::BottomDockWidgetArea);
  runs_ = new RunsPanel(*comparison_);
  addView(QStringLiteral("compare-runs"), tr("Runs"), runs_, Qt::BottomDockWidgetArea);
  // One more run: a comparison of these runs and that one, in place of this one.
  connect(runs_, &RunsPanel::addRunRequested, this, [this](const QString& trace) {
    auto* next = new CompareWindow(parentWidget());
    next->setAttribute(Qt::WA_DeleteOnClose);
    next->setWindowFlag(Qt::Window);
    QString why;
    if (next->open(paths_ + QStringList{trace}, &why)) {
      next->show();
      close();
    } else {
      delete next;
      QMessageBox::warning(this, tr("Cannot add the run"), why);
    }
  });
  fitChoicesToContents();
  addExportMenus([this] {
    QStringList names;
    for (const widgets::ComparedRun& r : comparison_->runs()) names << r.name;
    return names.join(QStringLiteral(" vs "));
  });
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Close"), this, &QWidget::close)->setShortcut(QKeySequence::Close);
  QMenu* viewMenu = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* d : findChildren<QDockWidget*>()) viewMenu->addAction(d->toggleViewAction());
  connect(comparison_, &widgets::Comparison::runsChanged, this, &CompareWindow::updateLimits);
  const QSize available = screen()->availableGeometry().size();  // never larger than the screen
  resize(std::min(1600, available.width() * 95 / 100), std::min(1000, available.height() * 92 / 100));
  auto* difference = findChild<QDockWidget*>(QStringLiteral("compare-difference"));
  auto* limits = findChild<QDockWidget*>(QStringLiteral("compare-limits"));
  splitDockWidget(difference, limits, Qt::Horizontal);
  resizeDocks({findChild<QDockWidget*>(QStringLiteral("compare-users"))}, {560}, Qt::Horizontal);
  resizeDocks({difference}, {320}, Qt::Vertical);
  resizeDocks({difference, limits}, {width() * 55 / 100, width() * 45 / 100}, Qt::Horizontal);
  auto* runs = findChild<QDockWidget*>(QStringLiteral("compare-runs"));
  tabifyDockWidget(limits, runs);
  runs->raise();
  updateLimits();
}

CompareWindow::~CompareWindow()
{
  // The views and the timeline read the stores: they go first, then the readers, then the stores.
  for (QDockWidget* d : findChildren<QDockWidget*>()) delete d;
  delete takeCentralWidget();
  delete findChild<QToolBar*>(QStringLiteral("timeline-toolbar"));
  replays_.clear();
}

bool CompareWindow::open(const QStringList& paths, QString* error)
{
  if (!stores_.empty()) {
    if (error) *error = tr("this window already compares its runs; open another comparison");
    return false;
  }
  std::vector<std::unique_ptr<widgets::RunStore>> stores;
  std::vector<std::unique_ptr<ReplaySession>> replays;
  std::vector<widgets::ComparedRun> runs;
  for (const QString& path : paths) {
    stores.push_back(std::make_unique<widgets::RunStore>());
    replays.push_back(std::make_unique<ReplaySession>(*stores.back()));
    try {
      replays.back()->open(path);
    } catch (const std::exception& e) {
      if (error) *error = QString::fromUtf8(e.what());
      return false;
    }
    const RunLabel label = readRunLabel(path);
    runs.push_back({label.name.isEmpty() ? QFileInfo(path).completeBaseName() : label.name, stores.back().get(), label.color});
  }
  stores_ = std::move(stores);
  replays_ = std::move(replays);
  for (const auto& replay : replays_)
    connect(replay.get(), &ReplaySession::completed, this, [this] {
      if (complete()) Q_EMIT completed();
    });
  paths_ = paths;
  runs_->setTraces(paths);
  comparison_->setRuns(std::move(runs));
  // The first run's timeline drives every run's cursor.
  timeline_ = new widgets::Timeline(*stores_.front());
  connect(stores_.front().get(), &widgets::RunStore::cursorChanged, comparison_, [this](qint64 step) { comparison_->setCursor(step); });
  auto* bar = new QToolBar(tr("Timeline"));
  bar->setObjectName(QStringLiteral("timeline-toolbar"));
  bar->addWidget(timeline_);
  addToolBar(Qt::BottomToolBarArea, bar);
  QStringList names;
  for (const auto& r : comparison_->runs()) names << r.name;
  setWindowTitle(tr("Seesaw - comparing %1").arg(names.join(QStringLiteral(", "))));
  if (complete()) Q_EMIT completed();
  return true;
}

bool CompareWindow::complete() const
{
  return !replays_.empty() && std::all_of(replays_.begin(), replays_.end(), [](const auto& r) { return r->complete(); });
}

void CompareWindow::updateLimits()
{
  const QStringList limits = comparison_->limits();
  if (limits.isEmpty()) {
    limits_->setText(tr("The runs share every task, their users and their geometry levels: everything is compared."));
    return;
  }
  QString items;
  for (const QString& l : limits) items += QStringLiteral("<li>") + l.toHtmlEscaped() + QStringLiteral("</li>");
  limits_->setText(tr("Not compared:") + QStringLiteral("<ul>") + items + QStringLiteral("</ul>"));
}

}  // namespace seesaw::app
