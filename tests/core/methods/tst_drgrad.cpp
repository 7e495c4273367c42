// DRGrad: the router and updater on hand-made tower gradients, the Split-MMoE it runs on, and a
// run from the config.
#include <torch/autograd.h>

#include <QtTest>

#include <cmath>

#include "data/presets.h"
#include "tests/core/error_of.h"
#include "methods/gradient_method.h"
#include "tests/core/method_inputs.h"
#include "model/model_factory.h"
#include "tests/core/recorder.h"
#include "train/prepared_data.h"
#include "train/run_validation.h"
#include "train/trainer.h"
#include "util/error.h"

using namespace seesaw;
using namespace seesaw::test;

namespace {

// Towers of one [2] parameter each: the primary task's T' and T'', and one tower per other task.
struct Towers
{
  SplitTowers split;
  std::vector<at::Tensor> grads;  // the gradients as set, before the method ran
};

Towers towers(const std::vector<std::vector<double>>& g)  // g', g'', then g_k of every other task
{
  Towers t;
  auto parameter = [&](const std::vector<double>& grad) {
    at::Tensor p = at::zeros({2}, at::kDouble);
    p.mutable_grad() = at::tensor(grad, at::kDouble);
    t.grads.push_back(p.grad().clone());
    return p;
  };
  t.split.task = 0;
  t.split.dedicated = {parameter(g[0])};
  t.split.shared = {parameter(g[1])};
  t.split.others.emplace_back();
  for (size_t k = 2; k < g.size(); ++k) t.split.others.push_back({parameter(g[k])});
  t.split.mix = at::full({2}, 0.5, at::kDouble);
  return t;
}

std::unique_ptr<GradientMethod> makeDRGrad(const SplitTowers& split, double gamma, bool printed)
{
  MethodSetup setup;
  for (size_t k = 0; k < split.others.size(); ++k) setup.taskNames.push_back("t" + std::to_string(k));
  setup.split = &split;
  return methodRegistry().make("drgrad", {{"gamma", gamma}, {"printed", printed ? 1 : 0}}, setup);
}

MethodOutput runOnce(GradientMethod& method, int tasks)
{
  // The shared gradients only meet DRGrad's plain sum; the towers are what it routes.
  return method.combine(methodInput(std::vector<std::vector<double>>(static_cast<size_t>(tasks), {1.0, -2.0})));
}

std::vector<double> grad(const at::Tensor& p) { return values(p.grad()); }

void compareVectors(const std::vector<double>& actual, const std::vector<double>& expected)
{
  QCOMPARE(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    QVERIFY2(std::abs(actual[i] - expected[i]) < 1e-12, qPrintable(QString("%1: %2 != %3").arg(i).arg(actual[i]).arg(expected[i])));
}

ModelConfig tinyMmoe()
{
  ModelConfig c;
  c.embeddingDim = 3;
  c.experts = 2;
  c.expertHidden = {4, 3};
  c.towerHidden = {2};
  return c;
}

FeatureSpec tinySpec() { return {{"user", "item"}, {5, 4}, 1, {"a", "b"}}; }

Batch tinyBatch()
{
  const at::Tensor categorical = at::tensor({1, 0, 2, 3, 4, 1, 0, 2}, at::kLong).view({4, 2});
  return {categorical, at::randn({4, 1}), at::randint(0, 2, {4, 2}).to(at::kFloat)};
}

RunConfig splitRun()
{
  RunConfig c = presetConfig("synthetic");
  auto& s = c.data.synthetic;
  s.users = 300;
  s.items = 100;
  s.rows = 20000;
  s.tasks = 2;
  s.groups = {{-0.5, 1.0}};
  c.model.splitTask = "task0";
  c.model.ppnet = true;
  c.method.name = "drgrad";
  c.train.batchSize = 256;
  c.train.steps = 60;
  c.train.evalEvery = 0;
  c.train.threads = 2;
  return c;
}

}  // namespace

class TestDRGrad : public QObject
{
  Q_OBJECT
private Q_SLOTS:
  void naturalPairingScalesEachGradientByItsOwnFactors()
  {
    // g' = (1, 0); g'' = (-1, 1): xi2 = -1/sqrt2 < 0, so g'' is not routed; g_2 = (-0.5, 0.5):
    // xi1 = -1/sqrt2 < 0 amplifies it by 1 - xi1, and |g'|/|g_2| = sqrt2 clips to 1; xi1 xi2 > 0
    // leaves T'' alone.
    Towers t = towers({{1, 0}, {-1, 1}, {-0.5, 0.5}});
    auto method = makeDRGrad(t.split, 2.0, false);
    const MethodOutput out = runOnce(*method, 2);
    const double xi2 = -1 / std::sqrt(2.0), lambda2 = 0.5, xi1 = -1 / std::sqrt(2.0), lambda1 = 1;
    const double b = (1 - xi1) * lambda1;
    compareVectors(grad(t.split.dedicated[0]), {1 - 0.5 * b, 0.5 * b});
    compareVectors(grad(t.split.shared[0]), {-1, 1});
    compareVectors(grad(t.split.others[1][0]), {-0.5, 0.5});  // the other tower keeps its own
    const double dedicatedNorm = std::hypot(1 - 0.5 * b, 0.5 * b), sharedNorm = std::sqrt(2.0);
    const double mu = 1 / (1 + std::exp(sharedNorm - dedicatedNorm));
    compareVectors(out.state, {xi1, lambda1, xi2, lambda2, 0, b, 0, mu, 1 - mu});
    compareVectors(values(t.split.mix), {mu, 1 - mu});
    QCOMPARE(out.weights, (std::vector<double>{1, 1}));
    QCOMPARE(method->stateNames(), (std::vector<std::string>{"xi1.t1", "lambda1.t1", "xi2", "lambda2", "dedicated<-shared",
                                                             "dedicated<-t1", "shared<-shared", "mu.dedicated", "mu.shared"}));
  }
  void theTwoPairingsDifferOnlyInWhichGradientTakesWhichFactor()
  {
    // Natural: g'' by [xi2 >= 0] lambda2 = lambda2 (all cosines positive here), g_2 by lambda1.
    // Printed: g'' by lambda1, g_2 by lambda2.
    Towers natural = towers({{2, 0}, {4, 4}, {1, 1}});
    Towers printed = towers({{2, 0}, {4, 4}, {1, 1}});
    makeDRGrad(natural.split, 1.0, false)->combine(methodInput({{1.0}, {1.0}}));
    makeDRGrad(printed.split, 1.0, true)->combine(methodInput({{1.0}, {1.0}}));
    const double lambda2 = 2 / std::sqrt(32.0), lambda1 = 1;
    compareVectors(grad(natural.split.dedicated[0]), {2 + 4 * lambda2 + lambda1, 4 * lambda2 + lambda1});
    compareVectors(grad(printed.split.dedicated[0]), {2 + 4 * lambda1 + lambda2, 4 * lambda1 + lambda2});
  }
  void printedPairingSwapsTheFactors()
  {
    Towers t = towers({{1, 0}, {-1, 1}, {0.5, 0.5}});
    auto method = makeDRGrad(t.split, 2.0, true);
    const MethodOutput out = runOnce(*method, 2);
    const double xi2 = -1 / std::sqrt(2.0), xi1 = 1 / std::sqrt(2.0), lambda1 = 1;
    const double a = 1 * lambda1;  // xi1 >= 0: no amplification
    const double b = 0;            // xi2 < 0: g_2 is not routed
    compareVectors(grad(t.split.dedicated[0]), {1 - a, a});
    compareVectors(grad(t.split.shared[0]), {-(1 - xi1 * xi2), 1 - xi1 * xi2});
    QCOMPARE(out.state[4], a);
    QCOMPARE(out.state[5], b);
  }
  void cooperatingTowersLeaveTheSharedTowerAlone()
  {
    // All cosines positive: T'' keeps its gradient, T' takes both others scaled by the clipped ratios.
    Towers t = towers({{2, 1}, {4, 0}, {1, 1}, {0, 8}});
    auto method = makeDRGrad(t.split, 1.0, false);
    const MethodOutput out = runOnce(*method, 3);
    const double n1 = std::sqrt(5.0);
    const double a = n1 / 4, b2 = 1, b3 = n1 / 8;  // |g'| / |g''|; |g'| > |g_2|: 1; |g'| / |g_3|
    compareVectors(grad(t.split.dedicated[0]), {2 + 4 * a + b2, 1 + b2 + 8 * b3});
    compareVectors(grad(t.split.shared[0]), {4, 0});
    QCOMPARE(out.state.size(), size_t(3 * 2 + 6));
    QCOMPARE(out.state[3 * 2 + 3], 0.0);  // shared<-shared
  }
  void gammaZeroRoutesWholeGradients()
  {
    Towers t = towers({{1, 0}, {0, 3}, {0, 5}});
    auto method = makeDRGrad(t.split, 0.0, false);
    runOnce(*method, 2);
    // Orthogonal everywhere: xi = 0 counts as cooperating, lambda = 1 whatever the norms.
    compareVectors(grad(t.split.dedicated[0]), {1, 3 + 5});
  }
  void zeroGradientsRouteNothingAndStayFinite()
  {
    Towers t = towers({{0, 0}, {1, 1}, {2, 0}});
    auto method = makeDRGrad(t.split, 1.0, false);
    const MethodOutput out = runOnce(*method, 2);
    compareVectors(grad(t.split.dedicated[0]), {0, 0});  // |g'| = 0: every lambda is 0
    compareVectors(grad(t.split.shared[0]), {1, 1});
    QVERIFY(allFinite(out.state));
    QCOMPARE(out.flags, 0u);
  }
  void nonFiniteGradientsFallBackAndKeepTheMix()
  {
    Towers t = towers({{NAN, 0}, {1, 1}, {2, 0}});
    auto method = makeDRGrad(t.split, 1.0, false);
    const MethodOutput out = runOnce(*method, 2);
    QVERIFY(out.flags & kMethodFallback);
    compareVectors(grad(t.split.shared[0]), {1, 1});
    compareVectors(values(t.split.mix), {0.5, 0.5});
    QCOMPARE(out.state.back(), 0.5);
    QVERIFY(std::isnan(out.state.front()));
  }
  void theUpdaterAccumulatesNorms()
  {
    // T' gets the larger update every step, so its share of the mix grows step after step.
    Towers t = towers({{1, 0}, {0.1, 0}, {1, 0}});
    auto method = makeDRGrad(t.split, 1.0, false);
    double previous = 0.5;
    for (int step = 0; step < 3; ++step) {
      t.split.dedicated[0].mutable_grad() = t.grads[0].clone();
      t.split.shared[0].mutable_grad() = t.grads[1].clone();
      const MethodOutput out = runOnce(*method, 2);
      const double mu = out.state[out.state.size() - 2];
      QVERIFY(mu > previous);
      previous = mu;
    }
    // Each step T' moves by |g' + 0.1 g'' + g_2| = 2.1 and T'' by 0.1: mu' = softmax(6.3, 0.3)_1.
    QVERIFY(std::abs(previous - 1 / (1 + std::exp(0.3 - 6.3))) < 1e-12);
  }
  void drgradNeedsASplitTask()
  {
    const QString error = errorOf([] { makeMethod("drgrad", 2); });
    QVERIFY2(error.contains("model.split_task"), qPrintable(error));
  }

