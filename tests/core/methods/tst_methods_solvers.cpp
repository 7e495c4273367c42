// The methods that solve a small problem on the Gram matrix (MGDA, CAGrad, IMTL-G, Nash-MTL,
// Aligned-MTL): each solution checked against its own definition (brute force over the simplex,
// optimality conditions, hand cases), convergence on random and degenerate inputs, and no NaN.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "tests/core/method_inputs.h"
#include "methods/gram.h"

using seesaw::kMethodFallback;
using seesaw::MethodInput;
using seesaw::MethodOutput;
using seesaw::test::makeMethod;
using seesaw::test::methodInput;
using seesaw::test::values;

namespace {

using Rows = std::vector<std::vector<double>>;

double gramAt(const MethodInput& in, int i, int j)
{
  const auto K = static_cast<int>(in.losses.size());
  return in.gram[static_cast<size_t>(i * K + j)];
}

double quad(const MethodInput& in, const std::vector<double>& a, const std::vector<double>& b)
{
  const auto K = static_cast<int>(in.losses.size());
  double s = 0;
  for (int i = 0; i < K; ++i)
    for (int j = 0; j < K; ++j) s += a[i] * gramAt(in, i, j) * b[j];
  return s;
}

double largestSquared(const MethodInput& in)
{
  double m = 0;
  for (int t = 0; t < static_cast<int>(in.losses.size()); ++t) m = std::max(m, gramAt(in, t, t));
  return m;
}

bool allFinite(const MethodOutput& out)
{
  for (double w : out.weights)
    if (!std::isfinite(w)) return false;
  for (double w : out.taskScale)
    if (!std::isfinite(w)) return false;
  return at::isfinite(out.combined).all().item<bool>();
}

// The combined gradient must be the weights applied to the task gradients.
void checkCombined(const MethodInput& in, const MethodOutput& out)
{
  const std::vector<double> got = values(out.combined);
  const at::Tensor expected = at::matmul(at::tensor(out.weights, at::kDouble), in.taskGradients);
  const std::vector<double> want = values(expected);
  QCOMPARE(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) QVERIFY(std::abs(got[i] - want[i]) <= 1e-12 * (1 + std::abs(want[i])));
}

Rows randomRows(std::mt19937_64& rng, int K, int P, double spread = 1.0)
{
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> logScale(-spread, spread);
  Rows rows(static_cast<size_t>(K), std::vector<double>(static_cast<size_t>(P)));
  for (auto& r : rows) {
    const double s = std::pow(10.0, logScale(rng));
    for (double& x : r) x = s * normal(rng);
  }
  return rows;
}

// Random cases of every degenerate kind the methods meet in training.
std::vector<Rows> randomCases(uint64_t seed)
{
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<Rows> cases;
  for (int n = 0; n < 36; ++n) {
    const int K = 2 + n % 4;
    const int P = (n % 3 == 0) ? K - 1 + static_cast<int>(n % 2) : 8;  // some with P < K: singular Gram
    Rows rows = randomRows(rng, K, std::max(1, P), n % 2 ? 2.0 : 0.3);
    switch (n % 6) {
      case 1:  // near-collinear pair
        for (size_t p = 0; p < rows[0].size(); ++p) rows[1][p] = 2.0 * rows[0][p] + 1e-7 * normal(rng);
        break;
      case 2:  // duplicated
        rows[1] = rows[0];
        break;
      case 3:  // a zero task
        std::fill(rows.back().begin(), rows.back().end(), 0.0);
        break;
      case 4:  // a tiny task
        for (double& x : rows[0]) x *= 1e-12;
        break;
      case 5:  // opposed pair
        for (size_t p = 0; p < rows[0].size(); ++p) rows[1][p] = -0.5 * rows[0][p];
        break;
      default:
        break;
    }
    cases.push_back(rows);
  }
  return cases;
}

// CAGrad's weight-problem objective, on the raw Gram.
double cagradObjective(const MethodInput& in, const std::vector<double>& w, double calpha)
{
  const auto K = static_cast<int>(in.losses.size());
  const std::vector<double> mean(K, 1.0 / K);
  const double c = calpha * std::sqrt(std::max(0.0, quad(in, mean, mean)));
  return quad(in, w, mean) + c * std::sqrt(std::max(0.0, quad(in, w, w)));
}

// CAGrad's coefficients are (1 + K lambda w_t) / rescale: recover w on the simplex.
std::vector<double> cagradWeights(const std::vector<double>& c, double divisor)
{
  std::vector<double> w(c.size());
  double sum = 0;
  for (size_t t = 0; t < c.size(); ++t) sum += (w[t] = c[t] * divisor - 1);
  for (double& x : w) x /= sum;
  return w;
}

}  // namespace

