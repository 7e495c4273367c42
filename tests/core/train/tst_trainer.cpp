#include <QtTest>

#include <chrono>
#include <cmath>
#include <thread>

#include "config/run_config.h"
#include "tests/core/error_of.h"
#include "methods/registry.h"
#include "tests/core/recorder.h"
#include "train/fused_adam.h"
#include "train/prepared_data.h"
#include "train/run_validation.h"
#include "train/trainer.h"
#include "util/error.h"

using namespace seesaw;
using seesaw::test::errorOf;

namespace {


RunConfig smallSynthetic()
{
  RunConfig c = presetConfig("synthetic");
  auto& s = c.data.synthetic;
  s.users = 400;
  s.items = 200;
  s.rows = 60000;
  s.tasks = 3;
  s.groups = {{0.8, 1.0}};
  c.train.batchSize = 512;
  c.train.steps = 300;
  c.train.evalEvery = 100;
  c.train.threads = 2;
  return c;
}

// SGD with a huge learning rate: the weights explode within a few steps.
RunConfig exploding(TaskType type, int64_t steps)
{
  RunConfig c = smallSynthetic();
  c.data.synthetic.taskType = type;
  c.train.lr = type == TaskType::Regression ? 1e12 : 1e30;
  c.train.optimizer = OptimizerType::SGD;
  c.train.steps = steps;
  return c;
}

Recorder run(const RunConfig& config, const std::shared_ptr<const PreparedData>& data)
{
  Trainer trainer(config, data);
  Recorder r;
  trainer.run(r);
  return r;
}

// Two float parameters take the fused pass, a double one LibTorch's own step; with weight decay,
// over steps with different gradients. The fused arithmetic may round differently.
template <class Fused, class Reference, class Options>
void followsLibTorch(const Options& options)
{
  torch::manual_seed(7);
  const std::vector<at::Tensor> start = {at::randn({300, 16}), at::randn({17}), at::randn({5}, at::kDouble)};
  std::vector<at::Tensor> a, b;
  for (const auto& t : start) {
    a.push_back(t.clone().requires_grad_(true));
    b.push_back(t.clone().requires_grad_(true));
  }
  Fused fused(a, options);
  Reference reference(b, options);
  for (int step = 0; step < 20; ++step)
    for (size_t i = 0; i < start.size(); ++i) {
      const at::Tensor g = at::randn_like(start[i]) * (1 + step);
      a[i].mutable_grad() = g.clone();
      b[i].mutable_grad() = g.clone();
      if (i + 1 == start.size()) {
        fused.step();
        reference.step();
      }
    }
  for (size_t i = 0; i < start.size(); ++i) {
    const double moved = (b[i] - start[i]).abs().max().item<double>();
    QVERIFY(moved > 0.05);  // the comparison is not one of parameters that stood still
    QVERIFY2((a[i] - b[i]).abs().max().item<double>() < 1e-5 * moved, qPrintable(QString::number(i)));
  }
  QCOMPARE(fused.state().size(), reference.state().size());
}

}  // namespace

