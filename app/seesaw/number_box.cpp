#include "app/seesaw/number_box.h"

#include <QLineEdit>
#include <QLocale>
#include <QRegularExpression>

#include <cfloat>
#include <cmath>

#include "util/error.h"
#include "util/number_text.h"

namespace seesaw::app {

NumberBox::NumberBox(double step, QWidget* parent) : QDoubleSpinBox(parent)
{
  // QDoubleSpinBox rounds every value to its decimals: with the most it allows, it keeps them all.
  setDecimals(DBL_MAX_10_EXP + DBL_DIG);
  setRange(-DBL_MAX, DBL_MAX);
  setSingleStep(step);
}

bool NumberBox::differs(double a, double b) { return std::abs(a - b) > 1e-12 * std::max(std::abs(a), std::abs(b)); }

void NumberBox::setZeroText(const QString& text)
{
  zeroText_ = text;
  setValue(value());  // shows the words if the value is 0 already
  lineEdit()->setText(textFromValue(value()));
}

int64_t NumberBox::wholeValue(const std::string& field, double min, double max) const
{
  const double v = value();
  if (v != std::floor(v)) throw Error(field + ": must be a whole number, found " + numberText(v));
  if (v < min || v > max) throw Error(field + ": " + numberText(v) + " is outside [" + numberText(min) + ", " + numberText(max) + "]");
  return static_cast<int64_t>(v);
}

QString NumberBox::textFromValue(double value) const
{
  if (value == 0 && !zeroText_.isEmpty()) return zeroText_;
  // The fewest digits that read back as the same double, written as people write them: plainly
  // from 1e-4 to 1e15 (0.0003, 250), else with an exponent (1e-10, 2.5e-7).
  const QString scientific = QString::number(value, 'e', QLocale::FloatingPointShortest);
  const qsizetype e = scientific.indexOf(QLatin1Char('e'));
  const int exponent = scientific.mid(e + 1).toInt();
  if (value == 0 || (exponent >= -4 && exponent < 15)) return QString::number(value, 'f', QLocale::FloatingPointShortest);
  return scientific.left(e + 1) + QString::number(exponent);
}

double NumberBox::valueFromText(const QString& text) const
{
  const QString t = text.trimmed();
  return !zeroText_.isEmpty() && t == zeroText_ ? 0.0 : QLocale::c().toDouble(t);
}

QValidator::State NumberBox::validate(QString& text, int& /*position*/) const
{
  const QString t = text.trimmed();
  if (!zeroText_.isEmpty() && t == zeroText_) return QValidator::Acceptable;
  bool ok = false;
  const double value = QLocale::c().toDouble(t, &ok);
  if (ok && std::isfinite(value)) return QValidator::Acceptable;
  // On its way to a number: "", "-", "1.", "1e", "1e-"; or to the words shown for 0.
  static const QRegularExpression partial(QStringLiteral(R"(^[+-]?(\d+\.?\d*|\.\d*)?([eE][+-]?\d*)?$)"));
  if (!zeroText_.isEmpty() && zeroText_.startsWith(t)) return QValidator::Intermediate;
  return partial.match(t).hasMatch() ? QValidator::Intermediate : QValidator::Invalid;
}

}  // namespace seesaw::app
