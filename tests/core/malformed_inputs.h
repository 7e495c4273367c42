#pragma once
// What the malformed-input suites (tst_malformed_tables, tst_malformed_configs) share: variants are
// generated from one fixed seed, each read as its text says or refused with its file and place,
// within a bound on hangs.

#include <QtTest>

#include <algorithm>
#include <random>
#include <string>

namespace seesaw::testing {


// Far beyond what any of these loads takes (milliseconds): a bound on hangs, not a speed target.
constexpr qint64 kHangBoundMs = 10'000;
constexpr std::mt19937::result_type kSeed = 20260611;

// rng() % n rather than a std::uniform_int_distribution, whose output differs between standard
// libraries: a failing variant must be the same one on every machine.
inline size_t below(std::mt19937& rng, size_t n) { return static_cast<size_t>(rng() % n); }

inline size_t newlinesBefore(const std::string& bytes, size_t end)
{
  return static_cast<size_t>(std::count(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
}

// What a variant must do. Either: a random mutation whose outcome the test cannot predict; the
// rows it can predict are still checked when it is read.
enum class Expect { Read, Refused, Either };

// A scratch file per variant, numbered so that a failing one is found again.
class VariantFiles
{
public:
  bool valid() const { return dir_.isValid(); }
  QString file(size_t index, const std::string& name) const
  {
    return dir_.filePath(QString("%1-%2").arg(index, 3, 10, QChar('0')).arg(QString::fromStdString(name)));
  }

private:
  QTemporaryDir dir_;
};

}  // namespace seesaw::testing