class TestMethodsSolvers : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void mgdaTwoOrthogonalUnits();
  void mgdaVertexAndInteriorGradient();
  void mgdaMatchesGrid();
  void mgdaNormalizations();
  void mgdaUpperBoundSolvesOnTheRepresentation();
  void cagradZeroAlphaIsEw();
  void cagradBeatsCornersAndGrid();
  void cagradOriginInHullFallsBackToMean();
  void nashSatisfiesBargainingCondition();
  void nashClipsTheUpdate();
  void imtlEqualProjections();
  void alignedOrthogonalDifferentNorms();
  void alignedDuplicated();
  void solversConvergeOnRandomInputs();
  void degenerateInputsStayFinite();
};

void TestMethodsSolvers::mgdaTwoOrthogonalUnits()
{
  auto mgda = makeMethod("mgda", 2);
  const MethodInput in = methodInput({{1, 0}, {0, 1}});
  const MethodOutput out = mgda->combine(in);
  QCOMPARE(out.flags, 0u);
  QVERIFY(std::abs(out.weights[0] - 0.5) < 1e-12);
  QVERIFY(std::abs(out.weights[1] - 0.5) < 1e-12);
  checkCombined(in, out);
}

void TestMethodsSolvers::mgdaVertexAndInteriorGradient()
{
  // The nearest point of the hull to the origin is the vertex g1 itself.
  auto mgda = makeMethod("mgda", 3, {{"tolerance", 1e-12}});
  MethodInput in = methodInput({{1, 0}, {2, 1}, {2, -1}});
  MethodOutput out = mgda->combine(in);
  QVERIFY(std::abs(out.weights[0] - 1) < 1e-12);
  QVERIFY(std::abs(out.weights[1]) < 1e-12 && std::abs(out.weights[2]) < 1e-12);

  // g3 lies inside the hull of g1 and g2 (their midpoint): the min-norm point is that of g1, g2.
  in = methodInput({{3, 1}, {-1, 1}, {1, 1}});
  out = mgda->combine(in);
  const std::vector<double> d = values(out.combined);
  // Hull of (3,1) and (-1,1) is the segment y = 1: nearest point (0, 1).
  QVERIFY(std::abs(d[0]) < 1e-5);
  QVERIFY(std::abs(d[1] - 1) < 1e-9);
  double sum = 0;
  for (double w : out.weights) {
    QVERIFY(w >= 0);
    sum += w;
  }
  QVERIFY(std::abs(sum - 1) < 1e-12);
}

