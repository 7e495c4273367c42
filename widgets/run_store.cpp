#include "widgets/run_store.h"

#include <algorithm>
#include <cmath>

namespace seesaw::widgets {
namespace {

// Appends record[k] (for each series k) to its column; a record without the field (no analysis)
// appends NaN, which the plots draw as a gap.
void appendColumns(std::vector<QVector<double>>& columns, const std::vector<float>& values)
{
  for (size_t k = 0; k < columns.size(); ++k)
    columns[k].push_back(k < values.size() ? static_cast<double>(values[k]) : std::nan(""));
}

// The store holds the snapshot a record batch brought, not a copy: the pointer keeps the record alive.
std::shared_ptr<const GeometrySnapshot> sharedSnapshot(const PendingGeometry& snapshot)
{
  auto owner = std::make_shared<const PendingGeometry>(snapshot);
  return {owner, &owner->get()};
}

}  // namespace

RunStore::RunStore(QObject* parent) : QObject(parent) {}

void RunStore::begin(const RunInfo& info)
{
  info_ = info;
  started_ = true;
  end_.reset();
  const auto K = static_cast<size_t>(tasks()), P = static_cast<size_t>(pairs()), M = static_cast<size_t>(modules());
  steps_.clear();
  epochs_.clear();
  wallTimes_.clear();
  loss_.assign(K, {});
  gradNorm_.assign(K, {});
  ratio_.assign(K, {});
  weight_.assign(K, {});
  cosine_.assign(P, {});
  selfCosine_.assign(K, {});
  moduleCosine_.assign(M * P, {});
  flags_.clear();
  flaggedSteps_.clear();
  valid_ = EvalSeries{};
  valid_.auc.assign(K, {});
  valid_.gauc.assign(K, {});
  valid_.logloss.assign(K, {});
  test_.clear();
  snapshots_.clear();
  snapshotSteps_.clear();
  windowStarts_.clear();
  source_.reset();
  resident_ = 0;
  residentOrder_.clear();
  history_ = History{};
  changes_.clear();
  cursor_ = 0;
  follow_ = true;
  selectedUser_ = -1;
  Q_EMIT runBegan();
  Q_EMIT cursorChanged(cursor_);
  Q_EMIT selectedUserChanged(selectedUser_);
}

QString RunStore::pairName(int pair) const
{
  const auto [k, l] = pairTasks(pair);
  return taskName(k) + QStringLiteral(" / ") + taskName(l);
}

void RunStore::append(const RecordBatch& batch)
{
  if (batch.empty()) return;
  const int K = tasks();
  for (const StepRecord& r : batch.steps) {
    steps_.push_back(static_cast<double>(r.step));
    epochs_.push_back(r.epoch);
    wallTimes_.push_back(r.wallTime);
    appendColumns(loss_, r.loss);
    appendColumns(gradNorm_, r.gradNorm);
    appendColumns(ratio_, r.magnitudeRatio);
    appendColumns(weight_, r.weight);
    appendColumns(cosine_, pairEntries(r.cosine, K));
    std::vector<float> diagonal;
    if (r.cosine.size() == static_cast<size_t>(K * K))
      for (int k = 0; k < K; ++k) diagonal.push_back(r.cosine[static_cast<size_t>(k * K + k)]);
    appendColumns(selfCosine_, diagonal);
    appendColumns(moduleCosine_, r.moduleCosine);
    flags_.push_back(r.flags);
    if (r.flags & (kStepNonFinite | kStepSkipped)) flaggedSteps_.push_back(static_cast<double>(r.step));
  }
  for (const EvalRecord& r : batch.evals) {
    if (r.split != "valid") {
      test_.push_back(r);
      continue;
    }
    valid_.step.push_back(static_cast<double>(r.step));
    for (int k = 0; k < K; ++k) {
      const auto at = [k](const std::vector<double>& v) { return k < static_cast<int>(v.size()) ? v[static_cast<size_t>(k)] : std::nan(""); };
      valid_.auc[static_cast<size_t>(k)].push_back(at(r.auc));
      valid_.gauc[static_cast<size_t>(k)].push_back(at(r.gauc));
      valid_.logloss[static_cast<size_t>(k)].push_back(at(r.logloss));
    }
  }
  changes_.insert(changes_.end(), batch.changes.begin(), batch.changes.end());
  for (const PendingGeometry& s : batch.snapshots) {
    snapshots_.push_back(sharedSnapshot(s));
    snapshotSteps_.push_back(snapshots_.back()->step);
    windowStarts_.push_back(snapshots_.back()->windowStart);
    if (source_) keepResident(snapshotCount() - 1);
  }
  Q_EMIT grown();
  if (follow_ && lastStep() != cursor_) {
    cursor_ = lastStep();
    Q_EMIT cursorChanged(cursor_);
  }
}

void RunStore::end(const RunEnd& end)
{
  end_ = end;
  Q_EMIT runEnded();
}

const QVector<double>& RunStore::moduleCosine(int module, int pair) const
{
  return moduleCosine_.at(static_cast<size_t>(module * pairs() + pair));
}

int RunStore::stepIndexAtOrBefore(int64_t step) const
{
  const auto it = std::upper_bound(steps_.begin(), steps_.end(), static_cast<double>(step));
  return static_cast<int>(it - steps_.begin()) - 1;
}

void RunStore::setSnapshotSource(std::shared_ptr<const SnapshotSource> source, int resident)
{
  source_ = std::move(source);
  resident_ = std::max(1, resident);
  residentOrder_.clear();
  for (int i = 0; i < snapshotCount(); ++i)
    if (snapshots_[static_cast<size_t>(i)]) keepResident(i);
}

void RunStore::keepResident(int index) const
{
  residentOrder_.erase(std::remove(residentOrder_.begin(), residentOrder_.end(), index), residentOrder_.end());
  residentOrder_.push_back(index);
  while (static_cast<int>(residentOrder_.size()) > resident_) {
    snapshots_[static_cast<size_t>(residentOrder_.front())].reset();
    residentOrder_.erase(residentOrder_.begin());
  }
}

std::shared_ptr<const GeometrySnapshot> RunStore::snapshot(int index) const
{
  auto& held = snapshots_.at(static_cast<size_t>(index));
  if (!source_) return held;
  if (!held) held = source_->snapshot(index);
  if (held) keepResident(index);
  return held;
}

const std::vector<GeometrySnapshot>& RunStore::userHistory(int user) const
{
  if (user < 0) {
    static const std::vector<GeometrySnapshot> none;
    return none;
  }
  if (history_.user != user) history_ = History{user, {}};
  const auto n = static_cast<size_t>(snapshotCount());
  for (size_t i = history_.rows.size(); i < n; ++i) {
    if (const auto& held = snapshots_[i]) {
      GeometrySnapshot row;
      row.step = held->step;
      row.windowStart = held->windowStart;
      row.users = entityRow(held->users, static_cast<size_t>(user), static_cast<size_t>(tasks()));
      history_.rows.push_back(std::move(row));
    } else if (source_) {
      // Let go of to bound memory: one read of this user's rows beats reading whole snapshots.
      history_.rows = source_->userHistory(user, snapshotCount());
      break;
    }
  }
  return history_.rows;
}

int RunStore::snapshotIndexAtOrBefore(int64_t step) const
{
  const auto it = std::upper_bound(snapshotSteps_.begin(), snapshotSteps_.end(), step);
  return static_cast<int>(it - snapshotSteps_.begin()) - 1;
}

void RunStore::setCursor(int64_t step)
{
  step = std::clamp<int64_t>(step, steps_.isEmpty() ? 0 : static_cast<int64_t>(steps_.front()), lastStep());
  follow_ = step >= lastStep();
  if (step == cursor_) return;
  cursor_ = step;
  Q_EMIT cursorChanged(cursor_);
}

void RunStore::setSelectedUser(int user)
{
  if (user == selectedUser_) return;
  selectedUser_ = user;
  Q_EMIT selectedUserChanged(user);
}

void RunStore::setConflictFilter(std::optional<double> threshold)
{
  if (threshold == conflictFilter_) return;
  conflictFilter_ = threshold;
  Q_EMIT conflictFilterChanged();
}

}  // namespace seesaw::widgets