class TestTrainer : public QObject
{
  Q_OBJECT
private Q_SLOTS:
  void fusedAdamFollowsLibTorchsAdam() { followsLibTorch<FusedAdam, torch::optim::Adam>(torch::optim::AdamOptions(0.01).weight_decay(0.1)); }
  void fusedAdamWFollowsLibTorchsAdamW()
  {
    followsLibTorch<FusedAdamW, torch::optim::AdamW>(torch::optim::AdamWOptions(0.01).weight_decay(0.5));
  }
  void learnsEveryTaskOfTheSyntheticData()
  {
    const RunConfig c = smallSynthetic();
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    const Recorder r = run(c, data);
    QVERIFY(r.finish.error.empty());
    QCOMPARE(r.steps.size(), size_t(300));
    const EvalRecord& valid = r.evals[r.evals.size() - 2];
    QCOMPARE(valid.split, std::string("valid"));
    for (int k = 0; k < 3; ++k) QVERIFY2(valid.auc[k] > 0.75, qPrintable(QString("task %1 AUC %2").arg(k).arg(valid.auc[k])));
    QCOMPARE(r.evals.back().split, std::string("test"));
    // Gradient geometry is recorded and sane.
    const StepRecord& last = r.steps.back();
    QCOMPARE(last.cosine.size(), size_t(9));
    for (float v : last.cosine) QVERIFY(v >= -1.0f && v <= 1.0f);
    QCOMPARE(last.moduleCosine.size(), r.info.moduleNames.size() * 3);
    QCOMPARE(*std::max_element(last.magnitudeRatio.begin(), last.magnitudeRatio.end()), 1.0f);
    QCOMPARE(last.weight, (std::vector<float>{1, 1, 1}));
  }
  void sameSeedGivesTheSameRun()
  {
    RunConfig c = smallSynthetic();
    c.train.steps = 40;
    c.train.evalEvery = 20;
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    const Recorder a = run(c, data), b = run(c, data);
    QCOMPARE(a.steps.size(), b.steps.size());
    for (size_t i = 0; i < a.steps.size(); ++i) {
      QCOMPARE(a.steps[i].loss, b.steps[i].loss);
      QCOMPARE(a.steps[i].gradNorm, b.steps[i].gradNorm);
    }
    QCOMPARE(a.evals.back().auc, b.evals.back().auc);
    c.train.seed = 2;
    const Recorder other = run(c, data);
    QVERIFY(other.steps.back().loss != a.steps.back().loss);
  }
  void analyzeAndPlainBackwardTrainAlike()
  {
    // EW's combined gradient is the gradient of the summed loss, so both paths take the same steps.
    RunConfig c = smallSynthetic();
    c.train.steps = 20;
    c.train.evalEvery = 0;
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    const Recorder analyzed = run(c, data);
    c.train.analyze = false;
    const Recorder plain = run(c, data);
    for (int k = 0; k < 3; ++k)
      QVERIFY(std::abs(analyzed.steps.back().loss[k] - plain.steps.back().loss[k]) < 1e-4);
    QVERIFY(std::isnan(plain.steps.back().cosine[1]));  // not measured without analyze
  }
  void dtrnTrainsOnEveryModelType()
  {
    // A few steps with DTRN on each architecture: finite losses, and EW's exact per-task gradients
    // (one autograd pass per task) step as one backward pass of the loss sum does.
    RunConfig c = smallSynthetic();
    c.train.steps = 5;
    c.train.evalEvery = 0;
    c.model.dtrn = true;
    c.model.bottomHidden = c.model.expertHidden = {32, 16};
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    for (ModelType type : {ModelType::SharedBottom, ModelType::MMoE, ModelType::PLE}) {
      c.model.type = type;
      c.train.analyze = true;
      const Recorder analyzed = run(c, data);
      QVERIFY2(analyzed.finish.error.empty(), analyzed.finish.error.c_str());
      QCOMPARE(analyzed.steps.size(), size_t(5));
      c.train.analyze = false;
      const Recorder plain = run(c, data);
      for (int k = 0; k < 3; ++k) {
        QVERIFY(std::isfinite(analyzed.steps.back().loss[k]));
        QVERIFY2(std::abs(analyzed.steps.back().loss[k] - plain.steps.back().loss[k]) < 1e-4,
                 modelTypeName(type).c_str());
      }
    }
  }
  void nonFiniteLossesStopOrSkipAsConfigured()
  {
    RunConfig c = exploding(TaskType::Regression, 50);
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    const Recorder stopped = run(c, data);
    QVERIFY2(QString::fromStdString(stopped.finish.error).contains("non-finite"), stopped.finish.error.c_str());
    QVERIFY(stopped.steps.back().flags & kStepNonFinite);
    QVERIFY(stopped.finish.steps < 50);
    c.train.onNonFinite = NonFinitePolicy::Skip;
    const Recorder skipped = run(c, data);
    QVERIFY(skipped.finish.error.empty());
    QCOMPARE(skipped.finish.steps, int64_t(50));
    QVERIFY(skipped.steps.back().flags & kStepSkipped);
  }
  void brokenBinaryModelsStillFinishTheirEvaluation()
  {
    // Exploding updates leave NaN scores behind; evaluation must report NaN, not hang or crash.
    RunConfig c = exploding(TaskType::Binary, 30);
    c.train.evalEvery = 10;
    c.train.onNonFinite = NonFinitePolicy::Skip;
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    const Recorder r = run(c, data);
    QCOMPARE(r.finish.steps, int64_t(30));
    QCOMPARE(r.evals.back().split, std::string("test"));
    QVERIFY(r.steps.back().flags & kStepNonFinite);
  }
  void plainBackwardChecksGradientsToo()
  {
    RunConfig c = exploding(TaskType::Regression, 50);
    c.train.analyze = false;
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    const Recorder r = run(c, data);
    QVERIFY2(QString::fromStdString(r.finish.error).contains("non-finite"), r.finish.error.c_str());
  }
  void stopFlagEndsTheRunEarly()
  {
    RunConfig c = smallSynthetic();
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    Trainer trainer(c, data);
    Recorder r;
    RunControl control;
    control.stop = true;
    const RunEnd end = trainer.run(r, control);
    QVERIFY(end.stopped);
    QCOMPARE(end.steps, int64_t(0));
  }

