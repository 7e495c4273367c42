#pragma once
// Everything the views show of one run, live or replayed: the run info, the step records as
// columns (one QVector<double> per series, the form QCustomPlot takes), the evaluations and the
// per-user snapshots. Records arrive in batches from whichever source feeds the store (a live
// trainer or a trace); views listen to `grown` and add only what is new.
//
// The step cursor and the selected user live here as well, so that one cursor and one selection
// drive every view. While a run grows the cursor follows its last step, until someone moves it
// back; moving it to the last step follows again.

#include <QObject>
#include <QString>
#include <QVector>

#include <memory>
#include <optional>
#include <vector>

#include "records/record_batch.h"
#include "records/task_pairs.h"

namespace seesaw::widgets {

// One evaluation split over steps: per task, NaN where a metric does not apply.
struct EvalSeries
{
  QVector<double> step;
  std::vector<QVector<double>> auc, gauc, logloss;
};

// Where a store that keeps only some snapshots in memory gets the others back (a trace file).
// A snapshot that cannot be read comes back null; the source reports why to whoever owns it.
class SnapshotSource
{
public:
  virtual ~SnapshotSource() = default;
  virtual std::shared_ptr<const GeometrySnapshot> snapshot(int index) const = 0;
  // One user's rows of the first `count` snapshots, as RunStore::userHistory gives them.
  virtual std::vector<GeometrySnapshot> userHistory(int user, int count) const = 0;
};

class RunStore : public QObject
{
  Q_OBJECT

public:
  explicit RunStore(QObject* parent = nullptr);

  // Starts a new run: forgets every record, the cursor and the selection.
  void begin(const RunInfo& info);
  void append(const RecordBatch& batch);
  void end(const RunEnd& end);

  const RunInfo& info() const { return info_; }
  bool started() const { return started_; }
  const std::optional<RunEnd>& runEnd() const { return end_; }
  int tasks() const { return static_cast<int>(info_.taskNames.size()); }
  int pairs() const { return pairCount(tasks()); }
  int modules() const { return static_cast<int>(info_.moduleNames.size()); }
  // "click / like": the tasks of pair p, in the records' pair order.
  QString pairName(int pair) const;
  std::pair<int, int> pairTasks(int pair) const { return seesaw::pairTasks(pair, tasks()); }
  QString taskName(int task) const { return QString::fromStdString(info_.taskNames.at(static_cast<size_t>(task))); }

  // Step series, all of stepCount() values.
  int stepCount() const { return static_cast<int>(steps_.size()); }
  const QVector<double>& steps() const { return steps_; }
  const QVector<double>& epochs() const { return epochs_; }      // fractional epochs at each step
  const QVector<double>& wallTimes() const { return wallTimes_; }  // seconds since the run started
  const QVector<double>& loss(int task) const { return loss_.at(static_cast<size_t>(task)); }
  const QVector<double>& gradNorm(int task) const { return gradNorm_.at(static_cast<size_t>(task)); }
  const QVector<double>& magnitudeRatio(int task) const { return ratio_.at(static_cast<size_t>(task)); }
  const QVector<double>& weight(int task) const { return weight_.at(static_cast<size_t>(task)); }
  const QVector<double>& cosine(int pair) const { return cosine_.at(static_cast<size_t>(pair)); }
  // The diagonal of the step's cosine matrix: 1, or NaN where the task's gradient was zero or broken.
  const QVector<double>& selfCosine(int task) const { return selfCosine_.at(static_cast<size_t>(task)); }
  const QVector<double>& moduleCosine(int module, int pair) const;
  const std::vector<uint32_t>& flags() const { return flags_; }
  // The record index of the last step at or before `step`; -1 before the first.
  int stepIndexAtOrBefore(int64_t step) const;
  // Steps whose record carries a non-finite or skipped flag, for views to mark.
  const QVector<double>& flaggedSteps() const { return flaggedSteps_; }

  const EvalSeries& valid() const { return valid_; }
  // The test split's scores, taken at the end of the run.
  const std::vector<EvalRecord>& testEvals() const { return test_; }

  // The settings changed during the run, applied or refused, in order.
  const std::vector<ChangeRecord>& changes() const { return changes_; }

  // With a source, at most `resident` snapshots stay in memory (the most recently used); the others
  // are read back from the source when asked for. Without one (a live run) every snapshot stays.
  // begin() forgets the source.
  void setSnapshotSource(std::shared_ptr<const SnapshotSource> source, int resident);

  int snapshotCount() const { return static_cast<int>(snapshotSteps_.size()); }
  bool snapshotInMemory(int index) const { return snapshots_.at(static_cast<size_t>(index)) != nullptr; }
  // Null only when a source could not read it back.
  std::shared_ptr<const GeometrySnapshot> snapshot(int index) const;
  int64_t snapshotStep(int index) const { return snapshotSteps_.at(static_cast<size_t>(index)); }
  int64_t snapshotWindowStart(int index) const { return windowStarts_.at(static_cast<size_t>(index)); }
  // One user's rows of every snapshot, each a snapshot of that user alone (entity 0), for views
  // over windows. Kept for the last user asked for and extended as snapshots arrive.
  const std::vector<GeometrySnapshot>& userHistory(int user) const;
  // The last snapshot whose window ended at or before `step`; -1 when none has.
  int snapshotIndexAtOrBefore(int64_t step) const;

  int64_t lastStep() const { return steps_.isEmpty() ? 0 : static_cast<int64_t>(steps_.back()); }
  int64_t cursor() const { return cursor_; }
  bool followsLatest() const { return follow_; }
  void setCursor(int64_t step);

  // A user code, or -1 for none.
  int selectedUser() const { return selectedUser_; }
  void setSelectedUser(int user);

  // The per-user views show only users with a task pair's cosine below the threshold, when set
  // (the user table's "conflicting only"). The selected user stays selected either way.
  const std::optional<double>& conflictFilter() const { return conflictFilter_; }
  void setConflictFilter(std::optional<double> threshold);

Q_SIGNALS:
  void runBegan();
  void grown();
  void runEnded();
  void cursorChanged(qint64 step);
  void selectedUserChanged(int user);
  void conflictFilterChanged();

private:
  RunInfo info_;
  bool started_ = false;
  std::optional<RunEnd> end_;
  QVector<double> steps_, epochs_, wallTimes_;
  std::vector<QVector<double>> loss_, gradNorm_, ratio_, weight_, cosine_, selfCosine_, moduleCosine_;
  std::vector<uint32_t> flags_;
  QVector<double> flaggedSteps_;
  EvalSeries valid_;
  std::vector<EvalRecord> test_;
  void keepResident(int index) const;

  // Null where a snapshot was let go to bound memory (only with a source).
  mutable std::vector<std::shared_ptr<const GeometrySnapshot>> snapshots_;
  std::vector<int64_t> snapshotSteps_, windowStarts_;
  std::shared_ptr<const SnapshotSource> source_;
  int resident_ = 0;
  mutable std::vector<int> residentOrder_;  // least recently used first
  struct History
  {
    int user = -1;
    std::vector<GeometrySnapshot> rows;
  };
  mutable History history_;
  std::vector<ChangeRecord> changes_;
  int64_t cursor_ = 0;
  bool follow_ = true;
  int selectedUser_ = -1;
  std::optional<double> conflictFilter_;
};

}  // namespace seesaw::widgets