  void splitMmoeWithTheDedicatedTowerOnlyIsTheMmoe()
  {
    // Same seed, same creation order: the split model's other modules equal the plain model's.
    ModelConfig plainConfig = tinyMmoe(), splitConfig = tinyMmoe();
    splitConfig.splitTask = "a";
    torch::manual_seed(5);
    auto plain = makeModel(tinySpec(), plainConfig);
    torch::manual_seed(5);
    auto split = makeModel(tinySpec(), splitConfig);
    const Batch batch = tinyBatch();
    const SplitTowers* towers = split->splitTowers();
    QVERIFY(towers && towers->task == 0);
    torch::NoGradGuard noGrad;
    towers->mix.copy_(at::tensor({1.0, 0.0}));
    QVERIFY(at::allclose(split->forward(batch), plain->forward(batch)));
    // With the whole mix on T'', a T'' that equals task b's tower gives task b's output.
    for (size_t i = 0; i < towers->shared.size(); ++i) towers->shared[i].copy_(towers->others[1][i]);
    towers->mix.copy_(at::tensor({0.0, 1.0}));
    const at::Tensor y = split->forward(batch);
    QVERIFY(at::allclose(y.select(1, 0), y.select(1, 1)));
  }
  void splitAndPersonalizedGateTagsTheirParameters()
  {
    ModelConfig config = tinyMmoe();
    config.splitTask = "a";
    config.ppnet = true;
    auto model = makeModel(tinySpec(), config);
    QVERIFY(!model->separableHead());
    std::map<std::string, int> taskOf;
    for (const auto& p : model->parameterInfo()) taskOf[p.module] = p.task;
    QCOMPARE(taskOf.at("gate.b"), -1);  // T'' reads it for task a
    QCOMPARE(taskOf.at("gate.a"), 0);
    QCOMPARE(taskOf.at("ppnet"), -1);
    QCOMPARE(taskOf.at("tower.a.dedicated"), 0);
    QCOMPARE(taskOf.at("tower.a.shared"), 0);
    QCOMPARE(taskOf.at("tower.b"), 1);
  }
  void badSplitTasksAreRefused()
  {
    ModelConfig config = tinyMmoe();
    config.splitTask = "nope";
    QCOMPARE(errorOf([&] { makeModel(tinySpec(), config); }),
             QString("config field model.split_task: 'nope' is not a task of the data (a, b)"));
    RunConfig c = splitRun();
    c.model.type = ModelType::PLE;
    const QString type = errorOf([&] { validate(c); });
    QVERIFY2(type.startsWith("config field model.split_task: only model type mmoe"), qPrintable(type));
  }

