#pragma once
// One user's trajectories, window after window: the cosine of every pair at the chosen level
// (left axis) and the user's task weights (right axis, dashed). Windows in which the user had no
// sample are gaps. Shows the user selected in any view.

#include <QWidget>

class QComboBox;
class QCustomPlot;
class QCPItemStraightLine;

namespace seesaw::widgets {

class RunStore;

class UserDetailView : public QWidget
{
  Q_OBJECT

public:
  explicit UserDetailView(RunStore& store, QWidget* parent = nullptr);

  QCustomPlot* plot() const { return plot_; }
  // The points of graph i: pairs' cosines first, then tasks' weights.
  int pointCount(int graph) const;
  double valueAt(int graph, int snapshot) const;

private:
  void redraw();
  void moveCursor();

  RunStore& store_;
  QComboBox* level_;
  QCustomPlot* plot_;
  QCPItemStraightLine* cursor_ = nullptr;
  int snapshotsDrawn_ = -1;
};

}  // namespace seesaw::widgets
