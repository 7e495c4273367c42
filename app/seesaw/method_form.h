#pragma once
// A gradient method and its hyperparameters, as the registry describes them: a method list (each
// with its one-line description) and one box per hyperparameter with its range, default and
// meaning. The run setup and the steering panel both use it.

#include <QWidget>

#include <map>
#include <string>

class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;

namespace seesaw::app {

class MethodForm : public QWidget
{
  Q_OBJECT

public:
  explicit MethodForm(QWidget* parent = nullptr);

  // Shows `name` with `params` over its defaults.
  void setMethod(const std::string& name, const std::map<std::string, double>& params);
  std::string method() const;
  std::map<std::string, double> params() const;
  // The parameters whose boxes differ from `current` beyond float rounding.
  std::map<std::string, double> changedFrom(const std::map<std::string, double>& current) const;
  QDoubleSpinBox* parameterBox(const QString& name) const;
  QComboBox* methodBox() const { return method_; }

Q_SIGNALS:
  void methodChanged();

private:
  void showParameters(const std::map<std::string, double>& given);

  QComboBox* method_;
  QLabel* description_;
  QFormLayout* parameters_;
  std::map<QString, QDoubleSpinBox*> boxes_;
};

}  // namespace seesaw::app
