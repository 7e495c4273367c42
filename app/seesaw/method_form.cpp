#include "app/seesaw/method_form.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>

#include <algorithm>

#include "app/seesaw/number_box.h"
#include "methods/registry.h"

namespace seesaw::app {

MethodForm::MethodForm(QWidget* parent) : QWidget(parent), method_(new QComboBox), description_(new QLabel), parameters_(new QFormLayout)
{
  method_->setObjectName(QStringLiteral("method.name"));
  for (const MethodInfo& m : methodRegistry().methods()) {
    method_->addItem(QString::fromStdString(m.name), QString::fromStdString(m.name));
    method_->setItemData(method_->count() - 1, QString::fromStdString(m.description), Qt::ToolTipRole);
  }
  description_->setWordWrap(true);
  auto* layout = new QFormLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addRow(tr("method"), method_);
  layout->addRow(description_);
  layout->addRow(parameters_);
  connect(method_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    showParameters({});
    Q_EMIT methodChanged();
  });
  showParameters({});
}

void MethodForm::setMethod(const std::string& name, const std::map<std::string, double>& params)
{
  {
    const QSignalBlocker block(method_);
    method_->setCurrentIndex(method_->findData(QString::fromStdString(name)));
  }
  showParameters(params);
}

std::string MethodForm::method() const { return method_->currentData().toString().toStdString(); }

std::map<std::string, double> MethodForm::params() const
{
  std::map<std::string, double> out;
  for (const auto& [name, box] : boxes_) out[name.toStdString()] = box->value();
  return out;
}

std::map<std::string, double> MethodForm::changedFrom(const std::map<std::string, double>& current) const
{
  std::map<std::string, double> out;
  for (const auto& [name, box] : boxes_) {
    const auto it = current.find(name.toStdString());
    if (it == current.end() || NumberBox::differs(box->value(), it->second)) out[name.toStdString()] = box->value();
  }
  return out;
}

QDoubleSpinBox* MethodForm::parameterBox(const QString& name) const
{
  const auto it = boxes_.find(name);
  return it == boxes_.end() ? nullptr : it->second;
}

void MethodForm::showParameters(const std::map<std::string, double>& given)
{
  while (parameters_->rowCount() > 0) parameters_->removeRow(0);
  boxes_.clear();
  const std::string name = method();
  if (!methodRegistry().contains(name)) return;
  const MethodInfo& info = methodRegistry().info(name);
  description_->setText(QString::fromStdString(info.description));
  for (const HyperParameter& p : info.hyperParameters) {
    const auto it = given.find(p.name);
    const double value = it != given.end() ? it->second : p.defaultValue;
    // The range is the registry's to check when the run starts, by name: a box that reverted a
    // value outside it, or rounded 1.5 to 2, would run what the user did not ask for.
    QDoubleSpinBox* box = new NumberBox(p.integer ? 1 : std::max((p.max - p.min) / 100, 1e-6));
    box->setValue(value);
    box->setToolTip(QStringLiteral("%1\nrange [%2, %3], default %4").arg(QString::fromStdString(p.description)).arg(p.min).arg(p.max).arg(p.defaultValue));
    parameters_->addRow(QString::fromStdString(p.name), box);
    // What the parameter does, in a line under its box (a tooltip alone is found by few).
    auto* meaning = new QLabel(QString::fromStdString(p.description));
    meaning->setWordWrap(true);
    meaning->setStyleSheet(QStringLiteral("color: #555; font-size: 8pt"));
    parameters_->addRow(QString(), meaning);
    boxes_[QString::fromStdString(p.name)] = box;
  }
}

}  // namespace seesaw::app
