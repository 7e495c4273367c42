// The loss-weighting methods (UW, DWA, RLW, GradNorm, DB-MTL) against values derived by hand, and
// their fallbacks on zero, tiny and non-finite gradients and losses.
#include <QtTest>

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include <cmath>
#include <limits>
#include <numeric>

#include "tests/core/method_inputs.h"
#include "methods/gradient_method.h"
#include "methods/registry.h"

using namespace seesaw;
using seesaw::test::allFinite;
using seesaw::test::makeMethod;
using seesaw::test::methodInput;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Empty where every value of `got` is within `tol` of `want`, else what differs.
QString valueMismatch(const std::vector<double>& got, const std::vector<double>& want, double tol)
{
  if (got.size() != want.size()) return QString("%1 values, expected %2").arg(got.size()).arg(want.size());
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(got[i] - want[i]) <= tol))
      return QString("[%1] is %2, expected %3 (tolerance %4)").arg(i).arg(got[i], 0, 'g', 17).arg(want[i], 0, 'g', 17).arg(tol);
  return {};
}

#define COMPARE_VALUES(got, want, tol)                       \
  do {                                                       \
    const QString m_ = valueMismatch((got), (want), (tol));       \
    QVERIFY2(m_.isEmpty(), qPrintable(m_));                  \
  } while (false)

std::vector<double> gradOf(const at::Tensor& p)
{
  return p.grad().defined() ? seesaw::test::values(p.grad()) : std::vector<double>{};
}

void setValues(const at::Tensor& p, const std::vector<double>& v)
{
  p.detach().copy_(at::tensor(v, at::kDouble));
}

// sum_k c_k rows_k
std::vector<double> combination(const std::vector<std::vector<double>>& rows, const std::vector<double>& c)
{
  std::vector<double> out(rows.front().size(), 0.0);
  for (size_t k = 0; k < rows.size(); ++k)
    for (size_t i = 0; i < out.size(); ++i) out[i] += c[k] * rows[k][i];
  return out;
}

}  // namespace

class TestMethodsWeighting : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void infosDeclareHyperparameters();

  void uwWeightsAndLogVarianceGradient();
  void uwFollowsLearnedLogVariance();
  void uwFallbackLeavesNoGradient();

  void dwaEqualWeightsThenSoftmaxOfEpochRatios();
  void dwaTemperature();
  void dwaZeroAverageFallsBack();
  void dwaWeighsBatchesByTheirRows();

  void rlwWeightsOnSimplexAndReproducible();

  void gradNormHandMadeSteps();
  void gradNormMatchesAutograd();
  void gradNormFallbacks();
  void gradNormNonFiniteStepKeepsState();

  void dbMtlFirstStepAndAverage();
  void dbMtlBetaSigma();
  void dbMtlZeroAndTinyGradients();
  void dbMtlNonFiniteStepKeepsState();
};

void TestMethodsWeighting::infosDeclareHyperparameters()
{
  const std::map<std::string, std::map<std::string, double>> expected = {
      {"uw", {}},
      {"dwa", {{"temperature", 2.0}}},
      {"rlw", {}},
      {"gradnorm", {{"alpha", 1.5}}},
      {"db_mtl", {{"beta", 0.9}, {"beta_sigma", 0.0}}},
  };
  for (const auto& [name, defaults] : expected) {
    QVERIFY2(methodRegistry().contains(name), name.c_str());
    const MethodInfo& info = methodRegistry().info(name);
    QVERIFY(!info.description.empty());
    QCOMPARE(info.hyperParameters.size(), defaults.size());
    for (const auto& h : info.hyperParameters) {
      QVERIFY2(defaults.count(h.name), h.name.c_str());
      QCOMPARE(h.defaultValue, defaults.at(h.name));
      QVERIFY(h.min <= h.defaultValue && h.defaultValue <= h.max);
      QVERIFY(!h.description.empty());
    }
  }
  // Ranges are inclusive and enforced by the registry.
  QVERIFY(makeMethod("dwa", 2, {{"temperature", 0.01}}) != nullptr);
  QVERIFY_THROWS_EXCEPTION(std::exception, makeMethod("dwa", 2, {{"temperature", 0.0}}));
  QVERIFY_THROWS_EXCEPTION(std::exception, makeMethod("db_mtl", 2, {{"beta", 1.0}}));
}

