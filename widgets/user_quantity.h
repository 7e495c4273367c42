#pragma once
// What a per-user view plots: one pair's cosine, or one task's norm, magnitude ratio or weight,
// at one recorded geometry level (weights have no level: they are fitted at the embedding rows;
// docs/per-user-geometry.md). The picker offers the quantities a view allows and the levels the
// run recorded.

#include <QWidget>

#include "records/geometry_snapshot.h"
#include "records/run_info.h"

class QComboBox;

namespace seesaw::widgets {

class RunStore;

struct UserQuantity
{
  enum class Kind { Cosine, Norm, Ratio, Weight };
  Kind kind = Kind::Cosine;
  int index = 0;  // the pair for cosines, else the task
  int level = 0;  // index into RunInfo::geometryLevels
};

// The quantity's value for one user of a snapshot; NaN where the user was not seen.
double userValue(const EntityGeometry& g, int tasks, int user, const UserQuantity& q);
// Whether some task pair's cosine of the user lies below `threshold` at the level (a user not seen,
// or with NaN cosines only, is not).
bool conflicting(const EntityGeometry& g, int tasks, int user, int level, double threshold);
// "cosine click / like (exact)", as axis labels and table headers say it.
QString quantityName(const RunStore& store, const UserQuantity& q);

class UserQuantityPicker : public QWidget
{
  Q_OBJECT

public:
  // cosinesOnly: offer the pairs' cosines alone (the distribution view).
  UserQuantityPicker(RunStore& store, bool cosinesOnly, QWidget* parent = nullptr);
  UserQuantity quantity() const;
  void setQuantity(const UserQuantity& q);

Q_SIGNALS:
  void changed();

private:
  void rebuild();

  RunStore& store_;
  bool cosinesOnly_;
  QComboBox* what_;
  QComboBox* level_;
};

}  // namespace seesaw::widgets
