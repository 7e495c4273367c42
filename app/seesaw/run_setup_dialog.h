#pragma once
// The run setup: dataset (a preset, or a CSV/TSV file with its column mapping) and its split, model, gradient
// method with its hyperparameters as the registry describes them (range, default, meaning), the
// training length, batch, learning rate, device, processes and trace file. Settings load from and
// save to a run-config JSON, the format seesaw-train reads. Start is refused, with the field
// named, while the config does not validate.

#include <QDialog>

#include "config/run_config.h"

class QAbstractSpinBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;

namespace seesaw::app {

class MethodForm;
class NumberBox;

class RunSetupDialog : public QDialog
{
  Q_OBJECT

public:
  RunSetupDialog(RunConfig config, QString tracePath, QWidget* parent = nullptr);

  // The config the widgets describe (not yet validated); throws seesaw::Error naming a
  // whole-number field that holds a fraction or more than a double counts exactly.
  RunConfig config() const;
  QString tracePath() const;
  void setConfig(const RunConfig& config);
  // Data-parallel ranks on this machine (seesaw-train --nproc); 1 trains inside the app. Not a
  // config field: the ranks of one run share its config. processes() throws seesaw::Error for a
  // value that is not a whole number in [1, 256].
  int processes() const;
  void setProcesses(int processes);
  // Why the config cannot run ("config field train.lr: ..."), or empty.
  QString problem() const;
  // The hyperparameter widget of the current method, for tests.
  QDoubleSpinBox* parameterBox(const QString& name) const;

  // For a branch (docs/checkpoints.md): what made the checkpoint's state (data, model, batch size,
  // optimizer) is shown but cannot be changed, and no other config can be loaded over it.
  void lockForBranch();

  bool loadConfigFile(const QString& path);  // false, with a dialog, when the file is refused
  bool saveConfigFile(const QString& path);

  void accept() override;

private:
  void sourceChanged();
  void editColumns();
  // The time split needs a timestamp: without one mapped (a file's columns) it is not offered, and
  // with `choose`, a time split becomes a random one (a loaded config keeps what it says, and the
  // problem line says why it cannot run).
  void fitSplitToColumns(bool choose);
  void showProblem(const QString& problem);

  RunConfig base_;  // what the widgets do not show (model sizes, synthetic settings, ...)
  QComboBox* source_;
  QLineEdit* dataPath_;
  QPushButton* browseData_;
  QPushButton* columns_;
  QComboBox* split_;
  QDoubleSpinBox* validFraction_;
  QDoubleSpinBox* testFraction_;
  NumberBox* splitSeed_;
  QComboBox* model_;
  MethodForm* method_;
  NumberBox* steps_;
  QDoubleSpinBox* epochs_;
  NumberBox* batch_;
  QDoubleSpinBox* lr_;
  QComboBox* optimizer_;
  QComboBox* device_;
  NumberBox* window_;
  NumberBox* processes_;
  QLineEdit* trace_;
  QLabel* columnsSummary_;  // what the file's columns are mapped to, in words
  QLabel* problem_;
  QPushButton* load_ = nullptr;
};

}  // namespace seesaw::app
