#pragma once
// A number field that shows a value as people write it (1e-10, 0.001, 250) and takes what they
// type, scientific notation included, without rounding it. QDoubleSpinBox alone shows a fixed
// count of decimals (0.00000000010000) and rounds the value to them: with 7 decimals a learning
// rate of 1e-10 would silently become 0. A QSpinBox drops a minus sign below its minimum, and a
// value outside a spin box's range reverts when the field loses focus.

#include <QDoubleSpinBox>

#include <cstdint>
#include <string>

namespace seesaw::app {

class NumberBox : public QDoubleSpinBox
{
public:
  // Any finite number is taken as typed: what the run config refuses (a negative learning rate, a
  // hyperparameter outside its range, a fraction of a step) is refused, with the field's name,
  // when the run starts, so that a typed value is never changed into another.
  explicit NumberBox(double step, QWidget* parent = nullptr);

  // True when the boxes' values differ beyond float rounding (a value read back from JSON).
  static bool differs(double a, double b);

  // The words shown for 0 where 0 means something ("by epochs", "none"); they read back as 0.
  void setZeroText(const QString& text);

  // The value of a whole-number field, or an error naming `field` ("config field train.steps") for
  // 1.5 or a number beyond [min, max] (an int64 or uint64 setting holds no other).
  int64_t wholeValue(const std::string& field, double min, double max) const;

protected:
  QString textFromValue(double value) const override;
  double valueFromText(const QString& text) const override;
  QValidator::State validate(QString& text, int& position) const override;

private:
  QString zeroText_;
};

}  // namespace seesaw::app
