#pragma once
// Per-module conflict over steps: one row per shared module (embedding table, expert, bottom
// layer), one column per step, coloured by the cosine of one task pair's gradients restricted to
// that module, on the fixed scale [-1, 1]. Long runs are shown in at most kMaxColumns columns,
// each the mean of its steps (the data stays whole in the store).

#include <QWidget>

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPItemStraightLine;

namespace seesaw::widgets {

class RunStore;

class ModuleHeatmapView : public QWidget
{
  Q_OBJECT

public:
  static constexpr int kMaxColumns = 1000;
  explicit ModuleHeatmapView(RunStore& store, QWidget* parent = nullptr);

  int pair() const;
  void setPair(int pair);
  // The value drawn for module m in the column holding `step`.
  double valueAt(int module, double step) const;
  QCustomPlot* plot() const { return plot_; }
  // What the tooltip says at a plot position: the module, the column's steps and its value.
  QString describe(double step, double module) const;

private:
  void rebuild();
  void refresh();
  void moveCursor();

  RunStore& store_;
  QComboBox* pairBox_;
  QCustomPlot* plot_;
  QCPColorMap* map_;
  QCPItemStraightLine* cursor_;
  size_t changesMarked_ = 0;
};

}  // namespace seesaw::widgets