// s = -0.5: c = 1 / (2 e^-0.5) = e^0.5 / 2 = 0.8243606353500641 for every task;
// ds_t = 1/2 - L_t c: L = 2 gives -1.1487212707001282, L = 0.5 gives 0.08781968232496795.
void TestMethodsWeighting::uwWeightsAndLogVarianceGradient()
{
  auto uw = makeMethod("uw", 2);
  const auto params = uw->parameters();
  QCOMPARE(params.size(), size_t(1));
  const at::Tensor s = params[0];
  QVERIFY(s.requires_grad());
  COMPARE_VALUES(seesaw::test::values(s), (std::vector<double>{-0.5, -0.5}), 0);

  const std::vector<std::vector<double>> g = {{1, 2, 0}, {0, -1, 3}};
  const MethodOutput out = uw->combine(methodInput(g, {2.0, 0.5}));
  const double c = 0.8243606353500641;
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(out.weights, (std::vector<double>{c, c}), 1e-7);
  COMPARE_VALUES(out.taskScale, (std::vector<double>{c, c}), 1e-7);
  COMPARE_VALUES(seesaw::test::values(out.combined), (std::vector<double>{c, c, 3 * c}), 1e-6);
  COMPARE_VALUES(gradOf(s), (std::vector<double>{-1.1487212707001282, 0.08781968232496795}), 1e-6);
}

// s = (0, ln 2): c = (1/2, 1/4); L = (1, 4): ds = (1/2 - 1/2, 1/2 - 1) = (0, -1/2).
void TestMethodsWeighting::uwFollowsLearnedLogVariance()
{
  auto uw = makeMethod("uw", 2);
  const at::Tensor s = uw->parameters()[0];
  setValues(s, {0.0, std::log(2.0)});
  const MethodOutput out = uw->combine(methodInput({{1, 0}, {0, 1}}, {1.0, 4.0}));
  COMPARE_VALUES(out.weights, (std::vector<double>{0.5, 0.25}), 1e-7);
  COMPARE_VALUES(seesaw::test::values(out.combined), (std::vector<double>{0.5, 0.25}), 1e-7);
  COMPARE_VALUES(gradOf(s), (std::vector<double>{0.0, -0.5}), 1e-7);
}

void TestMethodsWeighting::uwFallbackLeavesNoGradient()
{
  auto uw = makeMethod("uw", 2);
  const at::Tensor s = uw->parameters()[0];
  uw->combine(methodInput({{1, 0}, {0, 1}}, {1.0, 1.0}));
  QVERIFY(s.grad().defined());

  // A NaN loss: equal weights, flagged, and no stale gradient for the optimizer to apply again.
  MethodOutput out = uw->combine(methodInput({{1, 0}, {0, 1}}, {kNaN, 1.0}));
  QVERIFY(out.flags & kMethodFallback);
  COMPARE_VALUES(out.weights, (std::vector<double>{1, 1}), 0);
  QVERIFY(!s.grad().defined());

  // A NaN gradient (and so a NaN Gram matrix).
  out = uw->combine(methodInput({{kNaN, 0}, {0, 1}}, {1.0, 1.0}));
  QVERIFY(out.flags & kMethodFallback);
  QVERIFY(allFinite(out.weights));
  QVERIFY(!s.grad().defined());

  // An s so negative that 1 / (2 e^s) overflows.
  setValues(s, {-1000.0, -0.5});
  out = uw->combine(methodInput({{1, 0}, {0, 1}}, {1.0, 1.0}));
  QVERIFY(out.flags & kMethodFallback);
  COMPARE_VALUES(out.weights, (std::vector<double>{1, 1}), 0);
  QVERIFY(!s.grad().defined());

  // Zero loss and zero gradient are ordinary: c as always, ds = 1/2.
  setValues(s, {-0.5, -0.5});
  out = uw->combine(methodInput({{0, 0}, {0, 1}}, {0.0, 0.0}));
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(out.weights, (std::vector<double>{0.8243606353500641, 0.8243606353500641}), 1e-7);
  COMPARE_VALUES(gradOf(s), (std::vector<double>{0.5, 0.5}), 1e-7);
}