void TestMethodsSolvers::mgdaMatchesGrid()
{
  std::mt19937_64 rng(7);
  const int steps = 300;
  for (int n = 0; n < 24; ++n) {
    const int P = n % 2 ? 2 : 5;  // P = 2: three gradients in a plane, often with the origin near
    const MethodInput in = methodInput(randomRows(rng, 3, P, 0.5));
    double gridBest = INFINITY;
    for (int i = 0; i <= steps; ++i)
      for (int j = 0; i + j <= steps; ++j) {
        const std::vector<double> w{double(i) / steps, double(j) / steps, double(steps - i - j) / steps};
        gridBest = std::min(gridBest, quad(in, w, w));
      }
    for (double tolerance : {1e-5, 1e-12}) {
      auto mgda = makeMethod("mgda", 3, {{"tolerance", tolerance}});
      const MethodOutput out = mgda->combine(in);
      QCOMPARE(out.flags, 0u);
      checkCombined(in, out);
      double sum = 0;
      for (double w : out.weights) {
        QVERIFY(w >= 0);
        sum += w;
      }
      QVERIFY(std::abs(sum - 1) < 1e-12);
      const double value = quad(in, out.weights, out.weights);
      const double scale = largestSquared(in);
      // Never worse than the grid beyond the stated tolerance (the gap bounds twice the excess)...
      QVERIFY2(value <= gridBest + 2 * tolerance * scale + 1e-14 * scale, qPrintable(QString::number(value - gridBest)));
      // ...and the grid, fine enough, is close to the true minimum.
      QVERIFY(gridBest - value <= 1e-3 * scale);
    }
  }
}

void TestMethodsSolvers::mgdaNormalizations()
{
  // l2 and loss both turn (2,0), (0,1) with losses (2,1) into orthogonal unit gradients:
  // w = (1/2, 1/2), and the coefficients are w_t / n_t.
  const MethodInput in = methodInput({{2, 0}, {0, 1}}, {2, 1});
  for (int normalize : {1, 2}) {
    auto mgda = makeMethod("mgda", 2, {{"normalize", normalize}});
    const MethodOutput out = mgda->combine(in);
    QCOMPARE(out.flags, 0u);
    QVERIFY(std::abs(out.weights[0] - 0.25) < 1e-12);
    QVERIFY(std::abs(out.weights[1] - 0.5) < 1e-12);
  }
  // loss+: n = (4, 1), normalized gradients (1/2, 0) and (0, 1): w = (4/5, 1/5), c = (1/5, 1/5).
  auto mgda = makeMethod("mgda", 2, {{"normalize", 3}});
  const MethodOutput out = mgda->combine(in);
  QVERIFY(std::abs(out.weights[0] - 0.2) < 1e-12);
  QVERIFY(std::abs(out.weights[1] - 0.2) < 1e-12);
  // A zero loss has no normalizer: unnormalized, flagged.
  const MethodOutput zeroLoss = makeMethod("mgda", 2, {{"normalize", 2}})->combine(methodInput({{2, 0}, {0, 1}}, {0, 1}));
  QVERIFY(zeroLoss.flags & kMethodFallback);
  QVERIFY(std::abs(zeroLoss.weights[0] - 0.2) < 1e-12);  // min-norm of (2,0), (0,1): w = (1/5, 4/5)
  QVERIFY(std::abs(zeroLoss.weights[1] - 0.8) < 1e-12);
}

void TestMethodsSolvers::mgdaUpperBoundSolvesOnTheRepresentation()
{
  // Parameter gradients (1, 0) and (0, 1) would give 1/2 each; on the representation the task
  // gradients are (2, 0) and (0, 1), whose min-norm point (2 w, 1 - w) has w = 1/5, and the
  // weights apply to the parameter gradients.
  MethodInput in = methodInput({{1, 0}, {0, 1}});
  in.representationGram = {4, 0, 0, 1};
  auto ub = makeMethod("mgda", 2, {{"ub", 1}});
  QVERIFY(ub->needsRepresentationGram());
  QVERIFY(!makeMethod("mgda", 2)->needsRepresentationGram());
  const MethodOutput out = ub->combine(in);
  QCOMPARE(out.flags, 0u);
  QVERIFY(std::abs(out.weights[0] - 0.2) < 1e-12);
  QVERIFY(std::abs(out.weights[1] - 0.8) < 1e-12);
  checkCombined(in, out);
  // A NaN on the representation is no rule: the flagged equal-weight fallback.
  in.representationGram[3] = NAN;
  QVERIFY(ub->combine(in).flags & kMethodFallback);
}

