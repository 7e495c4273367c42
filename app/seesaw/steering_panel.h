#pragma once
// Steering a live run: a new learning rate, method, method parameters or task weights, applied
// from the trainer's next step (running or paused), and the run's change log with each change
// applied or refused (and why). Only what differs from the run's current settings is sent.

#include <QWidget>

#include "config/run_config.h"

class QDoubleSpinBox;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace seesaw {
struct Steering;
}

namespace seesaw::widgets {
class RunStore;
}

namespace seesaw::app {

class LiveSession;
class MethodForm;

class SteeringPanel : public QWidget
{
  Q_OBJECT

public:
  SteeringPanel(widgets::RunStore& store, LiveSession& session, QWidget* parent = nullptr);

  // The settings the run starts with; the panel follows the changes the trainer applies.
  void setRun(const RunConfig& config);
  const RunConfig& current() const { return current_; }
  // Sends what the widgets changed; false, with the reason shown, when the task weights cannot be read.
  bool apply();

  QDoubleSpinBox* lrBox() const { return lr_; }
  MethodForm* methodForm() const { return method_; }
  QLineEdit* weightsEdit() const { return weights_; }
  QListWidget* log() const { return log_; }

private:
  void follow();
  void logAsked(const Steering& s);
  void showCurrent();
  void updateEnabled();

  widgets::RunStore& store_;
  LiveSession& session_;
  RunConfig current_;
  size_t changesSeen_ = 0;
  QDoubleSpinBox* lr_;
  MethodForm* method_;
  QLineEdit* weights_;
  QPushButton* apply_;
  QListWidget* log_;
};

}  // namespace seesaw::app