// Epoch 1 averages (1,2,4) and (3,2,2) to (2,2,3); epoch 2 averages (1,1,3) and (1,3,3) to (1,2,3).
// Epoch 3: r = (1/2, 1, 1), r/2 = (0.25, 0.5, 0.5), lambda = 3 e^x / sum e^x
//   = (0.8407951960600039, 1.079602401969998, 1.079602401969998).
// Epoch 3's one finite step has losses (2,1,3) (a NaN step in it must not count), so epoch 4:
// r = (2/1, 1/2, 3/3), x = (1, 0.25, 0.5), lambda = (1.443072789760109, 0.6816593190533418,
// 0.8752678911865494).
void TestMethodsWeighting::dwaEqualWeightsThenSoftmaxOfEpochRatios()
{
  auto dwa = makeMethod("dwa", 3);
  const std::vector<std::vector<double>> g = {{1, 0}, {0, 1}, {1, 1}};
  int64_t step = 0;
  auto run = [&](std::vector<double> losses, int64_t epoch) { return dwa->combine(methodInput(g, std::move(losses), ++step, epoch)); };
  for (const auto& [losses, epoch] : std::vector<std::pair<std::vector<double>, int64_t>>{
           {{1, 2, 4}, 1}, {{3, 2, 2}, 1}, {{1, 1, 3}, 2}, {{1, 3, 3}, 2}}) {
    const MethodOutput out = run(losses, epoch);
    QCOMPARE(out.flags, 0u);
    COMPARE_VALUES(out.weights, (std::vector<double>{1, 1, 1}), 0);
  }
  const std::vector<double> epoch3 = {0.8407951960600039, 1.079602401969998, 1.079602401969998};
  MethodOutput out = run({2, 1, 3}, 3);
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(out.weights, epoch3, 1e-12);
  COMPARE_VALUES(out.taskScale, epoch3, 1e-12);
  COMPARE_VALUES(seesaw::test::values(out.combined), combination(g, epoch3), 1e-12);
  // Weights are constant within an epoch; a non-finite step falls back and is not averaged.
  out = run({kNaN, 100, 100}, 3);
  QVERIFY(out.flags & kMethodFallback);
  COMPARE_VALUES(out.weights, (std::vector<double>{1, 1, 1}), 0);
  out = run({2, 1, 3}, 3);
  COMPARE_VALUES(out.weights, epoch3, 1e-12);
  // Epoch 3's average is (2,1,3) from its two finite steps.
  out = run({5, 5, 5}, 4);
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(out.weights, (std::vector<double>{1.443072789760109, 0.6816593190533418, 0.8752678911865494}), 1e-12);
}

// Temperature 0.5 on the same epochs: epoch 3 x = r / 0.5 = (1, 2, 2) gives
// (0.4660872104908908, 1.2669563947545546, 1.2669563947545546); epoch 4 x = (4, 1, 2) gives
// (2.5313842034440186, 0.12603019840219817, 0.3425855981537834).
void TestMethodsWeighting::dwaTemperature()
{
  auto dwa = makeMethod("dwa", 3, {{"temperature", 0.5}});
  const std::vector<std::vector<double>> g = {{1, 0}, {0, 1}, {1, 1}};
  dwa->combine(methodInput(g, {1, 2, 4}, 1, 1));
  dwa->combine(methodInput(g, {3, 2, 2}, 2, 1));
  dwa->combine(methodInput(g, {1, 2, 3}, 3, 2));
  MethodOutput out = dwa->combine(methodInput(g, {2, 1, 3}, 4, 3));
  COMPARE_VALUES(out.weights, (std::vector<double>{0.4660872104908908, 1.2669563947545546, 1.2669563947545546}), 1e-12);
  out = dwa->combine(methodInput(g, {2, 1, 3}, 5, 4));
  COMPARE_VALUES(out.weights, (std::vector<double>{2.5313842034440186, 0.12603019840219817, 0.3425855981537834}), 1e-12);
  const double sum = std::accumulate(out.weights.begin(), out.weights.end(), 0.0);
  QVERIFY(std::abs(sum - 3.0) < 1e-12);
}

