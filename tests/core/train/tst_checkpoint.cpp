// Checkpoints and branches: every method's state survives a save and a load, a run continued from
// a checkpoint takes exactly the steps its parent took, a branch changes only what it says, and
// files that are not checkpoints of this run are refused by name.

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "config/run_config.h"
#include "tests/core/error_of.h"
#include "tests/core/method_inputs.h"
#include "tests/core/recorder.h"
#include "train/branch.h"
#include "train/checkpoint.h"
#include "train/prepared_data.h"
#include "train/trainer.h"

using namespace seesaw;
using seesaw::test::errorOf;

namespace {

RunConfig tinyRun(const std::string& method)
{
  RunConfig c = presetConfig("synthetic");
  auto& s = c.data.synthetic;
  s.users = 120;
  s.items = 80;
  s.rows = 12000;
  s.tasks = 3;
  c.model.expertHidden = {32};
  c.model.towerHidden = {8};
  c.train.batchSize = 256;
  c.train.steps = 40;
  c.train.evalEvery = 10;
  c.train.userSnapshotEvery = 10;
  c.train.checkpointEvery = 15;  // mid-window: the open window's sums must carry over
  c.train.threads = 2;
  c.method.name = method;
  return c;
}

Recorder train(Trainer& trainer)
{
  Recorder r;
  trainer.run(r);
  return r;
}

// The branch of `saved`'s checkpoint at `path` with the settings `wanted`, run to its end.
Recorder branch(const std::string& path, const RunConfig& wanted, const std::shared_ptr<const PreparedData>& data)
{
  const BranchPlan plan = planBranch(readCheckpointHeader(path).config, wanted);
  Trainer trainer(plan.start, data);
  trainer.restore(path, plan.changes);
  return train(trainer);
}

const StepRecord& stepOf(const Recorder& r, int64_t step)
{
  for (const auto& s : r.steps)
    if (s.step == step) return s;
  throw std::runtime_error("no step " + std::to_string(step));
}

// Equal to the bit, NaN (an undefined cosine) matching NaN.
bool same(const std::vector<float>& a, const std::vector<float>& b)
{
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

bool sameStep(const StepRecord& a, const StepRecord& b)
{
  return a.step == b.step && a.epoch == b.epoch && a.lr == b.lr && a.flags == b.flags && same(a.loss, b.loss) && same(a.cosine, b.cosine) &&
         same(a.gradNorm, b.gradNorm) && same(a.weight, b.weight) && same(a.moduleCosine, b.moduleCosine) &&
         same(a.methodState, b.methodState);
}

}  // namespace

class TestCheckpoint : public QObject
{
  Q_OBJECT
private Q_SLOTS:
  void init() { std::filesystem::remove_all(dir()); }
  void cleanupTestCase() { std::filesystem::remove_all(dir()); }

  // Every registered method, fed the same gradients: one restored from another's saved state
  // combines the following steps exactly as the saved one does.
  void everyMethodResumesFromItsSavedState()
  {
    const int K = 3;
    std::mt19937_64 rng(7);
    std::normal_distribution<double> normal;
    std::vector<MethodInput> inputs;
    for (int i = 0; i < 12; ++i) {
      test::Rows rows(K, std::vector<double>(6));
      for (auto& row : rows)
        for (double& v : row) v = normal(rng);
      std::vector<double> losses = {0.7 + 0.01 * i, 0.5 - 0.01 * i, 0.9};
      inputs.push_back(test::methodInput(rows, losses, i + 1, 1 + i / 3));  // four epochs, for DWA
    }
    for (const auto& info : methodRegistry().methods()) {
      if (info.name == "drgrad") continue;  // needs a model's split towers: covered by the trainer case below
      auto saved = test::makeMethod(info.name, K);
      for (int i = 0; i < 6; ++i) saved->combine(inputs[static_cast<size_t>(i)]);
      SavedState state;
      saved->saveState(state);
      auto restored = test::makeMethod(info.name, K);
      restored->loadState(state);
      for (size_t p = 0; p < saved->parameters().size(); ++p) restored->parameters()[p].data().copy_(saved->parameters()[p].data());
      for (int i = 6; i < 12; ++i) {
        const MethodOutput a = saved->combine(inputs[static_cast<size_t>(i)]);
        const MethodOutput b = restored->combine(inputs[static_cast<size_t>(i)]);
        QVERIFY2(a.combined.equal(b.combined), qPrintable(QString::fromStdString(info.name)));
        QCOMPARE(a.weights, b.weights);
        QCOMPARE(a.taskScale, b.taskScale);
      }
    }
    // The state is what made the difference: a fresh PCGrad draws other projection orders.
    auto saved = test::makeMethod("pcgrad", K);
    auto fresh = test::makeMethod("pcgrad", K);
    for (int i = 0; i < 6; ++i) saved->combine(inputs[static_cast<size_t>(i)]);
    bool differs = false;
    for (int i = 6; i < 12; ++i)
      differs = differs || saved->combine(inputs[static_cast<size_t>(i)]).weights != fresh->combine(inputs[static_cast<size_t>(i)]).weights;
    QVERIFY(differs);
  }

