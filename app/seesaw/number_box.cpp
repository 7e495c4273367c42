#include "app/seesaw/number_box.h"

#include <QLocale>
#include <QRegularExpression>

#include <cfloat>
#include <cmath>

namespace seesaw::app {

NumberBox::NumberBox(double min, double max, double step, QWidget* parent) : QDoubleSpinBox(parent)
{
  // QDoubleSpinBox rounds every value to its decimals: with the most it allows, it keeps them all.
  setDecimals(DBL_MAX_10_EXP + DBL_DIG);
  setRange(min, max);
  setSingleStep(step);
}

bool NumberBox::differs(double a, double b) { return std::abs(a - b) > 1e-12 * std::max(std::abs(a), std::abs(b)); }

QString NumberBox::textFromValue(double value) const
{
  // The fewest digits that read back as the same double, written as people write them: plainly
  // from 1e-4 to 1e15 (0.0003, 250), else with an exponent (1e-10, 2.5e-7).
  const QString scientific = QString::number(value, 'e', QLocale::FloatingPointShortest);
  const qsizetype e = scientific.indexOf(QLatin1Char('e'));
  const int exponent = scientific.mid(e + 1).toInt();
  if (value == 0 || (exponent >= -4 && exponent < 15)) return QString::number(value, 'f', QLocale::FloatingPointShortest);
  return scientific.left(e + 1) + QString::number(exponent);
}

double NumberBox::valueFromText(const QString& text) const { return QLocale::c().toDouble(text.trimmed()); }

QValidator::State NumberBox::validate(QString& text, int& /*position*/) const
{
  const QString t = text.trimmed();
  if (!specialValueText().isEmpty() && t == specialValueText()) return QValidator::Acceptable;
  bool ok = false;
  const double value = QLocale::c().toDouble(t, &ok);
  if (ok && std::isfinite(value)) return value >= minimum() && value <= maximum() ? QValidator::Acceptable : QValidator::Intermediate;
  // On its way to a number: "", "-", "1.", "1e", "1e-".
  static const QRegularExpression partial(QStringLiteral(R"(^[+-]?(\d+\.?\d*|\.\d*)?([eE][+-]?\d*)?$)"));
  return partial.match(t).hasMatch() ? QValidator::Intermediate : QValidator::Invalid;
}

}  // namespace seesaw::app