// LibMTL averages an epoch's losses weighted by batch size: epoch 1 has batches of 100 rows with
// losses (1, 4) and a short last one of 20 rows with (7, 1), so Lbar(1) = (100 + 140) / 120 = 2 and
// (400 + 20) / 120 = 3.5 (the plain mean of steps would give 4 and 2.5); epoch 2 one batch of
// 100 with (2, 7): r = (1, 2), x = r / 2 = (0.5, 1), lambda = 2 softmax(x) =
// (0.7550813375962908, 1.2449186624037092).
void TestMethodsWeighting::dwaWeighsBatchesByTheirRows()
{
  auto dwa = makeMethod("dwa", 2);
  const std::vector<std::vector<double>> g = {{1, 0}, {0, 1}};
  const auto step = [&](std::vector<double> losses, int64_t index, int64_t epoch, int64_t rows) {
    MethodInput in = methodInput(g, std::move(losses), index, epoch);
    in.batchSize = rows;
    return dwa->combine(in);
  };
  step({1, 4}, 1, 1, 100);
  step({7, 1}, 2, 1, 20);
  step({2, 7}, 3, 2, 100);
  const MethodOutput out = step({9, 9}, 4, 3, 100);
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(out.weights, (std::vector<double>{0.7550813375962908, 1.2449186624037092}), 1e-12);
}

void TestMethodsWeighting::dwaZeroAverageFallsBack()
{
  auto dwa = makeMethod("dwa", 2);
  const std::vector<std::vector<double>> g = {{1, 0}, {0, 1}};
  dwa->combine(methodInput(g, {0, 1}, 1, 1));
  dwa->combine(methodInput(g, {1, 1}, 2, 2));
  // r_0 = 1 / 0: no softmax is defined.
  MethodOutput out = dwa->combine(methodInput(g, {1, 1}, 3, 3));
  QVERIFY(out.flags & kMethodFallback);
  COMPARE_VALUES(out.weights, (std::vector<double>{1, 1}), 0);
  // Epoch 4 compares epochs 3 and 2, both (1, 1): the rule is defined again, r = (1, 1).
  out = dwa->combine(methodInput(g, {1, 1}, 4, 4));
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(out.weights, (std::vector<double>{1, 1}), 1e-12);
}

void TestMethodsWeighting::rlwWeightsOnSimplexAndReproducible()
{
  const std::vector<std::vector<double>> g = {{1, 0, 2}, {0, 1, -1}, {3, 1, 0}};
  auto first = makeMethod("rlw", 3, {}, 42);
  auto same = makeMethod("rlw", 3, {}, 42);
  auto other = makeMethod("rlw", 3, {}, 43);
  std::vector<double> previous;
  for (int step = 1; step <= 20; ++step) {
    const MethodInput in = methodInput(g, {1, 1, 1}, step);
    const MethodOutput a = first->combine(in), b = same->combine(in), c = other->combine(in);
    QCOMPARE(a.flags, 0u);
    double sum = 0;
    for (double w : a.weights) {
      QVERIFY(w > 0 && w < 1);
      sum += w;
    }
    QVERIFY(std::abs(sum - 1.0) < 1e-12);
    COMPARE_VALUES(a.taskScale, a.weights, 0);
    COMPARE_VALUES(seesaw::test::values(a.combined), combination(g, a.weights), 1e-12);
    COMPARE_VALUES(b.weights, a.weights, 0);
    QVERIFY(valueMismatch(c.weights, a.weights, 1e-6) != QString());
    if (!previous.empty()) QVERIFY(valueMismatch(a.weights, previous, 1e-6) != QString());
    previous = a.weights;
  }
  // Non-finite input: equal weights, flagged.
  const MethodOutput out = first->combine(methodInput(g, {kNaN, 1, 1}, 21));
  QVERIFY(out.flags & kMethodFallback);
  COMPARE_VALUES(out.weights, (std::vector<double>{1, 1, 1}), 0);
}

