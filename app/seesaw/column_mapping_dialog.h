#pragma once
// The column-mapping step for a CSV/TSV file: the first rows as the loader splits them, and above
// each column what it holds (user, item, categorical, dense, timestamp, a binary or regression
// task, or nothing). The result is the run config's data.columns. For a file met for the first time
// the obvious roles are guessed (uid / user_id: the user, iid / item: the item, 0/1 columns: binary
// tasks) and the dialog says which.

#include <QDialog>

#include <map>

#include <vector>

#include "data/column_mapping.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QTableWidget;

namespace seesaw {
struct DelimitedPreview;
}

namespace seesaw::app {

class ColumnMappingDialog : public QDialog
{
  Q_OBJECT

public:
  enum class Role { Ignore, User, Item, Categorical, Dense, Timestamp, BinaryTask, RegressionTask };
  static constexpr int kPreviewRows = 20;

  ColumnMappingDialog(QString path, ColumnMapping initial, QWidget* parent = nullptr);

  // The mapping the choices make; empty problem() when it is complete.
  ColumnMapping mapping() const;
  QString problem() const;
  int columnCount() const;
  QString previewCell(int row, int column) const;
  void setRole(int column, Role role);
  Role role(int column) const;

  void accept() override;

  // What the dialog guessed, in words; empty when it guessed nothing.
  QString guessed() const { return guessed_; }

private:
  void loadPreview();
  std::vector<Role> guessRoles(const DelimitedPreview& preview);

  QString path_;
  ColumnMapping base_;
  std::vector<std::string> columns_;
  // The initial mapping's tasks by the file column each reads (its column, else the first of its
  // alternatives the file has): a task keeps its name and label rule through the dialog.
  std::map<std::string, TaskMapping> baseTasks_;
  QCheckBox* header_;
  QComboBox* delimiter_;
  QTableWidget* table_;
  QLabel* message_;
  QString guessed_;
};

}  // namespace seesaw::app
