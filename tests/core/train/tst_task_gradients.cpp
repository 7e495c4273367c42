#include <torch/autograd.h>

#include <QtTest>

#include <cmath>

#include "model/dtrn.h"
#include "model/model_factory.h"
#include "tests/core/tiny_model.h"
#include "train/losses.h"
#include "train/shared_layout.h"
#include "train/task_gradients.h"

using namespace seesaw;
using seesaw::test::tinyConfig;
using seesaw::test::tinySpec;

namespace {

const std::vector<TaskType> kTypes = {TaskType::Binary, TaskType::Binary, TaskType::Regression};

Batch tinyBatch()
{
  // Users repeat (rows 0, 2 and 5 share user 1) so that embedding rows accumulate several samples.
  const at::Tensor categorical = at::tensor({1, 0, 2, 4, 3, 1, 1, 1, 0, 0, 3, 2, 2, 2, 1, 1, 0, 0}, at::kLong).view({6, 3});
  return {categorical, at::randn({6, 2}), at::cat({at::randint(0, 2, {6, 2}).to(at::kFloat), at::randn({6, 1})}, 1)};
}

// Moves DTRN's weights off their identity start (zero FiLM and excitation layers), where most
// of its parameters get no gradient, so that a comparison of gradients covers all of them. The
// biases keep their initial values: the squeeze's zero bias keeps its one unit live for some samples.
void perturbDtrn(MultiTaskModel& model)
{
  torch::NoGradGuard noGrad;
  for (const auto& p : model.parameterInfo())
    if (p.module.rfind("dtrn.", 0) == 0 && p.name.find("bias") == std::string::npos) p.tensor.normal_(0.0, 0.5);
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
  // Two threads on any machine: the trunk and the towers then run their independent products side
  // by side (util/parallel.h), and the comparisons below check that path.
  void initTestCase() { at::set_num_threads(2); }

  void batchedPassEqualsOneAutogradPassPerTask_data()
  {
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("levels");
    QTest::addColumn<bool>("dtrn");
    QTest::addColumn<bool>("split");  // DRGrad's Split-MMoE with the personalized gate
    // float64 takes the ATen paths that stand in for the CPU loops over float32 tensors, as on a GPU.
    QTest::addColumn<bool>("float64");
    QTest::newRow("shared-bottom") << int(ModelType::SharedBottom) << 1 << false << false << false;
    QTest::newRow("mmoe") << int(ModelType::MMoE) << 1 << false << false << false;
    QTest::newRow("mmoe-float64") << int(ModelType::MMoE) << 1 << false << false << true;
    QTest::newRow("cgc") << int(ModelType::PLE) << 1 << false << false << false;
    QTest::newRow("ple-3-levels") << int(ModelType::PLE) << 3 << false << false << false;
    // DTRN takes the exact path: one autograd pass per task through the whole model.
    QTest::newRow("shared-bottom-dtrn") << int(ModelType::SharedBottom) << 1 << true << false << false;
    QTest::newRow("mmoe-dtrn") << int(ModelType::MMoE) << 1 << true << false << false;
    QTest::newRow("ple-2-levels-dtrn") << int(ModelType::PLE) << 2 << true << false << false;
    // A head with shared parameters (the other tasks' gates, the gate on ids): one pass per task.
    QTest::newRow("split-mmoe-ppnet") << int(ModelType::MMoE) << 1 << false << true << false;
  }
  void batchedPassEqualsOneAutogradPassPerTask()
  {
    QFETCH(int, type);
    QFETCH(int, levels);
    QFETCH(bool, dtrn);
    QFETCH(bool, split);
    QFETCH(bool, float64);
    torch::manual_seed(3);
    ModelConfig config = tinyConfig(static_cast<ModelType>(type), levels);
    config.dtrn = dtrn;
    if (split) {
      config.splitTask = "b";
      config.ppnet = true;
    }
    auto model = makeModel(tinySpec(), config);
    QCOMPARE(model->taskSpecificBottoms(), dtrn);
    if (dtrn) perturbDtrn(*model);
    Batch batch = tinyBatch();
    if (float64) {
      model->to(at::kDouble);
      batch.dense = batch.dense.to(at::kDouble);
      batch.labels = batch.labels.to(at::kDouble);
    }
    SharedLayout layout(model->parameterInfo());
    TaskGradients engine(*model, layout, kTypes);
    at::Tensor shared;
    const at::Tensor losses = engine.compute(batch, shared);
    QCOMPARE(shared.sizes(), (at::IntArrayRef{3, layout.size()}));

    std::vector<at::Tensor> params;
    for (const auto& p : model->parameterInfo()) params.push_back(p.tensor);
    double dtrnGradientNorm = 0;
    for (int k = 0; k < 3; ++k) {
      const at::Tensor reference = taskLosses(model->forward(batch), batch.labels, kTypes);
      QVERIFY(std::abs(reference[k].item<double>() - losses[k].item<double>()) < 1e-6);
      const auto grads = torch::autograd::grad({reference[k]}, params, {}, false, false, true);
      const auto& info = model->parameterInfo();
      for (size_t i = 0; i < info.size(); ++i) {
        const at::Tensor expected = grads[i].defined() ? grads[i] : at::zeros_like(params[i]);
        if (info[i].module.rfind("dtrn.", 0) == 0) dtrnGradientNorm += expected.norm().item<double>();
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
    QCOMPARE(dtrnGradientNorm > 1e-6, dtrn);  // with DTRN, the comparison was not one of zeros
  }

  void representationGramIsTheTrunkOutputsGram_data()
  {
    QTest::addColumn<int>("type");
    QTest::newRow("shared-bottom") << int(ModelType::SharedBottom);
    QTest::newRow("mmoe") << int(ModelType::MMoE);
    QTest::newRow("cgc") << int(ModelType::PLE);
  }
  void representationGramIsTheTrunkOutputsGram()
  {
    QFETCH(int, type);
    torch::manual_seed(4);
    auto model = makeModel(tinySpec(), tinyConfig(static_cast<ModelType>(type), 1));
    const Batch batch = tinyBatch();
    SharedLayout layout(model->parameterInfo());
    TaskGradients engine(*model, layout, kTypes);
    at::Tensor shared, gram;
    engine.compute(batch, shared, &gram);

    // Each task's autograd gradient on every trunk output, all samples, flattened.
    const at::Tensor x = model->embedding()->forward(batch);
    std::vector<at::Tensor> outputs;
    for (auto& mlp : model->trunk()) outputs.push_back(mlp->forward(x).detach().requires_grad_(true));
    const at::Tensor losses = taskLosses(model->head(x, outputs), batch.labels, kTypes);
    std::vector<at::Tensor> z;
    for (int k = 0; k < 3; ++k) {
      std::vector<at::Tensor> parts;
      for (const auto& g : torch::autograd::grad({losses[k]}, outputs, {}, true, false, true))
        parts.push_back(g.defined() ? g.reshape(-1) : at::zeros({x.size(0) * 3}));
      z.push_back(at::cat(parts));
    }
    const at::Tensor expected = at::stack(z).mm(at::stack(z).t());
    QVERIFY2(relativeError(gram, expected) < 1e-5, qPrintable(QString::number(relativeError(gram, expected))));
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

  void dtrnStartsAsTheIdentity()
  {
    // Zero-initialised FiLM and excitation layers: every task's bottom is x itself ...
    ModelConfig config = tinyConfig(ModelType::MMoE, 1);
    Dtrn dtrn(tinySpec(), config);
    const at::Tensor x = at::randn({6, 3 * 3 + 2});
    for (int k = 0; k < 3; ++k) QVERIFY(at::equal(dtrn->forward(x, k), x));
    // ... and, its parameters being created after the architecture's, a seed gives the same outputs
    // with and without DTRN.
    const Batch batch = tinyBatch();
    for (ModelType type : {ModelType::SharedBottom, ModelType::MMoE, ModelType::PLE}) {
      config = tinyConfig(type, 2);
      torch::manual_seed(11);
      const at::Tensor plain = makeModel(tinySpec(), config)->forward(batch);
      config.dtrn = true;
      torch::manual_seed(11);
      const at::Tensor withDtrn = makeModel(tinySpec(), config)->forward(batch);
      QVERIFY2(at::equal(withDtrn, plain), modelTypeName(type).c_str());
    }
  }

  void dtrnFollowsItsEquations()
  {
    torch::manual_seed(13);
    const FeatureSpec spec = tinySpec();
    ModelConfig config = tinyConfig(ModelType::MMoE, 1);
    Dtrn dtrn(spec, config);
    torch::NoGradGuard noGrad;
    for (auto& p : dtrn->parameters()) p.normal_(0.0, 0.5);
    const auto params = dtrn->named_parameters();
    auto linear = [&](const std::string& layer, const at::Tensor& in) {
      return at::matmul(in, params[layer + ".weight"].t()) + params[layer + ".bias"];
    };
    const at::Tensor x = at::randn({6, 3 * 3 + 2});
    for (int k = 0; k < 3; ++k) {
      const std::string own = "task" + std::to_string(k) + ".";
      const at::Tensor hidden = at::relu(linear("hypernetwork.hidden.layer0", params[own + "embedding"]));
      const at::Tensor film = linear("hypernetwork.film", hidden);
      const at::Tensor gamma = film.narrow(0, 0, 9).view({3, 3}), beta = film.narrow(0, 9, 9).view({3, 3});
      const at::Tensor conditioned = x.narrow(1, 0, 9).reshape({6, 3, 3}) * (1 + gamma) + beta;  // e'_tf
      const at::Tensor s = conditioned.mean(2);                                                    // [6, F]
      const at::Tensor a = 2 * at::sigmoid(linear(own + "excite", at::relu(linear(own + "squeeze", s))));
      const at::Tensor expected = at::cat({(conditioned * a.unsqueeze(2)).view({6, 9}), x.narrow(1, 9, 2)}, 1);
      QVERIFY(relativeError(dtrn->forward(x, k), expected) < 1e-6);
    }
  }

  void dtrnTagsItsParameters()
  {
    ModelConfig config = tinyConfig(ModelType::PLE, 2);
    config.dtrn = true;
    auto model = makeModel(tinySpec(), config);
    std::map<std::string, int> task;
    for (const auto& p : model->parameterInfo()) task[p.module] = p.task;
    QCOMPARE(task.at("dtrn.hyper"), -1);
    QCOMPARE(task.at("dtrn.task.a"), 0);
    QCOMPARE(task.at("dtrn.task.c"), 2);
    // Shared first: the layout takes the hypernetwork as the last shared module.
    const SharedLayout layout(model->parameterInfo());
    QCOMPARE(layout.moduleNames().back(), std::string("dtrn.hyper"));
    int64_t hyperSize = 0;
    for (const auto& p : model->parameterInfo())
      if (p.module == "dtrn.hyper") hyperSize += p.tensor.numel();
    QCOMPARE(layout.modules().back().end - layout.modules().back().begin, hyperSize);
  }

  void moduleGramsMatchAManualComputation_data()
  {
    QTest::addColumn<int64_t>("users");
    QTest::newRow("one chunk per module") << int64_t{5};
    QTest::newRow("the user table in three chunks") << int64_t{12000};  // 36,000 columns, chunks of 16,384
  }
  void moduleGramsMatchAManualComputation()
  {
    QFETCH(int64_t, users);
    torch::manual_seed(5);
    FeatureSpec spec = tinySpec();
    spec.cardinalities[0] = users;
    auto model = makeModel(spec, tinyConfig(ModelType::MMoE, 1));
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

  void embeddedRowsWithoutAutogradAreTheLookups()
  {
    torch::manual_seed(6);
    auto model = makeModel(tinySpec(), tinyConfig(ModelType::MMoE, 1));
    Batch batch = tinyBatch();
    const at::Tensor looked = model->embedding()->forward(batch);
    QVERIFY(looked.requires_grad());  // the lookups, which autograd follows
    at::NoGradGuard noGrad;
    QVERIFY(at::equal(model->embedding()->forward(batch), looked.detach()));  // the copied rows
    batch.categorical = batch.categorical.clone();
    batch.categorical[1][2] = 3;  // the third field has 3 values
    try {
      model->embedding()->forward(batch);
      QFAIL("an out-of-range code was copied");
    } catch (const std::out_of_range& e) {
      QCOMPARE(QString(e.what()), QString("embedding field 'field': code 3 outside its 3 rows"));
    }
  }
};

QTEST_APPLESS_MAIN(TestTaskGradients)
#include "tst_task_gradients.moc"