// g_1 = (3, 0), g_2 = (0, 4): norms 3 and 4.
// Step 1, L = (1, 2), p = 0: w = (1, 1), sigma = 1/2; Ltilde = (1, 1), r = (1, 1); G = (3, 4),
// target = mean G = 3.5; G - target = (-0.5, 0.5), a = sign * norm = (-3, 4), sum a w = 1;
// dp_j = a_j w_j - sigma_j sum a w = (-3 - 0.5, 4 - 0.5) = (-3.5, 3.5).
// Step 2 with p = (0, ln 3), L = (0.5, 2): sigma = (1/4, 3/4), w = (0.5, 1.5); Ltilde = (0.5, 1),
// r = (2/3, 4/3), r^1.5 = (0.5443310539518174, 1.5396007178390019); G = (1.5, 6), mean 3.75,
// target = (2.0412, 5.7735), G - target = (-0.54, +0.23), a = (-3, 4), sum a w = 4.5;
// dp = (-1.5 - 0.25 * 4.5, 6 - 0.75 * 4.5) = (-2.625, 2.625).
void TestMethodsWeighting::gradNormHandMadeSteps()
{
  auto gn = makeMethod("gradnorm", 2);
  const at::Tensor p = gn->parameters().at(0);
  COMPARE_VALUES(seesaw::test::values(p), (std::vector<double>{0, 0}), 0);
  const std::vector<std::vector<double>> g = {{3, 0}, {0, 4}};

  MethodOutput out = gn->combine(methodInput(g, {1.0, 2.0}, 1));
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(out.weights, (std::vector<double>{1, 1}), 1e-7);
  COMPARE_VALUES(out.taskScale, (std::vector<double>{1, 1}), 1e-7);
  COMPARE_VALUES(gradOf(p), (std::vector<double>{-3.5, 3.5}), 1e-6);

  setValues(p, {0.0, std::log(3.0)});
  out = gn->combine(methodInput(g, {0.5, 2.0}, 2));
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(out.weights, (std::vector<double>{0.5, 1.5}), 1e-6);
  COMPARE_VALUES(seesaw::test::values(out.combined), (std::vector<double>{1.5, 6.0}), 1e-5);
  COMPARE_VALUES(gradOf(p), (std::vector<double>{-2.625, 2.625}), 1e-5);
}

// The analytic dL_grad/dp against autograd through K softmax(p) on a random three-task case.
void TestMethodsWeighting::gradNormMatchesAutograd()
{
  at::manual_seed(7);
  const double alpha = 0.7;
  auto gn = makeMethod("gradnorm", 3, {{"alpha", alpha}});
  const at::Tensor p = gn->parameters().at(0);
  const at::Tensor rows = at::randn({3, 6}, at::kDouble);
  std::vector<std::vector<double>> g;
  for (int k = 0; k < 3; ++k) g.push_back(seesaw::test::values(rows[k]));
  const std::vector<double> first = {0.9, 0.4, 1.3}, second = {0.5, 0.35, 0.6};
  gn->combine(methodInput(g, first, 1));
  const std::vector<double> pv = {0.3, -0.2, 0.1};
  setValues(p, pv);
  const MethodOutput out = gn->combine(methodInput(g, second, 2));
  QCOMPARE(out.flags, 0u);

  const at::Tensor pr = at::tensor(pv, at::kDouble).set_requires_grad(true);
  const at::Tensor w = 3 * at::softmax(pr, 0);
  const at::Tensor G = w * rows.norm(2, at::IntArrayRef{1});
  const at::Tensor ltilde = at::tensor(second, at::kDouble) / at::tensor(first, at::kDouble);
  const at::Tensor target = (G.mean() * (ltilde / ltilde.mean()).pow(alpha)).detach();
  const at::Tensor loss = (G - target).abs().sum();
  const at::Tensor expected = torch::autograd::grad({loss}, {pr})[0];
  COMPARE_VALUES(gradOf(p), seesaw::test::values(expected), 1e-5);
  COMPARE_VALUES(out.weights, seesaw::test::values(w), 1e-6);
  // Softmax is shift-invariant, so the gradient sums to zero.
  const auto gp = gradOf(p);
  QVERIFY(std::abs(std::accumulate(gp.begin(), gp.end(), 0.0)) < 1e-5);
}

