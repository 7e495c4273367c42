#pragma once
// A number field that shows a value as people write it (1e-10, 0.001, 250) and takes what they
// type, scientific notation included, without rounding it. QDoubleSpinBox alone shows a fixed
// count of decimals (0.00000000010000) and rounds the value to them: with 7 decimals a learning
// rate of 1e-10 would silently become 0.

#include <QDoubleSpinBox>

namespace seesaw::app {

class NumberBox : public QDoubleSpinBox
{
public:
  // [min, max] is a sanity range only: what the run config refuses is refused, with the field's
  // name, when the run starts, so that a typed value is never changed into another.
  NumberBox(double min, double max, double step, QWidget* parent = nullptr);

  // True when the boxes' values differ beyond float rounding (a value read back from JSON).
  static bool differs(double a, double b);

protected:
  QString textFromValue(double value) const override;
  double valueFromText(const QString& text) const override;
  QValidator::State validate(QString& text, int& position) const override;
};

}  // namespace seesaw::app
