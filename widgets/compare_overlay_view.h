#pragma once
// A view of a comparison (widgets/comparison.h) over two or more runs: one quantity over steps, a
// curve per run in its colour. A click on the plot moves every run's cursor.

#include <QWidget>

#include "widgets/comparison.h"

class QComboBox;
class QCustomPlot;
class QCPItemStraightLine;

namespace seesaw::widgets {

class CompareOverlayView : public QWidget
{
  Q_OBJECT

public:
  explicit CompareOverlayView(Comparison& comparison, QWidget* parent = nullptr);
  QCustomPlot* plot() const { return plot_; }
  void setQuantity(int index);  // into Comparison::commonQuantities()

private:
  void redraw();

  Comparison& comparison_;
  QComboBox* quantity_;
  QCustomPlot* plot_;
  QCPItemStraightLine* cursor_ = nullptr;
};

}  // namespace seesaw::widgets
