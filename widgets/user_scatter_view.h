#pragma once
// The users of the snapshot at the cursor as points: samples in the window on x (log scale), the
// chosen per-user quantity on y, coloured by ground-truth group where the data has one. A click
// selects the nearest user everywhere; the selected user is ringed.

#include <QPointF>
#include <QWidget>

#include <memory>
#include <vector>

#include "records/geometry_snapshot.h"

class QCustomPlot;
class QCPGraph;

namespace seesaw::widgets {

class RunStore;
class UserQuantityPicker;

class UserScatterView : public QWidget
{
  Q_OBJECT

public:
  explicit UserScatterView(RunStore& store, QWidget* parent = nullptr);

  UserQuantityPicker& picker() const { return *picker_; }
  QCustomPlot* plot() const { return plot_; }
  // The user drawn nearest the pixel, within 12 pixels; -1 for none.
  int userAtPixel(const QPointF& pixel) const;
  // Points drawn per group (group -1: users without one).
  int pointCount(int group) const;

protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  void follow();
  void redraw();
  void markSelection();

  RunStore& store_;
  UserQuantityPicker* picker_;
  QCustomPlot* plot_;
  std::shared_ptr<const GeometrySnapshot> snapshot_;
  std::vector<std::pair<int, QCPGraph*>> groups_;  // group -> its points
  QCPGraph* selection_ = nullptr;
};

}  // namespace seesaw::widgets
