#pragma once
// A view of a comparison (widgets/comparison.h) over two or more runs: run A minus run B for one
// quantity, at the steps both recorded. A click on the plot moves every run's cursor.

#include <QWidget>

#include "widgets/comparison.h"

class QComboBox;
class QCustomPlot;
class QCPItemStraightLine;

namespace seesaw::widgets {

class CompareDifferenceView : public QWidget
{
  Q_OBJECT

public:
  explicit CompareDifferenceView(Comparison& comparison, QWidget* parent = nullptr);
  QCustomPlot* plot() const { return plot_; }
  void setQuantity(int index);
  void setRuns(int a, int b);

private:
  void redraw();

  Comparison& comparison_;
  QComboBox* quantity_;
  QComboBox* runA_;
  QComboBox* runB_;
  QCustomPlot* plot_;
  QCPItemStraightLine* cursor_ = nullptr;
};

}  // namespace seesaw::widgets