  void steeringAppliesFromTheNextStepAndIsRecorded()
  {
    RunConfig c = smallSynthetic();
    c.train.steps = 12;
    c.train.lr = 1e-3;
    c.train.userSnapshotEvery = 0;
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    Trainer trainer(c, data);
    RunControl control;
    // Steers from the trainer's own thread, as the app's would between two steps.
    struct Steerer : Recorder
    {
      RunControl* control = nullptr;
      void step(const StepRecord& r) override
      {
        Recorder::step(r);
        if (r.step == 4) control->steer({0.0005, std::string("gradcraft"), {{"tau", 0.5}}, std::nullopt});
        if (r.step == 6) control->steer({std::nullopt, std::nullopt, {{"tau", 0.5}}, std::nullopt});  // no change: nothing to record
        if (r.step == 7) control->steer({std::nullopt, std::nullopt, {}, std::vector<double>{1, 2, 0.5}});  // gradcraft takes no weights
        if (r.step == 8) control->steer({-1.0, std::string("no-such-method"), {}, std::nullopt});
        if (r.step == 10) control->steer({std::nullopt, std::nullopt, {{"tau", 7.0}}, std::nullopt});  // out of range
        if (r.step == 11) control->steer({std::nullopt, std::string("fixed"), {}, std::vector<double>{1, 2, 0.5}});
      }
    } r;
    r.control = &control;
    trainer.run(r, control);
    QCOMPARE(r.steps.size(), size_t(12));
    QCOMPARE(r.steps[3].lr, 1e-3);
    QCOMPARE(r.steps[4].lr, 0.0005);  // step 5 runs with the new rate
    const auto find = [&](int64_t step, const std::string& field) {
      for (const ChangeRecord& ch : r.changes)
        if (ch.step == step && ch.field == field) return ch;
      return ChangeRecord{-1, field, "", "", "missing"};
    };
    const ChangeRecord lr = find(5, "train.lr"), method = find(5, "method.name"), tau = find(5, "method.params.tau");
    QCOMPARE(lr.oldValue, std::string("0.001"));
    QCOMPARE(lr.newValue, std::string("0.0005"));
    QVERIFY(lr.refused.empty());
    QCOMPARE(method.oldValue, std::string("\"ew\""));
    QCOMPARE(method.newValue, std::string("\"gradcraft\""));
    QVERIFY(method.refused.empty());
    QCOMPARE(tau.newValue, std::string("0.5"));
    // GradCraft's weights differ from EW's ones from step 5 on: the new method combines.
    bool moved = false;
    for (size_t i = 4; i < 8; ++i)
      for (float w : r.steps[i].weight) moved = moved || std::abs(w - 1.0f) > 1e-4f;
    QVERIFY(moved);
    QCOMPARE(find(7, "method.params.tau").refused, std::string("missing"));  // the same value asked again is no change
    // Refused changes change nothing and say why.
    const ChangeRecord badLr = find(9, "train.lr"), badMethod = find(9, "method.name"), badTau = find(11, "method.params.tau");
    QCOMPARE(badLr.refused, std::string("config field train.lr: must lie in (0, 100], found -1"));
    QCOMPARE(r.steps[9].lr, 0.0005);
    QVERIFY2(badMethod.refused.find("no-such-method") != std::string::npos, badMethod.refused.c_str());
    QVERIFY2(badTau.refused.find("method.params.tau") != std::string::npos, badTau.refused.c_str());
    QCOMPARE(badTau.oldValue, std::string("0.5"));
    QCOMPARE(find(8, "train.task_weights").refused, std::string("config field train.task_weights: applies to method 'fixed' only (method is 'gradcraft')"));
    // Weights go with the method that takes them, and it applies them from the next step.
    const ChangeRecord fixedMethod = find(12, "method.name"), fixedWeights = find(12, "train.task_weights");
    QVERIFY2(fixedMethod.refused.empty(), fixedMethod.refused.c_str());
    QCOMPARE(fixedWeights.oldValue, std::string("[]"));
    QCOMPARE(fixedWeights.newValue, std::string("[1.0,2.0,0.5]"));
    QCOMPARE(r.steps[11].weight, (std::vector<float>{1, 2, 0.5f}));
  }