void TestMethodsSolvers::cagradZeroAlphaIsEw()
{
  std::mt19937_64 rng(3);
  for (int K : {2, 3, 5, 7}) {
    for (int rescale : {0, 1, 2}) {
      auto cagrad = makeMethod("cagrad", K, {{"calpha", 0}, {"rescale", rescale}});
      auto ew = makeMethod("ew", K);
      const MethodInput in = methodInput(randomRows(rng, K, 6));
      const MethodOutput out = cagrad->combine(in);
      const MethodOutput ref = ew->combine(in);
      QCOMPARE(out.flags, 0u);
      QCOMPARE(out.weights, ref.weights);
      QVERIFY(at::equal(out.combined, ref.combined));
    }
  }
}

void TestMethodsSolvers::cagradBeatsCornersAndGrid()
{
  std::mt19937_64 rng(11);
  const int steps = 200;
  for (int n = 0; n < 24; ++n) {
    const double calpha = 0.2 + 0.25 * (n % 4);  // below 1: the minimizer never has gw = 0
    const MethodInput in = methodInput(randomRows(rng, 3, n % 2 ? 2 : 6, 0.5));
    auto cagrad = makeMethod("cagrad", 3, {{"calpha", calpha}, {"rescale", 1}});
    const MethodOutput out = cagrad->combine(in);
    QCOMPARE(out.flags, 0u);
    checkCombined(in, out);
    const std::vector<double> w = cagradWeights(out.weights, 1 + calpha * calpha);
    for (double x : w) QVERIFY(x >= -1e-12);
    const double value = cagradObjective(in, w, calpha);
    const double slack = 1e-9 * largestSquared(in);
    for (int t = 0; t < 3; ++t) {
      std::vector<double> e(3, 0.0);
      e[t] = 1;
      QVERIFY(value <= cagradObjective(in, e, calpha) + slack);
    }
    double gridBest = INFINITY;
    for (int i = 0; i <= steps; ++i)
      for (int j = 0; i + j <= steps; ++j)
        gridBest = std::min(gridBest, cagradObjective(in, {double(i) / steps, double(j) / steps, double(steps - i - j) / steps}, calpha));
    QVERIFY2(value <= gridBest + slack, qPrintable(QString::number(value - gridBest)));
    QVERIFY(gridBest - value <= 1e-3 * largestSquared(in));

    // d = g0 + c / |gw| gw: |K d - K g0| = K c (before the rescale).
    const std::vector<double> mean(3, 1.0 / 3);
    const double c = calpha * std::sqrt(quad(in, mean, mean));
    std::vector<double> shift(3);
    for (int t = 0; t < 3; ++t) shift[t] = out.weights[t] * (1 + calpha * calpha) - 1;
    QVERIFY(std::abs(std::sqrt(quad(in, shift, shift)) - 3 * c) <= 1e-9 * (1 + 3 * c));
  }
}

void TestMethodsSolvers::cagradOriginInHullFallsBackToMean()
{
  // Three gradients around the origin and calpha >= 1: the weight problem's minimum is at gw = 0,
  // where d has no direction; the update is K g0 / (1 + calpha^2), flagged.
  const MethodInput in = methodInput({{1, 0}, {-1, 1}, {-1, -1.5}});
  const MethodOutput out = makeMethod("cagrad", 3, {{"calpha", 2}})->combine(in);
  QVERIFY(out.flags & kMethodFallback);
  for (double c : out.weights) QVERIFY(std::abs(c - 0.2) < 1e-12);
}

