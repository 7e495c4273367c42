// GradCraft, GradVac and GradDrop against hand-computed cases, their defining properties
// and an independent tensor implementation (GradCraft), plus the fallbacks of these and of PMTRec
// on zero, tiny and non-finite gradients (PMTRec's own cases: tst_methods_pmtrec.cpp).

#include <QtTest>

#include <cmath>
#include <random>

#include "tests/core/method_inputs.h"
#include "methods/graddrop.h"
#include "methods/gradient_method.h"
#include "methods/registry.h"
#include "util/error.h"

using namespace seesaw;
using seesaw::test::allFinite;
using seesaw::test::Rows;
using seesaw::test::randomRows;
using seesaw::test::kP;
using seesaw::test::pmtrecInput;
using seesaw::test::makeMethod;
using seesaw::test::methodInput;
using seesaw::test::values;

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b)
{
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double norm(const std::vector<double>& a) { return std::sqrt(dot(a, a)); }

std::vector<double> axpy(double alpha, const std::vector<double>& x, const std::vector<double>& y)  // alpha x + y
{
  std::vector<double> r(y);
  for (size_t i = 0; i < r.size(); ++i) r[i] += alpha * x[i];
  return r;
}

std::vector<double> scaled(double alpha, std::vector<double> x)
{
  for (double& v : x) v *= alpha;
  return x;
}

// GradCraft's magnitude step: gh_k = (tau m / |g_k| + 1 - tau) g_k.
Rows adjusted(const Rows& g, double tau)
{
  double m = 0;
  for (const auto& r : g) m = std::max(m, norm(r));
  Rows gh;
  for (const auto& r : g) gh.push_back(scaled(tau * m / norm(r) + 1 - tau, r));
  return gh;
}

// GradCraft written directly on the [K, P] tensors, with a dense solve: the crafted gt_i [K, P].
at::Tensor gradCraftReference(const Rows& g, double tau, double eps)
{
  const Rows gh = adjusted(g, tau);
  const at::Tensor H = methodInput(gh).taskGradients;
  const auto K = H.size(0);
  const at::Tensor inner = at::mm(H, H.t());
  std::vector<at::Tensor> crafted;
  for (int64_t i = 0; i < K; ++i) {
    std::vector<int64_t> conflicts;
    for (int64_t j = 0; j < K; ++j)
      if (j != i && inner[i][j].item<double>() < 0) conflicts.push_back(j);
    if (conflicts.empty()) {
      crafted.push_back(H[i]);
      continue;
    }
    const at::Tensor C = H.index_select(0, at::tensor(conflicts, at::kLong));
    const at::Tensor target = eps * H[i].norm() * C.norm(2, {1});
    const at::Tensor w = at::mv(at::inverse(at::mm(C, C.t())), target - at::mv(C, H[i]));
    crafted.push_back(H[i] + at::mv(C.t(), w));
  }
  return at::stack(crafted);
}

}  // namespace

class TestMethodsSurgery : public QObject
{
  Q_OBJECT
private Q_SLOTS:
  void registryDescribesEveryParameter()
  {
    for (const char* name : {"gradcraft", "pmtrec", "gradvac", "graddrop"}) {
      const MethodInfo& info = methodRegistry().info(name);
      QVERIFY(!info.description.empty());
      QVERIFY(info.needsTaskGradients);
      for (const auto& h : info.hyperParameters) {
        QVERIFY2(h.min <= h.defaultValue && h.defaultValue <= h.max, h.name.c_str());
        QVERIFY(!h.description.empty());
      }
    }
    QCOMPARE(methodRegistry().resolve("gradcraft", {}).get("tau"), 1.0);
    QCOMPARE(methodRegistry().resolve("gradcraft", {}).get("merge"), 0.0);
    QCOMPARE(methodRegistry().resolve("gradvac", {}).get("beta"), 0.01);
    QCOMPARE(methodRegistry().resolve("graddrop", {}).get("leak"), 0.0);
    QVERIFY_EXCEPTION_THROWN(methodRegistry().resolve("gradcraft", {{"merge", 1.5}}), Error);
    QVERIFY_EXCEPTION_THROWN(makeMethod("pmtrec", 2, {{"main_task", 2}}), Error);
  }

  // --- GradCraft -------------------------------------------------------------------------------