  void pauseHoldsTheRunUntilStopped()
  {
    RunConfig c = smallSynthetic();
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    Trainer trainer(c, data);
    Recorder r;
    RunControl control;
    control.pause = true;
    std::thread stopper([&control] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      control.stop = true;
    });
    const RunEnd end = trainer.run(r, control);
    stopper.join();
    QVERIFY(end.stopped);
    QCOMPARE(end.steps, int64_t(0));  // paused before the first step, then stopped while paused
    QVERIFY(r.steps.empty());
  }
  void everyMethodTrainsFromTheConfig()
  {
    RunConfig c = smallSynthetic();
    c.train.steps = 30;
    c.train.evalEvery = 0;
    c.train.userSnapshotEvery = 10;
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    for (const auto& m : methodRegistry().methods()) {
      c.method.name = m.name;
      c.train.taskWeights = m.name == "fixed" ? std::vector<double>{2, 1, 0.5} : std::vector<double>{};
      c.model.splitTask = m.name == "drgrad" ? "task0" : "";
      validate(c);
      const Recorder r = run(c, data);
      const QString name = QString::fromStdString(m.name);
      QVERIFY2(r.finish.error.empty(), qPrintable(name + ": " + QString::fromStdString(r.finish.error)));
      QCOMPARE(r.steps.size(), size_t(30));
      for (const auto& step : r.steps) {
        QVERIFY2(!(step.flags & kStepNonFinite), qPrintable(name));
        for (float w : step.weight) QVERIFY2(std::isfinite(w), qPrintable(name));
      }
      if (m.name == "fixed") QCOMPARE(r.steps.back().weight, (std::vector<float>{2, 1, 0.5}));
      QVERIFY2(r.evals.back().auc[0] > 0.55, qPrintable(name + QString(" test AUC %1").arg(r.evals.back().auc[0])));
      QCOMPARE(r.snapshots.size(), size_t(3));
      // Every user seen in a window has finite weights under every method.
      const EntityGeometry& s = r.snapshots.back().users;
      for (size_t u = 0; u < s.count.size(); ++u)
        if (s.count[u] > 0)
          for (int k = 0; k < 3; ++k) QVERIFY2(std::isfinite(s.weight[u * 3 + k]), qPrintable(name));
    }
  }
  void perUserWeightsAreWhatTheUpdateGaveEachUser()
  {
    // One-step windows: a method that combines the task gradients with global coefficients gives
    // every user those coefficients (its recorded weights); PMTRec weights each user's row its own way.
    RunConfig c = smallSynthetic();
    c.train.steps = 4;
    c.train.evalEvery = 0;
    c.train.userSnapshotEvery = 1;
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    for (const char* name : {"ew", "pcgrad", "mgda", "pmtrec"}) {
      c.method.name = name;
      const Recorder r = run(c, data);
      QCOMPARE(r.snapshots.size(), size_t(4));
      double spread = 0;
      for (size_t t = 0; t < r.snapshots.size(); ++t) {
        const EntityGeometry& s = r.snapshots[t].users;
        const std::vector<float>& global = r.steps[t].weight;
        std::vector<float> low(3, 1e9f), high(3, -1e9f);
        for (size_t u = 0; u < s.count.size(); ++u) {
          if (s.count[u] == 0) continue;
          for (int k = 0; k < 3; ++k) {
            const float w = s.weight[u * 3 + k];
            QVERIFY2(std::isfinite(w), name);
            low[k] = std::min(low[k], w);
            high[k] = std::max(high[k], w);
            if (std::string(name) != "pmtrec")
              QVERIFY2(std::abs(w - global[k]) <= 2e-3 * (1 + std::abs(global[k])),
                       qPrintable(QString("%1 step %2 user %3 task %4: %5 vs %6").arg(name).arg(t + 1).arg(u).arg(k).arg(w).arg(global[k])));
          }
        }
        for (int k = 0; k < 3; ++k) spread = std::max(spread, double(high[k] - low[k]));
      }
      if (std::string(name) == "pmtrec") QVERIFY2(spread > 0.05, qPrintable(QString("PMTRec spread %1").arg(spread)));
    }
  }
  void anL2StepOfOneLearningRateClearsEveryWeightMatrix()
  {
    // SGD on the gradient 2 * l2_step * W with 2 * lr * l2_step = 1 sets W to 0: every embedding
    // row and weight matrix vanishes, only biases are left, and every sample gets the same
    // prediction (AUC 0.5). Without the step the model ranks.
    RunConfig c = smallSynthetic();
    c.train.optimizer = OptimizerType::SGD;
    c.train.lr = 0.1;
    c.train.steps = 5;
    c.train.evalEvery = 0;
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    c.train.l2Step = 5;
    const Recorder cleared = run(c, data);
    for (double auc : cleared.evals.back().auc) QCOMPARE(auc, 0.5);
    c.train.l2Step = 0;
    const Recorder plain = run(c, data);
    QVERIFY(plain.evals.back().auc[0] != 0.5);
  }
  void mgdaUpperBoundTrainsAndIsRefusedWithDtrn()
  {
    RunConfig c = smallSynthetic();
    c.method.name = "mgda";
    c.method.params = {{"ub", 1}};
    c.train.steps = 10;
    c.train.evalEvery = 0;
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    const Recorder r = run(c, data);
    QVERIFY2(r.finish.error.empty(), r.finish.error.c_str());
    for (const auto& step : r.steps) {
      QVERIFY(!(step.flags & kStepMethodFallback));
      QVERIFY(std::abs(step.weight[0] + step.weight[1] + step.weight[2] - 1) < 1e-5);  // the simplex
    }
    c.model.dtrn = true;
    const QString ub = errorOf([&] { Trainer trainer(c, data); });
    QVERIFY2(ub.startsWith("config field method.params.ub: MGDA-UB needs a representation"), qPrintable(ub));
    // DTRN has no shared representation for the per-user levels either; the embedding rows it has,
    // and they are its default.
    c.method.params.clear();
    c.train.steps = 2;
    c.train.geometryLevels = {"exact", "embedding"};
    const QString levels = errorOf([&] { Trainer trainer(c, data); });
    QVERIFY2(levels.startsWith("config field train.geometry_levels: the representation and exact levels need"), qPrintable(levels));
    c.train.geometryLevels.clear();
    Trainer trainer(c, data);
    QCOMPARE(trainer.info().geometryLevels, std::vector<std::string>{"embedding"});
    const Recorder embedding = run(c, data);
    QVERIFY(embedding.finish.error.empty());
    QCOMPARE(embedding.snapshots.back().users.levels.size(), size_t(1));
  }
  void taskWeightsOfTheWrongLengthAreRefused()
  {
    RunConfig c = smallSynthetic();
    c.method.name = "fixed";
    c.train.taskWeights = {1, 2};
    const auto data = std::make_shared<PreparedData>(prepareData(c.data));
    QCOMPARE(errorOf([&] { Trainer trainer(c, data); }),
             QString("config field train.task_weights: has 2 entries, but the data has 3 tasks"));
  }
};

QTEST_APPLESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