  // The determinism test of a branch: unchanged settings reproduce the parent's following steps,
  // evaluations and per-user windows exactly, for methods with each kind of state.
  void continuationReproducesTheParent_data()
  {
    QTest::addColumn<QString>("method");
    QTest::addColumn<int>("optimizer");
    for (const char* m : {"pcgrad", "gradnorm", "db_mtl", "dwa", "uw"}) QTest::newRow(m) << m << int(OptimizerType::Adam);
    QTest::newRow("pcgrad-adamw") << "pcgrad" << int(OptimizerType::AdamW);
    QTest::newRow("pcgrad-sgd") << "pcgrad" << int(OptimizerType::SGD);
  }
  void continuationReproducesTheParent()
  {
    QFETCH(QString, method);
    QFETCH(int, optimizer);
    RunConfig config = tinyRun(method.toStdString());
    config.train.optimizer = static_cast<OptimizerType>(optimizer);
    config.train.weightDecay = 0.01;
    const auto data = std::make_shared<PreparedData>(prepareData(config.data));
    Trainer parentTrainer(config, data);
    parentTrainer.setCheckpointDirectory(dir(), dir() + "/parent.h5");
    const Recorder parent = train(parentTrainer);
    QVERIFY(parent.finish.error.empty());
    std::vector<int64_t> saved;
    for (const auto& c : parent.changes) {
      QCOMPARE(c.field, std::string("checkpoint"));
      QVERIFY2(c.refused.empty(), c.refused.c_str());
      QCOMPARE(c.newValue, nlohmann::json(checkpointFile(dir(), c.step)).dump());
      saved.push_back(c.step);
    }
    QCOMPARE(saved, (std::vector<int64_t>{15, 30}));
    QCOMPARE(readCheckpointHeader(checkpointFile(dir(), 15)).trace, dir() + "/parent.h5");

    const Recorder child = branch(checkpointFile(dir(), 15), config, data);
    QVERIFY(child.finish.error.empty());
    QCOMPARE(child.info.branch.step, int64_t(15));
    QCOMPARE(child.info.branch.parentTrace, dir() + "/parent.h5");
    QCOMPARE(child.steps.size(), size_t(25));
    for (const auto& s : child.steps) QVERIFY2(sameStep(s, stepOf(parent, s.step)), qPrintable(QString("step %1").arg(s.step)));
    // The windows ending at 20, 30 and 40: the first began before the checkpoint.
    QCOMPARE(child.snapshots.size(), size_t(3));
    for (size_t i = 0; i < 3; ++i) {
      const GeometrySnapshot& a = child.snapshots[i];
      const GeometrySnapshot& b = parent.snapshots[i + 1];
      QCOMPARE(a.step, b.step);
      QCOMPARE(a.windowStart, b.windowStart);
      QCOMPARE(a.users.count, b.users.count);
      QCOMPARE(a.users.weight, b.users.weight);
      for (size_t l = 0; l < a.users.levels.size(); ++l) {
        const auto& x = a.users.levels[l].cosine;
        const auto& y = b.users.levels[l].cosine;
        QCOMPARE(x.size(), y.size());
        QVERIFY(same(x, y));
      }
    }
    QCOMPARE(child.evals.back().auc, parent.evals.back().auc);
  }

