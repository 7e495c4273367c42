#include "widgets/comparison.h"

#include <algorithm>

#include <QFileInfo>

#include "widgets/plot_style.h"
#include "widgets/run_store.h"

namespace seesaw::widgets {
namespace {

QString joinQuoted(const QStringList& names)
{
  QStringList quoted;
  for (const QString& n : names) quoted << QLatin1Char('\'') + n + QLatin1Char('\'');
  return quoted.join(QStringLiteral(", "));
}

int indexOf(const std::vector<std::string>& names, const QString& name)
{
  const auto it = std::find(names.begin(), names.end(), name.toStdString());
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

// The names (tasks, levels) of the first run that every run has, in the first run's order.
QStringList inEveryRun(const std::vector<ComparedRun>& runs, std::vector<std::string> RunInfo::*names)
{
  QStringList out;
  if (runs.empty()) return out;
  for (const auto& name : runs.front().store->info().*names) {
    const QString n = QString::fromStdString(name);
    if (std::all_of(runs.begin(), runs.end(), [&](const ComparedRun& r) { return indexOf(r.store->info().*names, n) >= 0; })) out << n;
  }
  return out;
}

}  // namespace

int taskIndex(const RunStore& run, const QString& task) { return indexOf(run.info().taskNames, task); }

int pairIndex(const RunStore& run, const QString& task, const QString& other)
{
  const int k = taskIndex(run, task), l = taskIndex(run, other);
  return k < 0 || l < 0 || k == l ? -1 : seesaw::pairIndex(k, l, run.tasks());
}

int levelIndex(const RunStore& run, const QString& level) { return indexOf(run.info().geometryLevels, level); }

QString quantityName(const StepQuantity& q)
{
  switch (q.kind) {
    case StepQuantity::Kind::Cosine: return QStringLiteral("cosine %1 / %2").arg(q.task, q.other);
    case StepQuantity::Kind::Weight: return QStringLiteral("weight %1").arg(q.task);
    case StepQuantity::Kind::Ratio: return QStringLiteral("magnitude ratio %1").arg(q.task);
    case StepQuantity::Kind::Loss: return QStringLiteral("loss %1").arg(q.task);
    case StepQuantity::Kind::ValidAuc: return QStringLiteral("valid AUC %1").arg(q.task);
  }
  return {};
}

QuantitySeries quantitySeries(const RunStore& run, const StepQuantity& q)
{
  const int k = taskIndex(run, q.task);
  if (k < 0 || !run.started()) return {};
  switch (q.kind) {
    case StepQuantity::Kind::Cosine: {
      const int p = pairIndex(run, q.task, q.other);
      return p < 0 ? QuantitySeries{} : QuantitySeries{run.steps(), run.cosine(p)};
    }
    case StepQuantity::Kind::Weight: return {run.steps(), run.weight(k)};
    case StepQuantity::Kind::Ratio: return {run.steps(), run.magnitudeRatio(k)};
    case StepQuantity::Kind::Loss: return {run.steps(), run.loss(k)};
    case StepQuantity::Kind::ValidAuc: return {run.valid().step, run.valid().auc.at(static_cast<size_t>(k))};
  }
  return {};
}

QuantitySeries difference(const QuantitySeries& a, const QuantitySeries& b)
{
  QuantitySeries out;
  // Both are in increasing step order; a step evaluated twice (a stop right after an evaluation)
  // pairs with its first occurrence.
  int j = 0;
  for (int i = 0; i < a.step.size(); ++i) {
    while (j < b.step.size() && b.step[j] < a.step[i]) ++j;
    if (j < b.step.size() && b.step[j] == a.step[i] && (i == 0 || a.step[i - 1] != a.step[i])) {
      out.step.push_back(a.step[i]);
      out.value.push_back(a.value[i] - b.value[j]);
    }
  }
  return out;
}

Comparison::Comparison(QObject* parent) : QObject(parent) {}

void Comparison::setRuns(std::vector<ComparedRun> runs)
{
  runs_ = std::move(runs);
  for (size_t i = 0; i < runs_.size(); ++i)
    if (!runs_[i].color.isValid()) runs_[i].color = seriesColor(static_cast<int>(i));
  Q_EMIT runsChanged();
}

void Comparison::setRunLook(int run, const QString& name, const QColor& color, bool visible)
{
  ComparedRun& r = runs_.at(static_cast<size_t>(run));
  if (r.name == name && r.color == color && r.visible == visible) return;
  r.name = name;
  r.color = color;
  r.visible = visible;
  Q_EMIT runsChanged();
}

QStringList Comparison::commonTasks() const { return inEveryRun(runs_, &RunInfo::taskNames); }

std::vector<std::pair<QString, QString>> Comparison::commonPairs() const
{
  const QStringList tasks = commonTasks();
  std::vector<std::pair<QString, QString>> out;
  forEachPair(static_cast<int>(tasks.size()), [&](int k, int l) { out.emplace_back(tasks[k], tasks[l]); });
  return out;
}

std::vector<StepQuantity> Comparison::commonQuantities() const
{
  std::vector<StepQuantity> out;
  for (const auto& [a, b] : commonPairs()) out.push_back({StepQuantity::Kind::Cosine, a, b});
  const QStringList tasks = commonTasks();
  for (const auto kind : {StepQuantity::Kind::Weight, StepQuantity::Kind::Ratio, StepQuantity::Kind::Loss, StepQuantity::Kind::ValidAuc})
    for (const QString& task : tasks) out.push_back({kind, task, {}});
  return out;
}

bool Comparison::sameUsers() const
{
  if (runs_.size() < 2 || commonLevels().isEmpty()) return false;
  const auto& first = runs_.front().store->info();
  return std::all_of(runs_.begin(), runs_.end(), [&](const ComparedRun& r) { return r.store->info().userIds == first.userIds; });
}

QStringList Comparison::commonLevels() const { return inEveryRun(runs_, &RunInfo::geometryLevels); }

int64_t Comparison::branchStep() const
{
  int64_t step = 0;
  for (const ComparedRun& r : runs_) step = std::max(step, r.store->info().branch.step);
  return step;
}

QStringList Comparison::limits() const
{
  QStringList out;
  if (runs_.size() < 2) return {tr("open at least two traces to compare")};
  const QStringList common = commonTasks();
  for (const ComparedRun& r : runs_) {
    QStringList only;
    for (const auto& name : r.store->info().taskNames)
      if (!common.contains(QString::fromStdString(name))) only << QString::fromStdString(name);
    if (!only.isEmpty()) out << tr("%1 has task(s) %2 that another run lacks: not compared").arg(r.name, joinQuoted(only));
  }
  if (common.isEmpty()) out << tr("the runs share no task: nothing over steps can be compared");
  const auto& first = runs_.front().store->info();
  for (const ComparedRun& r : runs_) {
    const auto& info = r.store->info();
    if (info.userSnapshotEvery == 0 || info.geometryLevels.empty()) out << tr("%1 recorded no per-user snapshots: users are not compared").arg(r.name);
    else if (info.userIds != first.userIds)
      out << tr("%1 trained on other users than %2 (%3 against %4 ids): users are not compared")
                 .arg(r.name, runs_.front().name)
                 .arg(info.userIds.size())
                 .arg(first.userIds.size());
    else if (info.geometryLevels != first.geometryLevels)
      out << (commonLevels().isEmpty() ? tr("%1 recorded no geometry level that %2 did: users are not compared").arg(r.name, runs_.front().name)
                                       : tr("%1 recorded other geometry levels than %2: users are compared at %3 only")
                                             .arg(r.name, runs_.front().name, commonLevels().join(QStringLiteral(", "))));
    if (info.data.rows != first.data.rows || info.data.taskNames != first.data.taskNames)
      out << tr("%1 trained on other data than %2 (%3 against %4 rows)").arg(r.name, runs_.front().name).arg(info.data.rows).arg(first.data.rows);
  }
  for (const ComparedRun& r : runs_) {
    const auto& branch = r.store->info().branch;
    if (!branch.checkpoint.empty())
      out << tr("%1 is a branch from step %2 of %3: it has no steps before that")
                 .arg(r.name)
                 .arg(branch.step)
                 .arg(QFileInfo(QString::fromStdString(branch.parentTrace)).fileName());
  }
  out.removeDuplicates();
  return out;
}

void Comparison::setCursor(int64_t step)
{
  if (runs_.empty()) return;
  // The first run's cursor, clamped to its steps, is the one every view reads; the others follow it.
  runs_.front().store->setCursor(step);
  for (const ComparedRun& r : runs_) r.store->setCursor(runs_.front().store->cursor());
}

void Comparison::setSelectedUser(int user)
{
  for (const ComparedRun& r : runs_) r.store->setSelectedUser(user);
}

}  // namespace seesaw::widgets
