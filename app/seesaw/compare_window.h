#pragma once
// Two or more traces side by side: each is read into a RunStore of its own by a ReplaySession
// (so a trace still being written grows here too), and the comparison views show them together.
// One timeline, on the first run, moves every run's cursor; a user selected in one is selected in
// all. What the runs cannot be compared on is listed in a dock of its own.

#include <QStringList>

#include <memory>
#include <vector>

#include "app/seesaw/view_window.h"

class QLabel;

namespace seesaw::widgets {
class Comparison;
class RunStore;
class Timeline;
}  // namespace seesaw::widgets

namespace seesaw::app {

class ReplaySession;
class RunsPanel;

class CompareWindow : public ViewWindow
{
  Q_OBJECT

public:
  explicit CompareWindow(QWidget* parent = nullptr);
  ~CompareWindow() override;

  // Opens every trace, or none: false with the reason (naming the file) when one cannot be read.
  bool open(const QStringList& paths, QString* error);
  widgets::Comparison& comparison() { return *comparison_; }
  widgets::RunStore& store(int run) { return *stores_.at(static_cast<size_t>(run)); }
  // Every trace is read and its writer has ended.
  bool complete() const;

Q_SIGNALS:
  // complete() became true.
  void completed();

private:
  void updateLimits();

  widgets::Comparison* comparison_;
  std::vector<std::unique_ptr<widgets::RunStore>> stores_;
  std::vector<std::unique_ptr<ReplaySession>> replays_;
  widgets::Timeline* timeline_ = nullptr;
  QLabel* limits_;
  RunsPanel* runs_;
  QStringList paths_;
};

}  // namespace seesaw::app