  // Another method from the checkpoint: the first branch step sees the parent's model and batch
  // (so its losses are the parent's), then the runs part; the change log says what changed.
  void branchWithAnotherMethod()
  {
    RunConfig config = tinyRun("pcgrad");
    config.model.splitTask = "task1";  // DRGrad's towers, there from the start: a branch keeps the model
    const auto data = std::make_shared<PreparedData>(prepareData(config.data));
    Trainer parentTrainer(config, data);
    parentTrainer.setCheckpointDirectory(dir(), "");
    const Recorder parent = train(parentTrainer);

    RunConfig wanted = config;
    wanted.method.name = "drgrad";
    wanted.method.params = {};
    wanted.train.lr = 5e-3;
    wanted.train.steps = 50;
    const Recorder child = branch(checkpointFile(dir(), 30), wanted, data);
    QVERIFY2(child.finish.error.empty(), child.finish.error.c_str());
    QCOMPARE(child.info.method, std::string("drgrad"));
    QVERIFY(!child.info.methodStateNames.empty());  // DRGrad records its router, PCGrad nothing
    QCOMPARE(child.steps.front().step, int64_t(31));
    QCOMPARE(child.steps.back().step, int64_t(50));
    QCOMPARE(child.steps.front().loss, stepOf(parent, 31).loss);
    QVERIFY(child.steps[1].loss != stepOf(parent, 32).loss);
    QCOMPARE(child.steps.front().lr, 5e-3);
    std::map<std::string, ChangeRecord> changes;
    for (const auto& c : child.changes) changes[c.field] = c;
    QCOMPARE(changes.at("method.name").oldValue, std::string("\"pcgrad\""));
    QCOMPARE(changes.at("method.name").newValue, std::string("\"drgrad\""));
    QCOMPARE(changes.at("method.name").step, int64_t(31));
    QCOMPARE(changes.at("train.lr").newValue, std::string("0.005"));
    QCOMPARE(parseRunConfig(child.info.configJson, "branch", "").method.name, std::string("drgrad"));

    // A method with learnable weights gets an optimizer group of its own: saved and restored too.
    RunConfig weighted = config;
    weighted.method.name = "uw";
    weighted.method.params = {};
    const std::string uwDir = dir() + "/uw";
    Trainer uwTrainer(planBranch(config, weighted).start, data);
    uwTrainer.setCheckpointDirectory(uwDir, "");
    uwTrainer.restore(checkpointFile(dir(), 15), planBranch(config, weighted).changes);
    const Recorder uw = train(uwTrainer);
    QVERIFY(uw.finish.error.empty());
    const Recorder uwContinued = branch(checkpointFile(uwDir, 30), weighted, data);
    for (const auto& s : uwContinued.steps) QVERIFY2(sameStep(s, stepOf(uw, s.step)), qPrintable(QString("step %1").arg(s.step)));
  }

  void refusesWhatABranchCannotChange()
  {
    const RunConfig config = tinyRun("ew");
    RunConfig other = config;
    other.train.batchSize = 128;
    QVERIFY(errorOf([&] { planBranch(config, other); }).startsWith("config field train.batch_size: a branch continues"));
    other = config;
    other.model.experts = 7;
    QVERIFY(errorOf([&] { planBranch(config, other); }).startsWith("config field model.experts"));
    other = config;
    other.data.synthetic.seed += 1;
    QVERIFY(errorOf([&] { planBranch(config, other); }).startsWith("config field data.synthetic"));
    other = config;
    other.train.steps = 90;
    other.train.device = "cpu";
    QVERIFY(planBranch(config, other).changes.empty());
    QCOMPARE(planBranch(config, other).start.train.steps, int64_t(90));
  }

