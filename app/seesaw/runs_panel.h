#pragma once
// The runs of a comparison, one row each: shown in the overlay or hidden, colour, name (the name
// and colour kept beside the trace, app/seesaw/run_label.h), method, key settings, and the last
// values recorded (each task's training loss and validation AUC). "Add a run..." asks for one
// more trace, one file at a time (no quoted names to type).

#include <QStringList>
#include <QWidget>

class QTableWidget;
class QTableWidgetItem;

namespace seesaw::widgets {
class Comparison;
}

namespace seesaw::app {

class RunsPanel : public QWidget
{
  Q_OBJECT

public:
  enum Column { Shown, Colour, Name, Method, Settings, Last, Trace, Columns };
  explicit RunsPanel(widgets::Comparison& comparison, QWidget* parent = nullptr);
  // traces[i] is run i's file; set before the comparison's runs.
  void setTraces(QStringList traces) { traces_ = std::move(traces); }

  QTableWidget& table() const { return *table_; }
  // What the table's edits do: the comparison follows at once, and the label is saved beside the
  // trace (false, with the reason in `error`, when it cannot be).
  bool rename(int run, const QString& name, QString* error = nullptr);
  bool recolor(int run, const QColor& color, QString* error = nullptr);
  void setShown(int run, bool shown);

Q_SIGNALS:
  void addRunRequested(const QString& trace);

private:
  void rebuild();
  void refreshValues();
  void edited(QTableWidgetItem* item);
  // Tells the comparison, without rebuilding the table that asked.
  void setLook(int run, const QString& name, const QColor& color, bool visible);
  bool saveLabel(int run, QString* error);

  widgets::Comparison& comparison_;
  QStringList traces_;
  QTableWidget* table_;
  bool applying_ = false;  // a change of ours: the table already shows it
};

}  // namespace seesaw::app