  void gradCraftTwoTasksIsPCGrad()
  {
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 6; ++trial) {
      Rows g = randomRows(rng, 2, 5);
      if (trial < 4) g[1] = axpy(-0.8, g[0], g[1]);  // most trials conflict
      // tau = 0: PCGrad on the raw gradients.
      const MethodInput in = methodInput(g);
      const MethodOutput craft = makeMethod("gradcraft", 2, {{"tau", 0.0}})->combine(in);
      const MethodOutput pc = makeMethod("pcgrad", 2)->combine(in);
      COMPARE_SCALED(values(craft.combined), values(pc.combined), 1e-12);
      COMPARE_SCALED(craft.weights, pc.weights, 1e-12);
      QCOMPARE(craft.flags, 0u);
      // tau = 1: PCGrad on the gradients rescaled to the max norm.
      const Rows gh = adjusted(g, 1.0);
      const MethodOutput craft1 = makeMethod("gradcraft", 2)->combine(in);
      const MethodOutput pc1 = makeMethod("pcgrad", 2)->combine(methodInput(gh));
      COMPARE_SCALED(values(craft1.combined), values(pc1.combined), 1e-12);
    }
  }

  void gradCraftMagnitudes()
  {
    // No conflicts (all entries positive), so the crafted gradients are the rescaled ones and the
    // weights are the scales.
    const Rows g = {{3, 1, 2, 1}, {0.1, 0.2, 0.1, 0.3}, {1, 1, 1, 1}};
    std::vector<double> norms;
    for (const auto& r : g) norms.push_back(norm(r));
    const double m = *std::max_element(norms.begin(), norms.end());
    const MethodInput in = methodInput(g);

    const MethodOutput keep = makeMethod("gradcraft", 3, {{"tau", 0.0}})->combine(in);
    COMPARE_SCALED(keep.weights, std::vector<double>(3, 1.0), 1e-14);

    const MethodOutput equal = makeMethod("gradcraft", 3, {{"tau", 1.0}})->combine(in);
    for (int k = 0; k < 3; ++k) QVERIFY(std::fabs(equal.weights[k] * norms[k] - m) < 1e-12);
    std::vector<double> sum(4, 0.0);
    for (int k = 0; k < 3; ++k) sum = axpy(m / norms[k], g[k], sum);
    COMPARE_SCALED(values(equal.combined), sum, 1e-12);

    const MethodOutput half = makeMethod("gradcraft", 3, {{"tau", 0.5}})->combine(in);
    for (int k = 0; k < 3; ++k) QVERIFY(std::fabs(half.weights[k] - (0.5 * m / norms[k] + 0.5)) < 1e-12);
  }

  void gradCraftHitsTargetInnerProducts_data()
  {
    QTest::addColumn<int>("tasks");
    QTest::addColumn<double>("eps");
    QTest::addColumn<double>("tau");
    QTest::newRow("K=3 eps=0") << 3 << 0.0 << 1.0;
    QTest::newRow("K=3 eps=0.1") << 3 << 0.1 << 0.5;
    QTest::newRow("K=4 eps=0") << 4 << 0.0 << 0.3;
    QTest::newRow("K=4 eps=0.2") << 4 << 0.2 << 1.0;
  }
  void gradCraftHitsTargetInnerProducts()
  {
    // Task 0 conflicts with every other task and the others agree with each other, so each
    // gt_j (j > 0) is a one-constraint projection computed here by hand, and gt_0, the
    // |C_0| = K - 1 constraint solve, is the combined gradient minus those.
    QFETCH(int, tasks);
    QFETCH(double, eps);
    QFETCH(double, tau);
    std::mt19937_64 rng(11 + tasks);
    int cases = 0;
    while (cases < 5) {
      Rows g = randomRows(rng, tasks, 8);
      for (int j = 1; j < tasks; ++j) g[j][0] += 4;
      g[0][0] -= 6;
      bool star = true;
      for (int i = 0; i < tasks; ++i)
        for (int j = i + 1; j < tasks; ++j) star = star && ((i == 0) == (dot(g[i], g[j]) < 0));
      if (!star) continue;
      ++cases;
      const MethodOutput out = makeMethod("gradcraft", tasks, {{"tau", tau}, {"eps", eps}})->combine(methodInput(g));
      QCOMPARE(out.flags, 0u);
      const Rows gh = adjusted(g, tau);
      std::vector<double> gt0 = values(out.combined);
      for (int j = 1; j < tasks; ++j) {
        const double w = (-dot(gh[j], gh[0]) + eps * norm(gh[j]) * norm(gh[0])) / dot(gh[0], gh[0]);
        gt0 = axpy(-1, axpy(w, gh[0], gh[j]), gt0);
      }
      for (int j = 1; j < tasks; ++j) {
        const double target = eps * norm(gh[0]) * norm(gh[j]);
        QVERIFY2(std::fabs(dot(gh[j], gt0) - target) < 1e-9 * dot(gh[j], gh[j]),
                 qPrintable(QString("j=%1: %2 vs %3").arg(j).arg(dot(gh[j], gt0)).arg(target)));
      }
    }
  }

  void gradCraftMatchesDirectSolve()
  {
    std::mt19937_64 rng(3);
    for (int K : {3, 4}) {
      for (int trial = 0; trial < 5; ++trial) {
        Rows g = randomRows(rng, K, 10);
        for (int k = 1; k < K; k += 2) g[k] = axpy(-0.6, g[0], g[k]);  // plenty of conflicts
        const double eps = trial % 2 ? 0.05 : 0.0;
        const double tau = 0.25 * trial;
        const at::Tensor gt = gradCraftReference(g, tau, eps);
        // The reference itself meets the targets.
        const Rows gh = adjusted(g, tau);
        for (int i = 0; i < K; ++i)
          for (int j = 0; j < K; ++j)
            if (j != i && dot(gh[i], gh[j]) < 0)
              QVERIFY(std::fabs(dot(gh[j], values(gt[i])) - eps * norm(gh[i]) * norm(gh[j])) < 1e-9);
        const MethodInput in = methodInput(g);
        const MethodOutput sum = makeMethod("gradcraft", K, {{"tau", tau}, {"eps", eps}})->combine(in);
        COMPARE_SCALED(values(sum.combined), values(gt.sum(0)), 1e-10);
        const MethodOutput mean = makeMethod("gradcraft", K, {{"tau", tau}, {"eps", eps}, {"merge", 1}})->combine(in);
        COMPARE_SCALED(values(mean.combined), values(gt.mean(0)), 1e-10);
        // The weights are the coefficients: sum_k c_k g_k is the combined gradient.
        std::vector<double> rebuilt(10, 0.0);
        for (int k = 0; k < K; ++k) rebuilt = axpy(sum.weights[k], g[k], rebuilt);
        COMPARE_SCALED(rebuilt, values(sum.combined), 1e-12);
      }
    }
  }

  void gradCraftMergeOptions()
  {
    // Coordinates 0-2 every task touches, 3 only task 0, 4 tasks 1 and 2, 5 none.
    const Rows g = {{1, -2, 0.5, 3, 0, 0}, {-1, 1, 1, 0, 2, 0}, {0.5, 0.5, -1, 0, -1, 0}};
    const MethodInput in = methodInput(g);
    const MethodOutput sum = makeMethod("gradcraft", 3, {{"tau", 0.5}, {"eps", 0.1}})->combine(in);
    const MethodOutput mean = makeMethod("gradcraft", 3, {{"tau", 0.5}, {"eps", 0.1}, {"merge", 1}})->combine(in);
    const MethodOutput masked = makeMethod("gradcraft", 3, {{"tau", 0.5}, {"eps", 0.1}, {"merge", 2}})->combine(in);
    COMPARE_SCALED(values(sum.combined), values(gradCraftReference(g, 0.5, 0.1).sum(0)), 1e-12);
    const std::vector<double> s = values(sum.combined);
    std::vector<double> third(s), partly(s);
    for (double& x : third) x /= 3;
    for (int p = 0; p < 3; ++p) partly[p] /= 3;
    COMPARE_SCALED(values(mean.combined), third, 1e-14);
    COMPARE_SCALED(values(masked.combined), partly, 1e-14);
    for (int k = 0; k < 3; ++k) {
      QVERIFY(std::fabs(mean.weights[k] - sum.weights[k] / 3) < 1e-14);
      // c_k <D g_k, g_k> / |g_k|^2, D = 1/3 on the shared coordinates.
      double shared = 0;
      for (int p = 0; p < 3; ++p) shared += g[k][p] * g[k][p];
      const double expected = sum.weights[k] * (shared / 3 + (dot(g[k], g[k]) - shared)) / dot(g[k], g[k]);
      QVERIFY2(std::fabs(masked.weights[k] - expected) < 1e-12, qPrintable(QString::number(masked.weights[k])));
    }
    QCOMPARE(masked.flags, 0u);
    // Every coordinate shared: merge 2 is the mean.
    const Rows dense = {{1, -2, 0.5}, {-1, 1, 1}, {0.5, 0.5, -1}};
    const MethodOutput m1 = makeMethod("gradcraft", 3, {{"merge", 1}})->combine(methodInput(dense));
    const MethodOutput m2 = makeMethod("gradcraft", 3, {{"merge", 2}})->combine(methodInput(dense));
    COMPARE_SCALED(values(m2.combined), values(m1.combined), 1e-14);
    COMPARE_SCALED(m2.weights, m1.weights, 1e-14);
  }

  void gradCraftSingularConflictSet()
  {
    // Tasks 1 and 2 are parallel and both conflict with task 0: the 2 x 2 system is singular. The
    // pseudo-inverse still makes gt_0 orthogonal to both, and says so with the flag.
    const Rows g = {{1, 0.2, 0.1}, {-1, 1, 0}, {-2, 2, 0}};
    const MethodOutput out = makeMethod("gradcraft", 3, {{"tau", 0.0}})->combine(methodInput(g));
    QVERIFY(out.flags & kMethodFallback);
    QVERIFY(allFinite(out.weights));
    std::vector<double> gt0 = values(out.combined);
    for (int j = 1; j < 3; ++j) gt0 = axpy(-1, axpy(-dot(g[j], g[0]) / dot(g[0], g[0]), g[0], g[j]), gt0);
    QVERIFY(std::fabs(dot(gt0, g[1])) < 1e-12);
    QVERIFY(std::fabs(dot(gt0, g[2])) < 1e-12);
    COMPARE_SCALED(gt0, std::vector<double>({0.6, 0.6, 0.1}), 1e-12);  // g_0 less its part along (-1, 1, 0)
  }

  // --- GradVac ---------------------------------------------------------------------------------

  void gradVacHandCase()
  {
    // beta = 1: the target is the last step's cosine. Step 1 at 45 degrees sets it to 1/sqrt(2)
    // and adjusts nothing; at step 2 the orthogonal pair is pulled up to 45 degrees: gp_0 =
    // g_0 + |g_0| (t 1 - 0) / (|g_1| sqrt(1 - t^2)) g_1 = (1, 1), and likewise gp_1 = (1, 1).
    auto method = makeMethod("gradvac", 2, {{"beta", 1.0}});
    const MethodOutput first = method->combine(methodInput({{1, 0}, {1, 1}}));
    COMPARE_SCALED(first.weights, std::vector<double>({1, 1}), 1e-15);
    const MethodOutput second = method->combine(methodInput({{1, 0}, {0, 1}}));
    COMPARE_SCALED(second.weights, std::vector<double>({2, 2}), 1e-12);
    COMPARE_SCALED(values(second.combined), std::vector<double>({2, 2}), 1e-12);
    // The target is now 0: the orthogonal pair stays as it is.
    const MethodOutput third = method->combine(methodInput({{1, 0}, {0, 1}}));
    COMPARE_SCALED(third.weights, std::vector<double>({1, 1}), 1e-15);
    QCOMPARE(third.flags, 0u);
  }

  void gradVacEmaTargets()
  {
    const double beta = 0.5;
    auto method = makeMethod("gradvac", 2, {{"beta", beta}});
    // Step 1: cosine 0.5 >= target 0, no change; the targets become 0.25.
    const MethodOutput first = method->combine(methodInput({{1, 0}, {0.5, std::sqrt(0.75)}}));
    COMPARE_SCALED(first.weights, std::vector<double>({1, 1}), 1e-15);
    // Step 2: orthogonal gradients of norms 2 and 3 are pulled to cosine 0.25.
    double t = 0.25;
    const Rows g2 = {{2, 0}, {0, 3}};
    const MethodOutput second = method->combine(methodInput(g2));
    const double w01 = 2 * t / (3 * std::sqrt(1 - t * t)), w10 = 3 * t / (2 * std::sqrt(1 - t * t));
    COMPARE_SCALED(second.weights, std::vector<double>({1 + w10, 1 + w01}), 1e-12);
    // With two tasks gp_0 = g_0 + (c_1 - 1) g_1 and its cosine with g_1 is the target.
    const auto gp0 = axpy(second.weights[1] - 1, g2[1], g2[0]);
    QVERIFY(std::fabs(dot(gp0, g2[1]) / (norm(gp0) * norm(g2[1])) - t) < 1e-12);
    // Step 3: target (1 - beta) 0.25 + beta 0 = 0.125; a cosine of 0.1 is below it.
    t = 0.125;
    const double phi = 0.1;
    const Rows g3 = {{1, 0}, {phi, std::sqrt(1 - phi * phi)}};
    const MethodOutput third = method->combine(methodInput(g3));
    const double w = (t * std::sqrt(1 - phi * phi) - phi * std::sqrt(1 - t * t)) / std::sqrt(1 - t * t);
    COMPARE_SCALED(third.weights, std::vector<double>({1 + w, 1 + w}), 1e-12);
    const auto gp = axpy(w, g3[1], g3[0]);
    QVERIFY(std::fabs(dot(gp, g3[1]) / norm(gp) - t) < 1e-12);
  }

  void gradVacZeroTargetIsPCGradForTwoTasks()
  {
    std::mt19937_64 rng(9);
    for (int trial = 0; trial < 4; ++trial) {
      Rows g = randomRows(rng, 2, 6);
      g[1] = axpy(-0.9, g[0], g[1]);
      const MethodInput in = methodInput(g);
      const MethodOutput vac = makeMethod("gradvac", 2, {{"beta", 0.0}})->combine(in);
      const MethodOutput pc = makeMethod("pcgrad", 2)->combine(in);
      COMPARE_SCALED(values(vac.combined), values(pc.combined), 1e-12);
    }
  }

  void gradVacReproducibleForSeed()
  {
    std::mt19937_64 rng(4);
    auto a = makeMethod("gradvac", 4, {{"beta", 0.3}}, 17), b = makeMethod("gradvac", 4, {{"beta", 0.3}}, 17);
    for (int step = 0; step < 4; ++step) {
      const MethodInput in = methodInput(randomRows(rng, 4, 6));
      const MethodOutput x = a->combine(in), y = b->combine(in);
      QVERIFY(x.weights == y.weights);
      QVERIFY(allFinite(x.weights));
    }
  }

  // --- GradDrop --------------------------------------------------------------------------------

  void gradDropAgreeingSignsKeepEverything()
  {
    // Per coordinate the tasks agree in sign (or are zero): purity 0 or 1, nothing dropped.
    const Rows g = {{1, -2, 0, 3, -0.5}, {2, -1, 0, 0, -1}, {0.5, -3, 0, 1, 0}};
    const MethodInput in = methodInput(g);
    const MethodOutput drop = makeMethod("graddrop", 3)->combine(in);
    const MethodOutput ew = makeMethod("ew", 3)->combine(in);
    COMPARE_SCALED(values(drop.combined), values(ew.combined), 1e-15);
    COMPARE_SCALED(drop.weights, std::vector<double>(3, 1.0), 1e-15);
    QCOMPARE(drop.flags, 0u);
  }

  void gradDropOppositeSignsKeepOneSide()
  {
    // g_0 > 0 and g_1 < 0 everywhere with |g_0| = 4 |g_1|: purity 0.8, so task 0 survives where
    // U < 0.8 and task 1 elsewhere, never both, never neither.
    const int P = 20000;
    std::mt19937_64 rng(2);
    std::uniform_real_distribution<double> uniform(0.5, 1.5);
    Rows g(2, std::vector<double>(P));
    for (int p = 0; p < P; ++p) {
      g[1][p] = -uniform(rng);
      g[0][p] = -4 * g[1][p];
    }
    const MethodOutput out = makeMethod("graddrop", 2)->combine(methodInput(g));
    const std::vector<double> c = values(out.combined);
    int first = 0;
    double kept0 = 0, kept1 = 0;
    for (int p = 0; p < P; ++p) {
      QVERIFY(c[p] == g[0][p] || c[p] == g[1][p]);
      if (c[p] == g[0][p]) ++first, kept0 += g[0][p] * g[0][p];
      else kept1 += g[1][p] * g[1][p];
    }
    QVERIFY2(std::fabs(first / double(P) - 0.8) < 0.015, qPrintable(QString::number(first / double(P))));
    COMPARE_SCALED(out.weights, std::vector<double>({kept0 / dot(g[0], g[0]), kept1 / dot(g[1], g[1])}), 1e-10);
    QCOMPARE(out.flags, 0u);
  }

  void gradDropLeak()
  {
    const Rows g = {{1, 2, -3, 0.5}, {-2, -1, 1, -0.5}};
    const MethodInput in = methodInput(g);
    const MethodOutput one = makeMethod("graddrop", 2, {{"leak", 1.0}})->combine(in);
    COMPARE_SCALED(values(one.combined), std::vector<double>({-1, 1, -2, 0}), 1e-15);
    COMPARE_SCALED(one.weights, std::vector<double>({1, 1}), 1e-15);
    // leak 0.25: the dropped side still passes a quarter.
    const MethodOutput quarter = makeMethod("graddrop", 2, {{"leak", 0.25}})->combine(in);
    const std::vector<double> c = values(quarter.combined);
    for (int p = 0; p < 4; ++p)
      QVERIFY(std::fabs(c[p] - (g[0][p] + 0.25 * g[1][p])) < 1e-15 || std::fabs(c[p] - (g[1][p] + 0.25 * g[0][p])) < 1e-15);
    for (double w : quarter.weights) QVERIFY(w >= 0.25 - 1e-15 && w <= 1 + 1e-15);
  }

  void gradDropReproducibleForSeed()
  {
    std::mt19937_64 rng(6);
    const Rows g = randomRows(rng, 3, 200);
    const MethodInput in = methodInput(g);
    auto a = makeMethod("graddrop", 3, {}, 5), b = makeMethod("graddrop", 3, {}, 5), other = makeMethod("graddrop", 3, {}, 6);
    const std::vector<double> a1 = values(a->combine(in).combined), a2 = values(a->combine(in).combined);
    QVERIFY(values(b->combine(in).combined) == a1);
    QVERIFY(values(b->combine(in).combined) == a2);
    QVERIFY(a1 != a2);                                      // a fresh draw every step
    QVERIFY(values(other->combine(in).combined) != a1);  // another seed, other drops
  }

  void gradDropFormsAgree()
  {
    // The CPU's fused loop and the tensor form (a GPU's) are one rule: same draws, same result,
    // in float64 and float32, with zero coordinates, a leak and a task of tiny gradients.
    std::mt19937_64 rng(8);
    Rows g = randomRows(rng, 3, 400);
    for (size_t p = 0; p < 400; p += 7) g[0][p] = g[1][p] = g[2][p] = 0;
    for (double& v : g[2]) v *= 1e-30;
    for (const double leak : {0.0, 0.3}) {
      MethodInput in = methodInput(g);
      const uint64_t key = drawKey(3, 1);
      for (const auto type : {at::kDouble, at::kFloat}) {
        in.taskGradients = in.taskGradients.to(type);
        const MethodOutput loop = dropBySignPurity(in, key, leak, DropForm::HostLoop);
        const MethodOutput tensors = dropBySignPurity(in, key, leak, DropForm::Tensors);
        const double tolerance = type == at::kDouble ? 1e-12 : 1e-5;
        QVERIFY(at::allclose(loop.combined.to(at::kDouble), tensors.combined.to(at::kDouble), tolerance, 1e-300));
        for (int k = 0; k < 3; ++k) QVERIFY(std::abs(loop.weights[k] - tensors.weights[k]) <= tolerance);
        QCOMPARE(loop.flags, tensors.flags);
      }
    }
  }

  void gradDropDrawsAreUniform()
  {
    // The counter-based draws: mean 1/2, variance 1/12, every decile about a tenth, in [0, 1),
    // and another step's key gives other draws.
    const int n = 200000;
    std::vector<int> decile(10, 0);
    double sum = 0, squares = 0;
    int same = 0;
    for (int p = 0; p < n; ++p) {
      const double u = uniformDraw(drawKey(1, 0), p);
      QVERIFY(u >= 0 && u < 1);
      sum += u;
      squares += u * u;
      ++decile[static_cast<int>(u * 10)];
      same += uniformDraw(drawKey(1, 1), p) == u;
    }
    QVERIFY(std::abs(sum / n - 0.5) < 0.003);
    QVERIFY(std::abs(squares / n - sum * sum / n / n - 1.0 / 12) < 0.002);
    for (int d : decile) QVERIFY2(std::abs(d / double(n) - 0.1) < 0.004, qPrintable(QString::number(d)));
    QVERIFY(same < 50);
  }

  // --- Robustness ------------------------------------------------------------------------------

  void degenerateGradients_data()
  {
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("gradients");
    QTest::addColumn<bool>("flagged");
    // Whether the flag is expected follows each method's documented fallback.
    struct Expected
    {
      const char* method;
      bool oneZero, allZero, oneTiny, allTiny, nan;
    };
    const Expected table[] = {
        {"gradcraft", true, true, true, false, true},
        {"gradcraft-masked", true, true, true, false, true},
        {"gradvac", true, true, true, false, true},
        {"graddrop", true, true, false, false, true},
        {"pmtrec", false, true, false, false, true},
    };
    for (const Expected& e : table) {
      const QString m = e.method;
      QTest::newRow(qPrintable(m + " one zero")) << m << QString("one zero") << e.oneZero;
      QTest::newRow(qPrintable(m + " all zero")) << m << QString("all zero") << e.allZero;
      QTest::newRow(qPrintable(m + " one tiny")) << m << QString("one tiny") << e.oneTiny;
      QTest::newRow(qPrintable(m + " all tiny")) << m << QString("all tiny") << e.allTiny;
      QTest::newRow(qPrintable(m + " nan")) << m << QString("nan") << e.nan;
    }
  }
  void degenerateGradients()
  {
    QFETCH(QString, method);
    QFETCH(QString, gradients);
    QFETCH(bool, flagged);
    Rows g = {{1, -2, 0.5, 1, 0, 2, 1, -1, 0.3, 0.2, 1, 1},
              {-1, 1, 1, 0.5, 2, -1, 0, 1, -0.4, 0.1, 2, -1},
              {0.5, 0.5, -1, 2, -1, 0, 1, 1, 0.2, -0.3, -1, 0.5}};
    if (gradients == "one zero") g[1].assign(kP, 0.0);
    if (gradients == "all zero")
      for (auto& r : g) r.assign(kP, 0.0);
    if (gradients == "one tiny") g[1] = scaled(1e-14, g[1]);
    if (gradients == "all tiny")
      for (auto& r : g) r = scaled(1e-30, r);
    if (gradients == "nan") g[2][3] = std::nan("");
    const MethodInput in = pmtrecInput(g);
    const bool masked = method == "gradcraft-masked";
    auto m = makeMethod(masked ? "gradcraft" : method.toStdString(), 3, masked ? std::map<std::string, double>{{"merge", 2}}
                                                                                : std::map<std::string, double>{});
    const MethodOutput out = m->combine(in);
    QCOMPARE(int(out.weights.size()), 3);
    QVERIFY(allFinite(out.weights));
    if (out.userWeights.defined()) QVERIFY(allFinite(values(out.userWeights)));
    if (gradients != "nan") QVERIFY(allFinite(values(out.combined)));
    QCOMPARE(bool(out.flags & kMethodFallback), flagged);
    if (gradients == "all tiny") {
      // Scale-free methods give the unscaled case's weights (PMTRec's tau is not scale-free:
      // tiny norms make its softmax flat; GradDrop draws the same U from the same seed).
      Rows unit = g;
      for (auto& r : unit) r = scaled(1e30, r);
      const MethodOutput ref = makeMethod(masked ? "gradcraft" : method.toStdString(), 3,
                                          masked ? std::map<std::string, double>{{"merge", 2}} : std::map<std::string, double>{})
                                   ->combine(pmtrecInput(unit));
      if (method == "pmtrec") COMPARE_SCALED(out.weights, std::vector<double>(3, 1.0 / 3), 1e-12);
      else COMPARE_SCALED(out.weights, ref.weights, 1e-9);
    }
  }
};

QTEST_APPLESS_MAIN(TestMethodsSurgery)
#include "tst_methods_surgery.moc"
