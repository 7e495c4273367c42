#pragma once
// The K x K matrix of task-gradient cosines at the step cursor, on the fixed diverging scale
// [-1, 1] (red: conflict), each cell labelled with its value.

#include <qcustomplot.h>

#include <vector>

namespace seesaw::widgets {

class RunStore;

class CosineMatrixView : public QCustomPlot
{
  Q_OBJECT

public:
  explicit CosineMatrixView(RunStore& store, QWidget* parent = nullptr);

  // What the cell (row k, column l) shows now: NaN before the first step or where a norm was zero.
  double cellValue(int k, int l) const;
  QString cellLabel(int k, int l) const;
  QColor cellColor(int k, int l) const;

private:
  void rebuild();
  void refresh();

  RunStore& store_;
  QCPColorMap* map_ = nullptr;
  QCPColorScale* scale_ = nullptr;
  std::vector<QCPItemText*> labels_;  // row-major K x K
  QCPTextElement* title_ = nullptr;
};

}  // namespace seesaw::widgets