void TestMethodsSolvers::nashSatisfiesBargainingCondition()
{
  std::mt19937_64 rng(5);
  for (int n = 0; n < 40; ++n) {
    const int K = 2 + n % 4;
    Rows rows = randomRows(rng, K, 10, 1.0);
    // Keep a common ascent direction so the solution exists: shift every gradient along e_0.
    for (auto& r : rows) r[0] = std::abs(r[0]) + 0.5 * std::sqrt(std::inner_product(r.begin(), r.end(), r.begin(), 0.0));
    const MethodInput in = methodInput(rows);
    auto nash = makeMethod("nash_mtl", K, {{"max_norm", 0}});
    const MethodOutput out = nash->combine(in);
    QCOMPARE(out.flags, 0u);
    checkCombined(in, out);
    QCOMPARE(out.taskScale, out.weights);
    // The reference's scale (LibMTL, the authors): the condition holds for M itself.
    for (int t = 0; t < K; ++t) {
      QVERIFY(out.weights[t] > 0);
      double Ma = 0;
      for (int j = 0; j < K; ++j) Ma += gramAt(in, t, j) * out.weights[j];
      QVERIFY2(std::abs(out.weights[t] * Ma - 1) <= 1e-10, qPrintable(QString::number(out.weights[t] * Ma - 1)));
      QVERIFY(std::abs(Ma - 1 / out.weights[t]) <= 1e-9 / out.weights[t]);
    }
  }
  // Hand-made Grams whose fixed point is known: orthogonal gradients of norms 2 and 1 (M = diag(4, 1),
  // alpha_t = 1 / |g_t| = (0.5, 1)); two unit-free gradients with M = [[2, 1], [1, 2]] (alpha equal,
  // 3 a^2 = 1, a = 1/sqrt(3)); and the same scaled by 10 (M times 100, alpha / 10): the
  // normalization does not leak into the weights.
  const auto nash = [](const Rows& rows) { return makeMethod("nash_mtl", static_cast<int>(rows.size()), {{"max_norm", 0}})->combine(methodInput(rows)); };
  const MethodOutput ortho = nash({{2, 0}, {0, 1}});
  QVERIFY(std::abs(ortho.weights[0] - 0.5) < 1e-10 && std::abs(ortho.weights[1] - 1) < 1e-10);
  const double s2 = std::sqrt(2.0);
  const MethodOutput sym = nash({{s2, 0}, {1 / s2, std::sqrt(1.5)}});  // |g|^2 = 2, g0.g1 = 1
  QVERIFY(std::abs(sym.weights[0] - 1 / std::sqrt(3.0)) < 1e-10 && std::abs(sym.weights[1] - 1 / std::sqrt(3.0)) < 1e-10);
  const MethodOutput scaled = nash({{10 * s2, 0}, {10 / s2, 10 * std::sqrt(1.5)}});
  QVERIFY(std::abs(scaled.weights[0] - 0.1 / std::sqrt(3.0)) < 1e-10);
  QVERIFY(std::abs(at::norm(scaled.combined).item<double>() - std::sqrt(2.0)) < 1e-9);  // sqrt(K)
}

void TestMethodsSolvers::nashClipsTheUpdate()
{
  const MethodInput in = methodInput({{3, 0, 1}, {0, 4, 1}});
  const MethodOutput free = makeMethod("nash_mtl", 2, {{"max_norm", 0}})->combine(in);
  const MethodOutput clipped = makeMethod("nash_mtl", 2)->combine(in);  // max_norm 1
  QVERIFY(at::norm(free.combined).item<double>() > 1);
  QVERIFY(std::abs(at::norm(clipped.combined).item<double>() - 1) < 1e-12);
  const double ratio = clipped.weights[0] / free.weights[0];
  QVERIFY(std::abs(clipped.weights[1] / free.weights[1] - ratio) < 1e-12);
  QCOMPARE(clipped.taskScale, free.taskScale);  // only the shared update is clipped
}