void TestMethodsWeighting::gradNormFallbacks()
{
  const std::vector<std::vector<double>> g = {{3, 0}, {0, 4}};
  {
    // A loss of 0 at the first step: no L_t(0) yet, so p stays; the weights are w, finite.
    auto gn = makeMethod("gradnorm", 2);
    const at::Tensor p = gn->parameters().at(0);
    MethodOutput out = gn->combine(methodInput(g, {0.0, 2.0}, 1));
    QVERIFY(out.flags & kMethodFallback);
    COMPARE_VALUES(out.weights, (std::vector<double>{1, 1}), 1e-7);
    QVERIFY(!p.grad().defined());
    // The task's first positive loss becomes its L_t(0): Ltilde = (1, 1) as in the hand-made step.
    out = gn->combine(methodInput(g, {1.0, 2.0}, 2));
    QCOMPARE(out.flags, 0u);
    COMPARE_VALUES(gradOf(p), (std::vector<double>{-3.5, 3.5}), 1e-6);
  }
  {
    // A zero and a tiny task gradient: no update of p, finite weights.
    auto gn = makeMethod("gradnorm", 2);
    const at::Tensor p = gn->parameters().at(0);
    MethodOutput out = gn->combine(methodInput({{3, 0}, {0, 0}}, {1.0, 1.0}, 1));
    QVERIFY(out.flags & kMethodFallback);
    COMPARE_VALUES(out.weights, (std::vector<double>{1, 1}), 1e-7);
    QVERIFY(!p.grad().defined());
    out = gn->combine(methodInput({{3, 0}, {0, 1e-14}}, {1.0, 1.0}, 2));
    QVERIFY(out.flags & kMethodFallback);
    QVERIFY(allFinite(out.weights));
    QVERIFY(!p.grad().defined());
    // All gradients zero.
    out = gn->combine(methodInput({{0, 0}, {0, 0}}, {1.0, 1.0}, 3));
    QVERIFY(out.flags & kMethodFallback);
    QVERIFY(allFinite(out.weights));
    QVERIFY(!p.grad().defined());
  }
  {
    // Tiny but comparable gradients are an ordinary case: p.grad scales with the norms.
    auto gn = makeMethod("gradnorm", 2);
    const at::Tensor p = gn->parameters().at(0);
    const MethodOutput out = gn->combine(methodInput({{3e-20, 0}, {0, 4e-20}}, {1.0, 2.0}, 1));
    QCOMPARE(out.flags, 0u);
    COMPARE_VALUES(gradOf(p), (std::vector<double>{-3.5e-20, 3.5e-20}), 1e-25);
  }
}

// A NaN step gives equal weights and no p.grad, and records no L_t(0): the next finite step is
// the first one.
void TestMethodsWeighting::gradNormNonFiniteStepKeepsState()
{
  auto gn = makeMethod("gradnorm", 2);
  const at::Tensor p = gn->parameters().at(0);
  const std::vector<std::vector<double>> g = {{3, 0}, {0, 4}};
  MethodOutput out = gn->combine(methodInput(g, {kNaN, 2.0}, 1));
  QVERIFY(out.flags & kMethodFallback);
  COMPARE_VALUES(out.weights, (std::vector<double>{1, 1}), 0);
  QVERIFY(!p.grad().defined());
  out = gn->combine(methodInput({{kNaN, 0}, {0, 4}}, {1.0, 2.0}, 2));
  QVERIFY(out.flags & kMethodFallback);
  QVERIFY(!p.grad().defined());
  out = gn->combine(methodInput(g, {1.0, 2.0}, 3));
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(gradOf(p), (std::vector<double>{-3.5, 3.5}), 1e-6);
}

