#pragma once
// Hand-made inputs for gradient-method tests: task gradients as a [K, P] matrix, the rest derived.

#include <QtTest>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "methods/gradient_method.h"
#include "methods/registry.h"

namespace seesaw::test {

// rows: one gradient per task, all of one length.
inline MethodInput methodInput(const std::vector<std::vector<double>>& rows, std::vector<double> losses = {},
                               int64_t step = 1, int64_t epoch = 1)
{
  const auto K = static_cast<int64_t>(rows.size());
  std::vector<double> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  MethodInput in;
  in.taskGradients = at::tensor(flat, at::kDouble).view({K, -1}).clone();
  const at::Tensor gram = at::mm(in.taskGradients, in.taskGradients.t()).contiguous();
  in.gram.assign(gram.data_ptr<double>(), gram.data_ptr<double>() + K * K);
  in.losses = losses.empty() ? std::vector<double>(K, 1.0) : std::move(losses);
  in.step = step;
  in.epoch = epoch;
  return in;
}

inline std::unique_ptr<GradientMethod> makeMethod(const std::string& name, int tasks,
                                                  const std::map<std::string, double>& params = {}, uint64_t seed = 1)
{
  MethodSetup setup;
  for (int k = 0; k < tasks; ++k) setup.taskNames.push_back("task" + std::to_string(k));
  setup.taskWeights.assign(tasks, 1.0);
  setup.seed = seed;
  return methodRegistry().make(name, params, std::move(setup));
}

inline std::vector<double> values(const at::Tensor& t)
{
  const at::Tensor c = t.to(at::kDouble).contiguous().cpu();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

inline bool allFinite(const std::vector<double>& v)
{
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

using Rows = std::vector<std::vector<double>>;

// Empty where a and b agree within tol (absolute, scaled by max(1, |b|)); else what differs.
inline QString scaledMismatch(const std::vector<double>& a, const std::vector<double>& b, double tol)
{
  if (a.size() != b.size()) return QString("sizes %1 and %2").arg(a.size()).arg(b.size());
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::fabs(a[i] - b[i]) <= tol * std::max(1.0, std::fabs(b[i]))))
      return QString("entry %1: %2, expected %3").arg(i).arg(a[i], 0, 'g', 17).arg(b[i], 0, 'g', 17);
  return {};
}

#define COMPARE_SCALED(actual, expected, tol)                                   \
  do {                                                                          \
    const QString why_ = seesaw::test::scaledMismatch((actual), (expected), tol); \
    QVERIFY2(why_.isEmpty(), qPrintable(why_));                                 \
  } while (0)

inline Rows randomRows(std::mt19937_64& rng, int K, int P)
{
  std::normal_distribution<double> normal;
  Rows rows(K, std::vector<double>(P));
  for (auto& r : rows)
    for (double& x : r) x = normal(rng);
  return rows;
}

// A PMTRec layout. Users 3 x 2 at 0, items 2 x 2 at 6, two dense coordinates at 10.
constexpr int kP = 12;
inline MethodInput pmtrecInput(const Rows& rows, int64_t epoch = 1)
{
  MethodInput in = methodInput(rows, {}, 1, epoch);
  in.userRows = {0, 3, 2, at::Tensor()};
  in.itemRows = {6, 2, 2, at::Tensor()};
  return in;
}

}  // namespace seesaw::test