void TestMethodsSolvers::imtlEqualProjections()
{
  std::mt19937_64 rng(13);
  for (int n = 0; n < 40; ++n) {
    const int K = 2 + n % 4;
    const MethodInput in = methodInput(randomRows(rng, K, 8, 1.0));
    const MethodOutput out = makeMethod("imtl", K)->combine(in);
    QCOMPARE(out.flags, 0u);
    checkCombined(in, out);
    double sum = 0;
    for (double c : out.weights) sum += c;
    QVERIFY(std::abs(sum - K) < 1e-9 * K);
    std::vector<double> projections;
    for (int t = 0; t < K; ++t) projections.push_back(quad(in, out.weights, seesaw::unitCoefficients(K, t)) / std::sqrt(gramAt(in, t, t)));
    const double norm = std::sqrt(quad(in, out.weights, out.weights));
    for (int t = 1; t < K; ++t)
      QVERIFY2(std::abs(projections[t] - projections[0]) <= 1e-8 * norm, qPrintable(QString::number(projections[t] - projections[0])));
  }
  // Orthogonal, equal norms: EW.
  const MethodOutput ortho = makeMethod("imtl", 3)->combine(methodInput({{2, 0, 0}, {0, 2, 0}, {0, 0, 2}}));
  for (double c : ortho.weights) QVERIFY(std::abs(c - 1) < 1e-12);
  // Orthogonal, norms 1 and 3: equal projections need alpha proportional to the norms' inverse.
  const MethodOutput unequal = makeMethod("imtl", 2)->combine(methodInput({{1, 0}, {0, 3}}));
  QVERIFY(std::abs(unequal.weights[0] - 1.5) < 1e-12);
  QVERIFY(std::abs(unequal.weights[1] - 0.5) < 1e-12);
}

void TestMethodsSolvers::alignedOrthogonalDifferentNorms()
{
  // Norms 3, 1, 2: c_t = min norm / |g_t| = (1/3, 1, 1/2); every aligned task gradient has norm 1.
  const MethodInput in = methodInput({{3, 0, 0}, {0, 1, 0}, {0, 0, 2}});
  const MethodOutput out = makeMethod("aligned_mtl", 3)->combine(in);
  QCOMPARE(out.flags, 0u);
  QVERIFY(std::abs(out.weights[0] - 1.0 / 3) < 1e-12);
  QVERIFY(std::abs(out.weights[1] - 1.0) < 1e-12);
  QVERIFY(std::abs(out.weights[2] - 0.5) < 1e-12);
  checkCombined(in, out);
  // Equal norms: EW.
  const MethodOutput equal = makeMethod("aligned_mtl", 2)->combine(methodInput({{0, 2}, {2, 0}}));
  QVERIFY(std::abs(equal.weights[0] - 1) < 1e-12 && std::abs(equal.weights[1] - 1) < 1e-12);
  // A rotated orthogonal pair gives the same coefficients (the rule sees only the Gram).
  const double s = std::sqrt(0.5);
  const MethodOutput rotated = makeMethod("aligned_mtl", 2)->combine(methodInput({{3 * s, 3 * s}, {-s, s}}));
  QVERIFY(std::abs(rotated.weights[0] - 1.0 / 3) < 1e-12 && std::abs(rotated.weights[1] - 1) < 1e-12);
}

void TestMethodsSolvers::alignedDuplicated()
{
  // M = |g|^2 [[1,1],[1,1]]: one kept direction (1,1)/sqrt 2; B = v v', c = (1, 1); flagged.
  const MethodOutput out = makeMethod("aligned_mtl", 2)->combine(methodInput({{1, 2}, {1, 2}}));
  QVERIFY(out.flags & kMethodFallback);
  QVERIFY(std::abs(out.weights[0] - 1) < 1e-9 && std::abs(out.weights[1] - 1) < 1e-9);
  // A zero task: its direction is dropped and its coefficient is 0.
  const MethodOutput zero = makeMethod("aligned_mtl", 2)->combine(methodInput({{0, 2}, {0, 0}}));
  QVERIFY(zero.flags & kMethodFallback);
  QVERIFY(std::abs(zero.weights[0] - 1) < 1e-12 && std::abs(zero.weights[1]) < 1e-12);
}

