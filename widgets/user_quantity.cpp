#include "widgets/user_quantity.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>

#include <cmath>

#include "records/task_pairs.h"
#include "widgets/run_store.h"

namespace seesaw::widgets {

double userValue(const EntityGeometry& g, int tasks, int user, const UserQuantity& q)
{
  const auto u = static_cast<size_t>(user), K = static_cast<size_t>(tasks), P = static_cast<size_t>(pairCount(tasks));
  const auto at = [](const std::vector<float>& v, size_t i) { return i < v.size() ? static_cast<double>(v[i]) : std::nan(""); };
  if (q.kind == UserQuantity::Kind::Weight) return at(g.weight, u * K + static_cast<size_t>(q.index));
  if (q.level < 0 || static_cast<size_t>(q.level) >= g.levels.size()) return std::nan("");
  const LevelGeometry& level = g.levels[static_cast<size_t>(q.level)];
  switch (q.kind) {
    case UserQuantity::Kind::Cosine: return at(level.cosine, u * P + static_cast<size_t>(q.index));
    case UserQuantity::Kind::Norm: return at(level.gradNorm, u * K + static_cast<size_t>(q.index));
    case UserQuantity::Kind::Ratio: return at(level.magnitudeRatio, u * K + static_cast<size_t>(q.index));
    case UserQuantity::Kind::Weight: break;
  }
  return std::nan("");
}

bool conflicting(const EntityGeometry& g, int tasks, int user, int level, double threshold)
{
  for (int p = 0; p < pairCount(tasks); ++p)
    if (userValue(g, tasks, user, UserQuantity{UserQuantity::Kind::Cosine, p, level}) < threshold) return true;
  return false;
}

QString quantityName(const RunStore& store, const UserQuantity& q)
{
  const auto& levels = store.info().geometryLevels;
  const QString level = q.level >= 0 && static_cast<size_t>(q.level) < levels.size()
                            ? QStringLiteral(" (%1)").arg(QString::fromStdString(levels[static_cast<size_t>(q.level)]))
                            : QString();
  switch (q.kind) {
    case UserQuantity::Kind::Cosine: return QStringLiteral("cosine %1%2").arg(store.pairName(q.index), level);
    case UserQuantity::Kind::Norm: return QStringLiteral("norm %1%2").arg(store.taskName(q.index), level);
    case UserQuantity::Kind::Ratio: return QStringLiteral("ratio %1%2").arg(store.taskName(q.index), level);
    case UserQuantity::Kind::Weight: return QStringLiteral("weight %1").arg(store.taskName(q.index));
  }
  return {};
}

UserQuantityPicker::UserQuantityPicker(RunStore& store, bool cosinesOnly, QWidget* parent)
    : QWidget(parent), store_(store), cosinesOnly_(cosinesOnly), what_(new QComboBox), level_(new QComboBox)
{
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(what_);
  layout->addWidget(new QLabel(tr("level")));
  layout->addWidget(level_);
  layout->addStretch();
  what_->setToolTip(tr("The per-user quantity shown"));
  level_->setToolTip(tr("The geometry level (docs/per-user-geometry.md); weights are fitted at the embedding rows"));
  connect(what_, qOverload<int>(&QComboBox::currentIndexChanged), this, &UserQuantityPicker::changed);
  connect(level_, qOverload<int>(&QComboBox::currentIndexChanged), this, &UserQuantityPicker::changed);
  connect(&store_, &RunStore::runBegan, this, &UserQuantityPicker::rebuild);
  rebuild();
}

void UserQuantityPicker::rebuild()
{
  const QSignalBlocker blockWhat(what_), blockLevel(level_);
  what_->clear();
  level_->clear();
  if (!store_.started()) return;
  const auto add = [this](UserQuantity::Kind kind, int index) {
    UserQuantity q{kind, index, -1};
    what_->addItem(quantityName(store_, q), QVariant::fromValue(static_cast<int>(kind) * 1000 + index));
  };
  for (int p = 0; p < store_.pairs(); ++p) add(UserQuantity::Kind::Cosine, p);
  if (!cosinesOnly_) {
    for (int k = 0; k < store_.tasks(); ++k) add(UserQuantity::Kind::Weight, k);
    for (int k = 0; k < store_.tasks(); ++k) add(UserQuantity::Kind::Ratio, k);
    for (int k = 0; k < store_.tasks(); ++k) add(UserQuantity::Kind::Norm, k);
  }
  for (const auto& level : store_.info().geometryLevels) level_->addItem(QString::fromStdString(level));
}

UserQuantity UserQuantityPicker::quantity() const
{
  const int code = what_->currentData().toInt();
  return {static_cast<UserQuantity::Kind>(code / 1000), code % 1000, std::max(level_->currentIndex(), 0)};
}

void UserQuantityPicker::setQuantity(const UserQuantity& q)
{
  what_->setCurrentIndex(what_->findData(static_cast<int>(q.kind) * 1000 + q.index));
  level_->setCurrentIndex(q.level);
}

}  // namespace seesaw::widgets
