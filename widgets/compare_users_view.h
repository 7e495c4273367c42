#pragma once
// A view of a comparison (widgets/comparison.h) over two or more runs: each user's cosine under
// run A against run B at the cursor (one point per user seen in both windows), and the selected
// user's cosine over windows in every run. A click on a user selects it in every run.

#include <QWidget>

#include <vector>

#include "widgets/comparison.h"

class QComboBox;
class QCustomPlot;
class QCPGraph;
class QLabel;

namespace seesaw::widgets {

class CompareUsersView : public QWidget
{
  Q_OBJECT

public:
  explicit CompareUsersView(Comparison& comparison, QWidget* parent = nullptr);
  QCustomPlot* scatter() const { return scatter_; }
  QCustomPlot* detail() const { return detail_; }
  void setPair(int index);  // into Comparison::commonPairs()
  void setRuns(int a, int b);
  // The users plotted and their points (x: run A's cosine, y: run B's).
  const std::vector<int>& users() const { return users_; }
  int userAtPixel(const QPointF& pixel) const;

private:
  void fillChoices();
  void redraw();
  void redrawDetail();

  Comparison& comparison_;
  QComboBox* pair_;
  QComboBox* level_;
  QComboBox* runA_;
  QComboBox* runB_;
  QLabel* note_;
  QCustomPlot* scatter_;
  QCustomPlot* detail_;
  QCPGraph* points_ = nullptr;
  QCPGraph* selection_ = nullptr;
  std::vector<int> users_;
};

}  // namespace seesaw::widgets
