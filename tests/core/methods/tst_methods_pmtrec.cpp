// PMTRec's per-row weights against hand-computed softmaxes: the large-tau and small-tau limits,
// task focusing, rows the batch did not reach, and the batch's rows alone. Its fallbacks on
// degenerate gradients are with the other methods' in tst_methods_surgery.cpp.

#include <QtTest>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <random>

#include "tests/core/method_inputs.h"
#include "methods/gradient_method.h"

using namespace seesaw;
using namespace seesaw::test;

namespace {

std::vector<double> slice(const std::vector<double>& v, size_t from, size_t n)
{
  return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(from + n));
}

std::vector<double> softmax(std::vector<double> x)
{
  const double top = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (double& v : x) sum += v = std::exp(v - top);
  for (double& v : x) v /= sum;
  return x;
}

}  // namespace

class TestMethodsPmtrec : public QObject
{
  Q_OBJECT
private Q_SLOTS:

  void pmtrecLargeTauAverages()
  {
    std::mt19937_64 rng(5);
    Rows g = randomRows(rng, 3, kP);
    for (auto& r : g)
      for (double& x : r) x *= 1e-3;  // norms ~1e-3 against tau = 1e3: the softmax is flat to 1e-6
    const MethodInput in = pmtrecInput(g);
    const MethodOutput out = makeMethod("pmtrec", 3, {{"tau", 1e3}, {"alpha", 1.0}})->combine(in);
    const std::vector<double> c = values(out.combined);
    for (int p = 0; p < kP; ++p) {
      const double sum = g[0][p] + g[1][p] + g[2][p];
      const double expected = p < 10 ? sum / 3 : sum;  // rows averaged, dense coordinates summed
      QVERIFY2(std::fabs(c[p] - expected) < 1e-9, qPrintable(QString("coordinate %1").arg(p)));
    }
    QCOMPARE(out.userWeights.size(0), int64_t(3));
    QCOMPARE(out.userWeights.size(1), int64_t(3));
    COMPARE_SCALED(values(out.userWeights), std::vector<double>(9, 1.0 / 3), 1e-6);
    COMPARE_SCALED(out.weights, std::vector<double>(3, 1.0 / 3), 1e-6);
    QCOMPARE(out.flags, 0u);
  }

  void pmtrecSmallTauPicksLargestRow()
  {
    // Per row a different task has the largest norm.
    const Rows g = {{3, 0, 1, 1, 0, 0.1, 1, 1, 0, 1, 5, 6},
                    {1, 1, 2, 2, 0.2, 0, 0, 2, 0.5, 0.5, 7, 8},
                    {0, 1, 0, 0, 1, 1, 1.5, 0, 0.1, 0, 9, 10}};
    const MethodOutput out = makeMethod("pmtrec", 3, {{"tau", 1e-8}, {"alpha", 1.0}})->combine(pmtrecInput(g));
    const std::vector<int> winner = {0, 1, 2, 1, 0};  // users 0-2, items 0-1
    std::vector<double> expected;
    for (int row = 0; row < 5; ++row) {
      const auto r = slice(g[winner[row]], 2 * row, 2);
      expected.insert(expected.end(), r.begin(), r.end());
    }
    expected.push_back(21);
    expected.push_back(24);
    COMPARE_SCALED(values(out.combined), expected, 1e-14);
    COMPARE_SCALED(values(out.userWeights), std::vector<double>({1, 0, 0, 0, 1, 0, 0, 0, 1}), 1e-14);
    COMPARE_SCALED(out.weights, std::vector<double>(3, 1.0 / 3), 1e-14);
    QVERIFY(allFinite(values(out.userWeights)));
  }

  void pmtrecFocusBoostsMainTask_data()
  {
    QTest::addColumn<int>("mainTask");
    QTest::addColumn<int>("epoch");
    QTest::newRow("main 0, epoch 1") << 0 << 1;
    QTest::newRow("main 0, epoch 4") << 0 << 4;
    QTest::newRow("main 1, epoch 3") << 1 << 3;
  }
  void pmtrecFocusBoostsMainTask()
  {
    QFETCH(int, mainTask);
    QFETCH(int, epoch);
    // Both tasks have norm 1 on user 0 and norm 2 / 0.5 on user 1.
    Rows g(2, std::vector<double>(kP, 0.0));
    g[0][0] = 0.6, g[0][1] = 0.8, g[1][0] = 1;
    g[0][2] = 2, g[1][3] = -0.5;
    const double alpha = 1.5, tau = 0.7;
    const MethodOutput out =
        makeMethod("pmtrec", 2, {{"main_task", mainTask}, {"alpha", alpha}, {"tau", tau}})->combine(pmtrecInput(g, epoch));
    const double boost = std::pow(alpha, epoch);
    std::vector<double> n0 = {1, 1}, n1 = {2, 0.5};
    n0[mainTask] *= boost;
    n1[mainTask] *= boost;
    const auto w0 = softmax({n0[0] / tau, n0[1] / tau}), w1 = softmax({n1[0] / tau, n1[1] / tau});
    const auto w2 = softmax({0, 0});  // user 2: untouched
    COMPARE_SCALED(values(out.userWeights), std::vector<double>({w0[0], w0[1], w1[0], w1[1], w2[0], w2[1]}), 1e-12);
    QVERIFY(out.userWeights[0][mainTask].item<double>() > 0.5);
    const std::vector<double> c = values(out.combined);
    COMPARE_SCALED(slice(c, 0, 4), std::vector<double>({w0[0] * 0.6 + w0[1], w0[0] * 0.8, w1[0] * 2, -0.5 * w1[1]}), 1e-12);
    // Global weights: the mean over the two touched users.
    COMPARE_SCALED(out.weights, std::vector<double>({(w0[0] + w1[0]) / 2, (w0[1] + w1[1]) / 2}), 1e-12);
  }