void TestMethodsSolvers::solversConvergeOnRandomInputs()
{
  int flaggedNash = 0, solvedNash = 0;
  for (uint64_t seed : {1u, 2u}) {
    for (const Rows& rows : randomCases(seed)) {
      const int K = static_cast<int>(rows.size());
      const MethodInput in = methodInput(rows);
      const double scale = largestSquared(in);

      // MGDA: the Frank-Wolfe gap, relative to the largest squared norm, within the tolerance.
      for (double tolerance : {1e-5, 1e-10}) {
        const MethodOutput out = makeMethod("mgda", K, {{"tolerance", tolerance}, {"max_iterations", tolerance < 1e-6 ? 3000 : 250}})->combine(in);
        QVERIFY(allFinite(out));
        checkCombined(in, out);
        double gap = quad(in, out.weights, out.weights), least = INFINITY;
        for (int t = 0; t < K; ++t) least = std::min(least, quad(in, out.weights, seesaw::unitCoefficients(K, t)));
        gap -= least;
        QVERIFY2(gap <= tolerance * scale * (1 + 1e-9) + 1e-15 * scale, qPrintable(QString("%1 K=%2 P=%3 tol=%4").arg(gap / scale).arg(K).arg(rows[0].size()).arg(tolerance)));
      }

      // CAGrad: finite; unless flagged, the recovered weights lie on the simplex and no vertex
      // beats them.
      {
        // Near the kink gw = 0 (the opposed pairs) the objective's curvature is large and
        // Frank-Wolfe slow: more steps than the default to reach the default tolerance.
        const MethodOutput out = makeMethod("cagrad", K, {{"max_iterations", 100000}})->combine(in);
        QVERIFY(allFinite(out));
        checkCombined(in, out);
        if (!(out.flags & kMethodFallback)) {
          const std::vector<double> w = cagradWeights(out.weights, 1.25);
          const double value = cagradObjective(in, w, 0.5);
          for (int t = 0; t < K; ++t) {
            QVERIFY(w[t] >= -1e-12);
            QVERIFY(value <= cagradObjective(in, seesaw::unitCoefficients(K, t), 0.5) + 1e-9 * scale);
          }
          // The Frank-Wolfe gap of the weight problem, relative to the largest squared norm,
          // within the default tolerance 1e-10 (up to rounding in recovering w).
          const std::vector<double> mean(K, 1.0 / K);
          const double c = 0.5 * std::sqrt(quad(in, mean, mean));
          const double gw = std::sqrt(quad(in, w, w));
          std::vector<double> grad(K);
          double along = 0, least = INFINITY;
          for (int t = 0; t < K; ++t) {
            const std::vector<double> e = seesaw::unitCoefficients(K, t);
            grad[t] = quad(in, e, mean) + c * quad(in, e, w) / gw;
            along += grad[t] * w[t];
            least = std::min(least, grad[t]);
          }
          QVERIFY2(along - least <= 1e-9 * scale, qPrintable(QString("%1 K=%2 P=%3 w=%4 %5 %6").arg((along - least) / scale).arg(K).arg(rows[0].size()).arg(w[0]).arg(w[1]).arg(K > 2 ? w[2] : -1)));
        }
      }

      // Nash-MTL: the condition where it is solved, EW's weights where it is flagged.
      {
        const MethodOutput out = makeMethod("nash_mtl", K, {{"max_norm", 0}})->combine(in);
        QVERIFY(allFinite(out));
        checkCombined(in, out);
        if (out.flags & kMethodFallback) {
          ++flaggedNash;
        } else {
          ++solvedNash;
          for (int t = 0; t < K; ++t) {  // at M's own scale, as the reference applies it
            double Ma = 0;
            for (int j = 0; j < K; ++j) Ma += gramAt(in, t, j) * out.weights[j];
            QVERIFY(std::abs(out.weights[t] * Ma - 1) <= 1e-9);
          }
        }
      }

      // IMTL-G: equal projections on every live task's unit gradient, weights summing to the
      // number of live tasks.
      {
        const MethodOutput out = makeMethod("imtl", K)->combine(in);
        QVERIFY(allFinite(out));
        checkCombined(in, out);
        std::vector<double> projections;
        double sum = 0;
        for (int t = 0; t < K; ++t) {
          if (gramAt(in, t, t) <= 1e-20 * scale) continue;
          sum += out.weights[t];
          projections.push_back(quad(in, out.weights, seesaw::unitCoefficients(K, t)) / std::sqrt(gramAt(in, t, t)));
        }
        QVERIFY(std::abs(sum - double(projections.size())) < 1e-6 * K);
        const double norm = std::sqrt(std::max(0.0, quad(in, out.weights, out.weights)));
        for (double p : projections) QVERIFY2(std::abs(p - projections[0]) <= 1e-6 * (norm + std::sqrt(scale)), qPrintable(QString::number(p - projections[0])));
      }

      const MethodOutput aligned = makeMethod("aligned_mtl", K)->combine(in);
      QVERIFY(allFinite(aligned));
      checkCombined(in, aligned);
    }
  }
  // The opposed pairs have no bargaining solution; the others do.
  QVERIFY(flaggedNash > 0);
  QVERIFY(solvedNash > 20);
}

