#pragma once
// How the per-user cosines of one pair are spread, window after window: one column per snapshot,
// one row per cosine bin on [-1, 1], coloured by the number of users in the bin. A band that
// splits in two is a population whose tasks agree for some users and fight for others. Where the
// users' ground-truth groups are known (synthetic data), a line per group follows its mean.

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPItemStraightLine;

namespace seesaw::widgets {

class RunStore;
class UserQuantityPicker;

class UserDistributionView : public QWidget
{
  Q_OBJECT

public:
  static constexpr int kBins = 40;
  explicit UserDistributionView(RunStore& store, QWidget* parent = nullptr);

  UserQuantityPicker& picker() const { return *picker_; }
  // Users of snapshot s whose value falls in bin b (b = 0 holds [-1, -1 + 2 / kBins)).
  int binCount(int snapshot, int bin) const;
  // The mean value of group g's users in snapshot s (NaN where none has one).
  double groupMean(int snapshot, int group) const;
  // What the tooltip says at a plot position: the window, the bin's range and its users.
  QString describe(double step, double cosine) const;

private:
  void recompute();
  void addNewSnapshots();
  void moveCursor();
  void redraw();

  RunStore& store_;
  UserQuantityPicker* picker_;
  QCustomPlot* plot_;
  QCPColorMap* map_;
  QCPColorScale* scale_;
  QCPItemStraightLine* cursor_;
  std::vector<std::vector<int>> counts_;  // per snapshot, per bin
  std::vector<std::vector<double>> groupMeans_;  // per snapshot, per ground-truth group
  int groups_ = 0;                        // ground-truth groups of the run's users; 0: none known
  size_t changesMarked_ = 0;
};

}  // namespace seesaw::widgets