// beta = 0.9, buffers start at zero (LibMTL). Step 1: g = ((3,4), (1,0)), L = (1, 0.5);
// log-loss gradients (3,4)/(1+1e-8) and (1,0)/(0.5+1e-8) = (2,0); gb = 0.1 of them = (0.3,0.4),
// (0.2,0); norms 0.5, 0.2; alpha = (1, 2.5); combined = (0.3,0.4) + 2.5 (0.2,0) = (0.8, 0.4);
// weights alpha (1 - beta) / (L + 1e-8) = (0.1, 0.5).
// Step 2: g = ((0,1), (2,2)), L = (2, 1): gb_1 = 0.1 (0,0.5) + 0.9 (0.3,0.4) = (0.27, 0.41),
// gb_2 = 0.1 (2,2) + 0.9 (0.2,0) = (0.38, 0.2); norms sqrt(0.241), sqrt(0.1844);
// alpha = (1, 1.1432153963613958); weights = (0.05, 0.11432153849292417);
// combined = (0.7044218415153243, 0.6386430731358484). (Values with the 1e-8 kept exactly.)
void TestMethodsWeighting::dbMtlFirstStepAndAverage()
{
  auto db = makeMethod("db_mtl", 2);
  QVERIFY(db->parameters().empty());
  MethodOutput out = db->combine(methodInput({{3, 4}, {1, 0}}, {1.0, 0.5}, 1));
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(seesaw::test::values(out.combined), (std::vector<double>{0.799999992, 0.399999996}), 1e-12);
  COMPARE_VALUES(out.weights, (std::vector<double>{0.09999999899999999, 0.4999999949999999}), 1e-12);
  COMPARE_VALUES(out.taskScale, (std::vector<double>{1 / (1 + 1e-8), 1 / (0.5 + 1e-8)}), 1e-12);
  // The first step is (1 - beta) times the max-norm sum of g_t / (L_t + 1e-8).
  COMPARE_VALUES(seesaw::test::values(out.combined),
                 combination({{3, 4}, {1, 0}}, {0.1 * 1.0 / (1 + 1e-8), 0.1 * 2.500000025 / (0.5 + 1e-8)}), 1e-12);

  out = db->combine(methodInput({{0, 1}, {2, 2}}, {2.0, 1.0}, 2));
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(seesaw::test::values(out.combined), (std::vector<double>{0.7044218415153243, 0.6386430731358484}), 1e-12);
  COMPARE_VALUES(out.weights, (std::vector<double>{0.04999999974999999, 0.11432153849292417}), 1e-12);
}

// beta_sigma = 1: b_n = 0.9 / n, so step 1 is as above and step 2 uses b = 0.45:
// gb_1 = 0.55 (0,0.5) + 0.45 (0.3,0.4) = (0.135, 0.455), gb_2 = 0.55 (2,2) + 0.45 (0.2,0)
// = (1.19, 1.1); alpha = (3.4144694287043813, 1); combined = (1.650953355465558, 2.6535835682195534).
void TestMethodsWeighting::dbMtlBetaSigma()
{
  auto db = makeMethod("db_mtl", 2, {{"beta_sigma", 1.0}});
  db->combine(methodInput({{3, 4}, {1, 0}}, {1.0, 0.5}, 1));
  const MethodOutput out = db->combine(methodInput({{0, 1}, {2, 2}}, {2.0, 1.0}, 2));
  COMPARE_VALUES(seesaw::test::values(out.combined), (std::vector<double>{1.650953355465558, 2.6535835682195534}), 1e-12);
  COMPARE_VALUES(out.weights, (std::vector<double>{0.9389790881988096, 0.5499999945000001}), 1e-12);
}

