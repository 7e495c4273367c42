#pragma once
// File > Compare traces: the traces of a folder, newest first, each with its run's name (its
// label, app/seesaw/run_label.h), when it was last written and its size; the runs to compare are
// ticked, and files from elsewhere added. A multi-file open needs no typed, quoted names.

#include <QDialog>
#include <QStringList>

class QLabel;
class QPushButton;
class QTableWidget;

namespace seesaw::app {

class TracePicker : public QDialog
{
  Q_OBJECT

public:
  enum Column { Name, Written, Size, Path, Columns };
  explicit TracePicker(const QString& folder, QWidget* parent = nullptr);

  void showFolder(const QString& folder);
  // Adds traces from anywhere, ticked (a file listed already is ticked, not listed twice).
  void addTraces(const QStringList& paths);
  void setTicked(int row, bool ticked);
  // The ticked traces, in the table's order.
  QStringList ticked() const;
  QTableWidget& table() const { return *table_; }

private:
  void addRow(const QString& path, bool ticked);
  void updateCompare();

  QLabel* folder_;
  QTableWidget* table_;
  QPushButton* compare_;
};

}  // namespace seesaw::app
