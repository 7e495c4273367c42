#pragma once
// A plot of series over training steps (loss, AUC, cosines, magnitude ratios, weights) that
// follows a RunStore: it adds only the points that are new, draws the store's step cursor, marks
// the steps flagged non-finite or skipped and the settings changed during the run (steering), and
// shows the exact values under the mouse. A click
// moves the cursor; dragging and the wheel pan and zoom the steps, Shift+drag zooms to a box, and
// "Reset view" (or a double-click) fits the data again. With smoothing, each series is drawn as its
// exponential moving average (TensorBoard's, debiased) over its raw values, drawn faint.
//
// Long series stay whole in the plot's data; QCustomPlot's adaptive sampling draws them per pixel
// column from each column's minimum and maximum, so that 10^5 points and more stay smooth and no
// spike is lost. Redraws are paced by their own cost (bench/gui_latency.cpp measures both).

#include <QElapsedTimer>

#include <qcustomplot.h>

#include <functional>
#include <optional>
#include <vector>

namespace seesaw::widgets {

class RunStore;

// One series: where its points are in the store.
struct StepSeries
{
  QString name;
  QColor color;
  std::function<const QVector<double>&(const RunStore&)> keys;
  std::function<const QVector<double>&(const RunStore&)> values;
};

struct StepPlotOptions
{
  QString title;
  QString valueLabel;
  bool logScale = false;
  std::optional<QCPRange> fixedRange;  // none: fit the values
  bool shadeConflict = false;          // shade the values below zero (cosines: the tasks conflict)
  QString waitingFor = QStringLiteral("training step");  // what its points come from, as the empty plot says
  bool markPoints = false;             // a disc on each point (evaluations: few, and one alone has no line)
};

class StepPlot : public QCustomPlot
{
  Q_OBJECT

public:
  using SeriesOf = std::function<std::vector<StepSeries>(const RunStore&)>;
  // seriesOf is asked again at each run's start, as the series depend on its tasks.
  StepPlot(RunStore& store, StepPlotOptions options, SeriesOf seriesOf, QWidget* parent = nullptr);

  // "step 120\nclick: 0.512\n...": the values at the step nearest `step`, as the tooltip shows them.
  QString valuesAt(double step) const;
  int seriesCount() const { return static_cast<int>(series_.size()); }
  // The points series i holds in the plot (the store's, unless drawing fell behind).
  int pointCount(int series) const;
  // The moving average's weight of the past, in [0, 1); 0 draws the raw values alone.
  void setSmoothing(double weight);
  double smoothing() const { return smoothing_; }

protected:
  void mouseMoveEvent(QMouseEvent* event) override;

private:
  void rebuild();
  void grow();
  void moveCursor();
  void fitRanges();
  void scheduleReplot();
  void updateNotice();
  // Series i's new values smoothed, carrying the average on from the values before them.
  QVector<double> smoothed(size_t i, const QVector<double>& values);
  void showRawWithSmoothed();

  RunStore& store_;
  StepPlotOptions options_;
  SeriesOf seriesOf_;
  std::vector<StepSeries> series_;
  std::vector<QCPGraph*> graphs_;          // one per series: its values, or their moving average
  std::vector<QCPGraph*> raw_;             // one per series: the raw values behind the average (empty without)
  struct Average
  {
    double value = 0;
    int count = 0;  // finite values averaged: the debiasing's exponent
  };
  std::vector<Average> averages_;
  double smoothing_ = 0;
  std::vector<int> added_;                 // points already handed to each graph
  int flagsAdded_ = 0;
  size_t changesMarked_ = 0;               // store changes already marked
  QCPItemStraightLine* cursor_ = nullptr;
  bool replotPending_ = false;
  qint64 lastReplotMs_ = 0;
  QElapsedTimer sinceReplot_;
};

}  // namespace seesaw::widgets