void TestMethodsWeighting::dbMtlZeroAndTinyGradients()
{
  {
    // A zero task gradient: no direction to rescale, alpha = 1, flagged; the other task is
    // the largest and keeps alpha = 1 too: combined = 0.1 g_1 / (1 + 1e-8).
    auto db = makeMethod("db_mtl", 2);
    const MethodOutput out = db->combine(methodInput({{3, 4}, {0, 0}}, {1.0, 1.0}, 1));
    QVERIFY(out.flags & kMethodFallback);
    QVERIFY(allFinite(out.weights));
    COMPARE_VALUES(seesaw::test::values(out.combined), (std::vector<double>{0.3 / (1 + 1e-8), 0.4 / (1 + 1e-8)}), 1e-12);
  }
  {
    // Tiny relative to the other task: flagged, not blown up to the largest norm.
    auto db = makeMethod("db_mtl", 2);
    const MethodOutput out = db->combine(methodInput({{3, 4}, {0, 1e-14}}, {1.0, 1.0}, 1));
    QVERIFY(out.flags & kMethodFallback);
    QVERIFY(allFinite(out.weights));
    QVERIFY(std::abs(seesaw::test::values(out.combined)[1] - 0.4 / (1 + 1e-8)) < 1e-12);
  }
  {
    // All gradients tiny but comparable: an ordinary case, rescaled to the largest.
    auto db = makeMethod("db_mtl", 2);
    const MethodOutput out = db->combine(methodInput({{3e-30, 4e-30}, {1e-30, 0}}, {1.0, 1.0}, 1));
    QCOMPARE(out.flags, 0u);
    COMPARE_VALUES(out.weights, (std::vector<double>{0.1 / (1 + 1e-8), 0.5 / (1 + 1e-8)}), 1e-12);
  }
  {
    // All gradients zero.
    auto db = makeMethod("db_mtl", 2);
    const MethodOutput out = db->combine(methodInput({{0, 0}, {0, 0}}, {1.0, 1.0}, 1));
    QVERIFY(out.flags & kMethodFallback);
    QVERIFY(allFinite(out.weights));
    COMPARE_VALUES(seesaw::test::values(out.combined), (std::vector<double>{0, 0}), 0);
  }
  {
    // A loss of 0 is defined (log(1e-8)): its gradient is scaled by 1e8, finite.
    auto db = makeMethod("db_mtl", 2);
    const MethodOutput out = db->combine(methodInput({{3, 4}, {1, 0}}, {0.0, 1.0}, 1));
    QCOMPARE(out.flags, 0u);
    QVERIFY(allFinite(out.weights));
    COMPARE_VALUES(out.taskScale, (std::vector<double>{1e8, 1 / (1 + 1e-8)}), 1e-3);
    // A negative loss below -1e-8 has no log: plain sum, flagged.
    const MethodOutput bad = db->combine(methodInput({{3, 4}, {1, 0}}, {-1.0, 1.0}, 2));
    QVERIFY(bad.flags & kMethodFallback);
    COMPARE_VALUES(bad.weights, (std::vector<double>{1, 1}), 0);
    COMPARE_VALUES(seesaw::test::values(bad.combined), (std::vector<double>{4, 4}), 0);
  }
}

// Steps 1 and 2 of dbMtlFirstStepAndAverage with NaN steps in between give the same update as
// without them: the buffers and the update count are untouched by a NaN step.
void TestMethodsWeighting::dbMtlNonFiniteStepKeepsState()
{
  auto db = makeMethod("db_mtl", 2, {{"beta_sigma", 1.0}});
  db->combine(methodInput({{3, 4}, {1, 0}}, {1.0, 0.5}, 1));
  MethodOutput out = db->combine(methodInput({{kNaN, 4}, {1, 0}}, {1.0, 0.5}, 2));
  QVERIFY(out.flags & kMethodFallback);
  COMPARE_VALUES(out.weights, (std::vector<double>{1, 1}), 0);
  out = db->combine(methodInput({{3, 4}, {1, 0}}, {1.0, kNaN}, 3));
  QVERIFY(out.flags & kMethodFallback);
  QVERIFY(out.taskScale.empty());
  out = db->combine(methodInput({{0, 1}, {2, 2}}, {2.0, 1.0}, 4));
  QCOMPARE(out.flags, 0u);
  COMPARE_VALUES(seesaw::test::values(out.combined), (std::vector<double>{1.650953355465558, 2.6535835682195534}), 1e-12);
}

QTEST_APPLESS_MAIN(TestMethodsWeighting)
#include "tst_methods_weighting.moc"