  void refusesFilesThatAreNotCheckpointsOfThisRun()
  {
    RunConfig config = tinyRun("ew");
    config.train.steps = 15;
    const auto data = std::make_shared<PreparedData>(prepareData(config.data));
    Trainer parent(config, data);
    parent.setCheckpointDirectory(dir(), "");
    train(parent);
    const std::string good = checkpointFile(dir(), 15);
    QVERIFY(std::filesystem::exists(good));
    QVERIFY(!std::filesystem::exists(good + ".part"));

    const std::string missing = dir() + "/none.ckpt";
    QCOMPARE(errorOf([&] { readCheckpointHeader(missing); }), QString::fromStdString("checkpoint " + missing + ": no such file"));
    const std::string foreign = dir() + "/foreign.ckpt";
    std::ofstream(foreign) << "step,loss\n1,0.5\n";
    QVERIFY(errorOf([&] { readCheckpointHeader(foreign); }).contains("not a Seesaw checkpoint, or damaged"));
    const std::string truncated = dir() + "/truncated.ckpt";
    std::filesystem::copy_file(good, truncated);
    std::filesystem::resize_file(truncated, std::filesystem::file_size(good) / 2);
    QVERIFY(errorOf([&] { readCheckpointHeader(truncated); }).startsWith(QString::fromStdString("checkpoint " + truncated + ": ")));

    // The checkpoint is at the run's end: nothing left to continue.
    Trainer atEnd(config, data);
    QCOMPARE(errorOf([&] { atEnd.restore(good); }),
             QString::fromStdString("checkpoint " + good + " is at step 15, where this run ends (15 steps): give it more steps (train.steps)"));
    // Another model or other data do not fit, and the message says which part.
    RunConfig longer = config;
    longer.train.steps = 30;
    RunConfig wider = longer;
    wider.model.expertHidden = {48};
    Trainer otherModel(wider, data);
    QVERIFY(errorOf([&] { otherModel.restore(good); }).startsWith(QString::fromStdString("checkpoint " + good + ": config field model.expert_hidden")));
    RunConfig otherData = longer;
    otherData.data.synthetic.rows = 9000;
    Trainer otherRows(otherData, std::make_shared<PreparedData>(prepareData(otherData.data)));
    QVERIFY(errorOf([&] { otherRows.restore(good); }).contains("config field data.synthetic"));
  }

  // Asked for while paused, a checkpoint holds the steps done so far; a run without a directory
  // says so in its change log and goes on.
  void checkpointOnRequestWhilePaused()
  {
    RunConfig config = tinyRun("ew");
    config.train.checkpointEvery = 0;
    const auto data = std::make_shared<PreparedData>(prepareData(config.data));
    Trainer trainer(config, data);
    trainer.setCheckpointDirectory(dir(), "");
    RunControl control;
    control.pause = true;
    Recorder r;
    std::thread worker([&] { trainer.run(r, control); });
    control.checkpoint = true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!std::filesystem::exists(checkpointFile(dir(), 0)) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    control.stop = true;
    worker.join();
    QVERIFY(std::filesystem::exists(checkpointFile(dir(), 0)));
    QCOMPARE(r.steps.size(), size_t(0));
    QCOMPARE(r.changes.size(), size_t(1));
    QCOMPARE(r.changes[0].step, int64_t(0));

    RunControl asked;
    asked.checkpoint = true;
    config.train.steps = 2;
    Trainer shortRun(config, data);
    Recorder s;
    shortRun.run(s, asked);
    QCOMPARE(s.changes.size(), size_t(1));
    QCOMPARE(s.changes[0].refused, std::string("no checkpoint directory was given for this run"));
    QCOMPARE(s.steps.size(), size_t(2));
  }

private:
  static std::string dir() { return (std::filesystem::temp_directory_path() / "seesaw-tst-checkpoint").string(); }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