  void pmtrecUntouchedRowsAndItems()
  {
    // User 1 and item 0 have no gradient from any task; dense coordinates are summed.
    Rows g(2, std::vector<double>(kP, 0.0));
    g[0][0] = 1, g[1][1] = 3;            // user 0: norms 1, 3
    g[0][4] = 2, g[1][5] = 2;            // user 2: norms 2, 2
    g[0][8] = 0.5, g[1][9] = -1;         // item 1: norms 0.5, 1
    g[0][10] = 1, g[1][10] = 2, g[1][11] = -4;
    const MethodOutput out = makeMethod("pmtrec", 2, {{"alpha", 1.0}, {"tau", 1.0}})->combine(pmtrecInput(g));
    const auto u0 = softmax({1, 3}), u2 = softmax({2, 2}), i1 = softmax({0.5, 1});
    COMPARE_SCALED(values(out.userWeights), std::vector<double>({u0[0], u0[1], 0.5, 0.5, u2[0], u2[1]}), 1e-12);
    COMPARE_SCALED(values(out.combined),
                   std::vector<double>({u0[0], 3 * u0[1], 0, 0, 2 * u2[0], 2 * u2[1], 0, 0, 0.5 * i1[0], -i1[1], 3, -4}), 1e-12);
    COMPARE_SCALED(out.weights, std::vector<double>({(u0[0] + u2[0]) / 2, (u0[1] + u2[1]) / 2}), 1e-12);
    QCOMPARE(out.flags, 0u);
    QCOMPARE(out.userWeights.size(0), int64_t(3));  // one row per user, touched or not
  }

  void pmtrecWeighsOnlyTheBatchRowsAlike()
  {
    // Given the batch's rows (repeats included), only those are weighed; as rows outside the
    // batch have no gradient, the result is the same as weighing every row.
    Rows g(2, std::vector<double>(kP, 0.0));
    g[0][0] = 1, g[1][1] = 3;     // user 0
    g[0][4] = 2, g[1][5] = -2;    // user 2
    g[0][8] = 0.5, g[1][9] = -1;  // item 1
    g[0][10] = 1, g[1][11] = -4;
    auto method = makeMethod("pmtrec", 2, {{"alpha", 1.0}, {"tau", 0.7}});
    const MethodOutput every = method->combine(pmtrecInput(g));
    MethodInput batch = pmtrecInput(g);
    batch.userRows.batchRows = at::tensor({2, 0, 2}, at::kLong);
    batch.itemRows.batchRows = at::tensor({1, 1, 1}, at::kLong);
    const MethodOutput some = method->combine(batch);
    COMPARE_SCALED(values(some.combined), values(every.combined), 1e-15);
    COMPARE_SCALED(values(some.userWeights), values(every.userWeights), 1e-15);
    COMPARE_SCALED(some.weights, every.weights, 1e-15);
    QCOMPARE(some.flags, every.flags);
  }

  void pmtrecWithoutTables()
  {
    // No embedding tables: everything is summed, weights 1, no per-user weights.
    const MethodInput in = methodInput({{1, 2}, {3, -4}});
    const MethodOutput out = makeMethod("pmtrec", 2)->combine(in);
    COMPARE_SCALED(values(out.combined), std::vector<double>({4, -2}), 1e-15);
    COMPARE_SCALED(out.weights, std::vector<double>({1, 1}), 1e-15);
    QVERIFY(!out.userWeights.defined());
    QCOMPARE(out.flags, 0u);
  }

  void pmtrecHugeBoostStaysFinite()
  {
    Rows g(2, std::vector<double>(kP, 0.0));
    g[0][0] = 1e-3, g[1][1] = 1e3;
    const MethodOutput out = makeMethod("pmtrec", 2, {{"alpha", 2.0}, {"tau", 1e-8}})->combine(pmtrecInput(g, 5000));
    QVERIFY(allFinite(values(out.userWeights)));
    QVERIFY(allFinite(values(out.combined)));
    QCOMPARE(out.userWeights[0][0].item<double>(), 1.0);  // the main task takes the row
  }
};

QTEST_APPLESS_MAIN(TestMethodsPmtrec)
#include "tst_methods_pmtrec.moc"