  void aRunRecordsTheRoutersDecisions()
  {
    const RunConfig c = splitRun();
    validate(c);
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    Trainer trainer(c, data);
    Recorder r;
    trainer.run(r);
    QVERIFY2(r.finish.error.empty(), r.finish.error.c_str());
    QCOMPARE(r.info.methodStateNames.size(), size_t(9));
    QCOMPARE(r.info.methodStateNames.front(), std::string("xi1.task1"));
    QCOMPARE(r.steps.size(), size_t(60));
    for (const auto& s : r.steps) {
      QCOMPARE(s.methodState.size(), size_t(9));
      QVERIFY(std::abs(s.methodState[7] + s.methodState[8] - 1) < 1e-6);  // the mix sums to 1
      for (float v : s.methodState) QVERIFY(std::isfinite(v));
      QCOMPARE(s.weight, (std::vector<float>{1, 1}));
    }
    // The mix moved away from its start and the trained model predicts the primary task.
    QVERIFY(std::abs(r.steps.back().methodState[7] - 0.5) > 1e-3);
    QVERIFY2(r.evals.back().auc[0] > 0.55, qPrintable(QString::number(r.evals.back().auc[0])));
  }
};

QTEST_APPLESS_MAIN(TestDRGrad)
#include "tst_drgrad.moc"
