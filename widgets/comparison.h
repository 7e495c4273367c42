#pragma once
// Two or more runs side by side (PCGrad against GradCraft on the same data, say): each run in a
// RunStore of its own, matched to the others by task name. A quantity over steps exists in a run
// when the run has its tasks; a per-user comparison exists when the runs trained on the same users.
// What cannot be compared is said in words (limits()), not silently left out.

#include <QColor>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <vector>

namespace seesaw::widgets {

class RunStore;

struct ComparedRun
{
  QString name;  // as the legends say it: the name given in the runs panel, else the trace's file name
  RunStore* store = nullptr;
  QColor color;  // invalid: the colour of the run's place
  bool visible = true;  // drawn in the overlay
};

// A quantity over steps, named by task so that it means the same thing in every run.
struct StepQuantity
{
  enum class Kind { Cosine, Weight, Ratio, Loss, ValidAuc };
  Kind kind = Kind::Cosine;
  QString task;   // the task, or the pair's first task
  QString other;  // the pair's second task (cosines only)
};

// A quantity's points in one run: x is the step.
struct QuantitySeries
{
  QVector<double> step, value;
  bool empty() const { return step.isEmpty(); }
};

// "cosine click / like", "weight click", "valid AUC click".
QString quantityName(const StepQuantity& q);
// The quantity's points in a run; empty when the run has not the task(s).
QuantitySeries quantitySeries(const RunStore& run, const StepQuantity& q);
// a - b at the steps both have (runs recorded at other intervals share only some steps).
QuantitySeries difference(const QuantitySeries& a, const QuantitySeries& b);
// A task's index in a run, and the pair index of two tasks (in either order); -1 when missing.
int taskIndex(const RunStore& run, const QString& task);
int pairIndex(const RunStore& run, const QString& task, const QString& other);
// A geometry level's index in a run; -1 when the run did not record it.
int levelIndex(const RunStore& run, const QString& level);

class Comparison : public QObject
{
  Q_OBJECT

public:
  explicit Comparison(QObject* parent = nullptr);

  // The runs, in legend order; a run without a colour gets the colour of its place.
  void setRuns(std::vector<ComparedRun> runs);
  // Renames, recolours, hides or shows run i (the runs panel).
  void setRunLook(int run, const QString& name, const QColor& color, bool visible);
  const std::vector<ComparedRun>& runs() const { return runs_; }

  // Tasks every run has, in the first run's order; pairs of them.
  QStringList commonTasks() const;
  std::vector<std::pair<QString, QString>> commonPairs() const;
  // Every quantity over steps the runs share, cosines first.
  std::vector<StepQuantity> commonQuantities() const;
  // The runs trained on the same users (the same ids, in the same order) and recorded per-user
  // snapshots at some level in common: their users can be compared one by one.
  bool sameUsers() const;
  // Geometry levels every run recorded, in the first run's order.
  QStringList commonLevels() const;
  // What the runs do not share, one sentence each: tasks only some runs have, other users or
  // datasets, runs without per-user snapshots, different geometry levels.
  QStringList limits() const;

  // The step a branch among the runs continues from (RunInfo::branch), where the step views
  // align the runs; 0 when no run is a branch.
  int64_t branchStep() const;

  // One step cursor for every run.
  void setCursor(int64_t step);
  // One selected user (a code, the same in every run when sameUsers()).
  void setSelectedUser(int user);

Q_SIGNALS:
  void runsChanged();

private:
  std::vector<ComparedRun> runs_;
};

}  // namespace seesaw::widgets
