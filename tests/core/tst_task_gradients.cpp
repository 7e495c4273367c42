#include <torch/autograd.h>

#include <QtTest>

#include <cmath>

#include "model/model_factory.h"
#include "train/losses.h"
#include "train/shared_layout.h"
#include "train/task_gradients.h"

using namespace seesaw;

namespace {

const std::vector<TaskType> kTypes = {TaskType::Binary, TaskType::Binary, TaskType::Regression};

FeatureSpec tinySpec() { return {{"user", "item", "field"}, {5, 4, 3}, 2, {"a", "b", "c"}}; }

ModelConfig tinyConfig(ModelType type, int levels)
{
  ModelConfig c;
  c.type = type;
  c.embeddingDim = 3;
  c.bottomHidden = {4, 3};
  c.experts = 2;
  c.expertHidden = {4, 3};
  c.levels = levels;
  c.sharedExperts = 1;
  c.specificExperts = 1;
  c.towerHidden = {2};
  return c;
}

Batch tinyBatch()
{
  // Users repeat (rows 0, 2 and 5 share user 1) so that embedding rows accumulate several samples.
  const at::Tensor categorical = at::tensor({1, 0, 2, 4, 3, 1, 1, 1, 0, 0, 3, 2, 2, 2, 1, 1, 0, 0}, at::kLong).view({6, 3});
  return {categorical, at::randn({6, 2}), at::cat({at::randint(0, 2, {6, 2}).to(at::kFloat), at::randn({6, 1})}, 1)};
}

double relativeError(const at::Tensor& a, const at::Tensor& b)
{
  return (a - b).norm().item<double>() / std::max(1e-12, b.norm().item<double>());
}

}  // namespace

class TestTaskGradients : public QObject
{
  Q_OBJECT
private Q_SLOTS:
  void batchedPassEqualsOneAutogradPassPerTask_data()
  {
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("levels");
    QTest::newRow("shared-bottom") << int(ModelType::SharedBottom) << 1;
    QTest::newRow("mmoe") << int(ModelType::MMoE) << 1;
    QTest::newRow("cgc") << int(ModelType::PLE) << 1;
    QTest::newRow("ple-3-levels") << int(ModelType::PLE) << 3;
  }
  void batchedPassEqualsOneAutogradPassPerTask()
  {
    QFETCH(int, type);
    QFETCH(int, levels);
    torch::manual_seed(3);
    auto model = makeModel(tinySpec(), tinyConfig(static_cast<ModelType>(type), levels));
    const Batch batch = tinyBatch();
    SharedLayout layout(model->parameterInfo());
    TaskGradients engine(*model, layout, kTypes);
    at::Tensor shared;
    const at::Tensor losses = engine.compute(batch, shared);
    QCOMPARE(shared.sizes(), (at::IntArrayRef{3, layout.size()}));

    std::vector<at::Tensor> params;
    for (const auto& p : model->parameterInfo()) params.push_back(p.tensor);
    for (int k = 0; k < 3; ++k) {
      const at::Tensor reference = taskLosses(model->forward(batch), batch.labels, kTypes);
      QVERIFY(std::abs(reference[k].item<double>() - losses[k].item<double>()) < 1e-6);
      const auto grads = torch::autograd::grad({reference[k]}, params, {}, false, false, true);
      const auto& info = model->parameterInfo();
      for (size_t i = 0; i < info.size(); ++i) {
        const at::Tensor expected = grads[i].defined() ? grads[i] : at::zeros_like(params[i]);
        if (info[i].task < 0) {
          const auto& slot = layout.slots()[i];  // shared parameters come first, in slot order
          QCOMPARE(slot.parameter.unsafeGetTensorImpl(), params[i].unsafeGetTensorImpl());
          const at::Tensor got = shared[k].narrow(0, slot.offset, slot.numel).view_as(expected);
          QVERIFY2(relativeError(got, expected) < 1e-4 || expected.norm().item<double>() < 1e-9,
                   qPrintable(QString::fromStdString(info[i].name + " task " + std::to_string(k))));
        } else if (info[i].task == k) {
          QVERIFY2(relativeError(params[i].grad(), expected) < 1e-4,
                   qPrintable(QString::fromStdString(info[i].name)));
        }
      }
    }
  }

  void tagsFollowGradientReachability()
  {
    auto model = makeModel(tinySpec(), tinyConfig(ModelType::PLE, 2));
    std::map<std::string, int> task;
    for (const auto& p : model->parameterInfo()) task[p.module] = p.task;
    QCOMPARE(task.at("embedding.user"), -1);
    QCOMPARE(task.at("level0.a_expert0"), -1);  // mixed by level 0's shared gate
    QCOMPARE(task.at("level0.gate.b"), 1);      // feeds only task b's level-1 expert
    QCOMPARE(task.at("level1.a_expert0"), 0);
    QCOMPARE(task.at("level1.shared_expert0"), -1);
    QCOMPARE(task.at("tower.c"), 2);
    QVERIFY(!task.count("level1.shared_gate"));  // the final level has none
  }

  void moduleGramsMatchAManualComputation()
  {
    torch::manual_seed(5);
    auto model = makeModel(tinySpec(), tinyConfig(ModelType::MMoE, 1));
    SharedLayout layout(model->parameterInfo());
    QCOMPARE(layout.moduleNames(),
             (std::vector<std::string>{"embedding.user", "embedding.item", "embedding.field", "expert0", "expert1"}));
    const at::Tensor g = at::randn({3, layout.size()}, at::kDouble);
    const at::Tensor grams = layout.moduleGrams(g);
    for (size_t m = 0; m < layout.modules().size(); ++m) {
      const auto& module = layout.modules()[m];
      const double* row = g.data_ptr<double>();
      for (int k = 0; k < 3; ++k)
        for (int l = 0; l < 3; ++l) {
          double dot = 0;
          for (int64_t i = module.begin; i < module.end; ++i) dot += row[k * layout.size() + i] * row[l * layout.size() + i];
          QVERIFY(std::abs(grams[m][k][l].item<double>() - dot) < 1e-9 * std::max(1.0, std::abs(dot)));
        }
    }
    // The whole-model Gram matrix is the sum over modules.
    QVERIFY(relativeError(grams.sum(0), at::mm(g, g.t())) < 1e-12);
  }
};

QTEST_APPLESS_MAIN(TestTaskGradients)
#include "tst_task_gradients.moc"