void TestMethodsSolvers::degenerateInputsStayFinite()
{
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<const char*> names{"mgda", "cagrad", "imtl", "nash_mtl", "aligned_mtl"};
  const std::vector<Rows> inputs{
      {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}},             // all zero
      {{1, 2, 3}, {0, 0, 0}, {-1, 0, 2}},             // one zero task
      {{1e-200, 0, 0}, {0, 1e-200, 0}, {0, 0, 0}},    // tiny and zero
      {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}},              // all duplicated
      {{1, 2, 3}, {-1, -2, -3}, {2, 4, 6}},           // collinear, opposed
      {{1, nan, 3}, {0, 1, 0}, {1, 1, 1}},            // NaN
  };
  for (const char* name : names) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const MethodInput in = methodInput(inputs[i]);
      const MethodOutput out = makeMethod(name, 3)->combine(in);
      QCOMPARE(out.weights.size(), size_t(3));
      for (double w : out.weights) QVERIFY2(std::isfinite(w), name);
      for (double w : out.taskScale) QVERIFY2(std::isfinite(w), name);
      if (i < 3 || i == 5) QVERIFY2(out.flags & kMethodFallback, qPrintable(QString("%1 case %2").arg(name).arg(i)));
      if (i < 5) {
        QVERIFY2(allFinite(out), name);
        checkCombined(in, out);
      }
    }
  }
  // Duplicated gradients: MGDA, Nash and IMTL still have their exact answers.
  const MethodInput dup = methodInput({{1, 2}, {1, 2}});
  const MethodOutput mgda = makeMethod("mgda", 2)->combine(dup);
  QVERIFY(std::abs(mgda.weights[0] + mgda.weights[1] - 1) < 1e-12);
  const MethodOutput nash = makeMethod("nash_mtl", 2, {{"max_norm", 0}})->combine(dup);
  QCOMPARE(nash.flags, 0u);
  QVERIFY(std::abs(nash.weights[0] - nash.weights[1]) < 1e-9);
  const MethodOutput imtl = makeMethod("imtl", 2)->combine(dup);
  QVERIFY(imtl.flags & kMethodFallback);
  QVERIFY(std::abs(imtl.weights[0] + imtl.weights[1] - 2) < 1e-12);
  // Opposed gradients: no common descent direction; MGDA's answer is the origin, Nash falls back.
  const MethodInput opposed = methodInput({{1, 1}, {-2, -2}});
  QVERIFY(at::norm(makeMethod("mgda", 2)->combine(opposed).combined).item<double>() < 1e-12);
  const MethodOutput nashOpposed = makeMethod("nash_mtl", 2, {{"max_norm", 0}})->combine(opposed);
  QVERIFY(nashOpposed.flags & kMethodFallback);
  QCOMPARE(nashOpposed.weights, std::vector<double>({1.0, 1.0}));
}

QTEST_APPLESS_MAIN(TestMethodsSolvers)
#include "tst_methods_solvers.moc"
