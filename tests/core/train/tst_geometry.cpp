#include <torch/autograd.h>

#include <QtTest>

#include <cmath>
#include <map>
#include <set>

#include "methods/gradient_method.h"
#include "methods/registry.h"
#include "model/model_factory.h"
#include "tests/core/tiny_model.h"
#include "train/batch_groups.h"
#include "train/geometry_levels.h"
#include "train/geometry_window.h"
#include "train/losses.h"
#include "train/shared_layout.h"
#include "train/task_gradients.h"
#include "util/error.h"

using namespace seesaw;
using seesaw::test::tinyConfig;
using seesaw::test::tinySpec;

namespace {

constexpr int K = 3;
const std::vector<TaskType> kTypes = {TaskType::Binary, TaskType::Binary, TaskType::Regression};

// ---- windows -------------------------------------------------------------------------------

constexpr int64_t kEntities = 40;

struct WindowStep
{
  std::vector<int64_t> codes;  // the batch's entity codes
  at::Tensor vectors;          // [K, kEntities, 6]: each entity's task gradients, two levels side by side
  at::Tensor combined;         // [kEntities, 3]: the combined gradient at the first level's rows
};

std::vector<WindowStep> randomSteps(int steps)
{
  at::manual_seed(11);
  std::vector<WindowStep> out;
  for (int s = 0; s < steps; ++s) {
    WindowStep step;
    // Entities 30..39 are never in a batch; duplicates within a batch are common.
    const at::Tensor codes = at::randint(0, 30, {24}, at::kLong);
    step.codes.assign(codes.data_ptr<int64_t>(), codes.data_ptr<int64_t>() + 24);
    step.vectors = at::randn({K, kEntities, 6});
    step.combined = at::randn({kEntities, 3});
    out.push_back(step);
  }
  return out;
}

// Level 0 reads columns 0..2 (the "embedding" rows that also carry the fit), level 1 all 6.
void addStep(GeometryWindow& window, int64_t stepIndex, const WindowStep& step)
{
  const BatchGroups groups = groupBatch(step.codes, false, c10::kCPU);
  const at::Tensor firstColumns = step.vectors.narrow(2, 0, 3);
  const at::Tensor embedding = embeddingGrams(firstColumns, groups.entity);
  const at::Tensor fit = embeddingFit(firstColumns, step.combined, groups.entity);
  window.add(stepIndex, groups, {embedding, embeddingGrams(step.vectors, groups.entity)}, embedding, fit);
}

// The definition, one entity and one step at a time, in float64.
struct Expected
{
  double gram[2][K][K] = {};
  double fit[K] = {};
  int count = 0;
};

std::map<int64_t, Expected> bruteForce(const std::vector<WindowStep>& steps, size_t begin, size_t end)
{
  std::map<int64_t, Expected> out;
  for (size_t s = begin; s < end; ++s) {
    const auto v = steps[s].vectors.accessor<float, 3>();
    const auto c = steps[s].combined.accessor<float, 2>();
    std::set<int64_t> seen(steps[s].codes.begin(), steps[s].codes.end());
    for (int64_t code : steps[s].codes) out[code].count += 1;
    for (int64_t u : seen) {
      Expected& e = out[u];
      for (int k = 0; k < K; ++k) {
        for (int d = 0; d < 3; ++d) e.fit[k] += double(v[k][u][d]) * c[u][d];
        for (int l = 0; l < K; ++l)
          for (int d = 0; d < 6; ++d) {
            const double product = double(v[k][u][d]) * double(v[l][u][d]);
            if (d < 3) e.gram[0][k][l] += product;
            e.gram[1][k][l] += product;
          }
      }
    }
  }
  return out;
}

void compare(const EntityGeometry& got, const std::map<int64_t, Expected>& expected)
{
  QCOMPARE(got.levels.size(), size_t(2));
  for (int64_t u = 0; u < kEntities; ++u) {
    const auto it = expected.find(u);
    if (it == expected.end()) {
      QCOMPARE(got.count[u], 0);
      for (const auto& level : got.levels) {
        for (int p = 0; p < 3; ++p) QVERIFY(std::isnan(level.cosine[u * 3 + p]));
        for (int k = 0; k < K; ++k) QVERIFY(std::isnan(level.gradNorm[u * K + k]) && std::isnan(level.magnitudeRatio[u * K + k]));
      }
      for (int k = 0; k < K; ++k) QVERIFY(std::isnan(got.weight[u * K + k]));
      continue;
    }
    const Expected& e = it->second;
    QCOMPARE(got.count[u], e.count);
    for (int b = 0; b < 2; ++b) {
      const LevelGeometry& level = got.levels[b];
      double largest = 0;
      for (int k = 0; k < K; ++k) largest = std::max(largest, std::sqrt(e.gram[b][k][k]));
      int pair = 0;
      for (int k = 0; k < K; ++k) {
        const double norm = std::sqrt(e.gram[b][k][k]);
        QVERIFY(std::abs(level.gradNorm[u * K + k] - norm) <= 1e-5 * norm);
        QVERIFY(std::abs(level.magnitudeRatio[u * K + k] - norm / largest) <= 1e-5);
        for (int l = k + 1; l < K; ++l, ++pair) {
          const double cosine = e.gram[b][k][l] / std::sqrt(e.gram[b][k][k] * e.gram[b][l][l]);
          const float c = level.cosine[u * 3 + pair];
          QVERIFY2(std::abs(c - cosine) <= 1e-5, qPrintable(QString("entity %1 pair %2: %3 vs %4").arg(u).arg(pair).arg(c).arg(cosine)));
          QVERIFY(c >= -1.0f && c <= 1.0f);
        }
      }
    }
    // The weights solve the window's normal equations at the first level.
    for (int k = 0; k < K; ++k) {
      double residual = -e.fit[k];
      for (int l = 0; l < K; ++l) residual += e.gram[0][k][l] * got.weight[u * K + l];
      QVERIFY2(std::abs(residual) <= 1e-3 * (1 + std::abs(e.fit[k])), qPrintable(QString("entity %1 task %2: %3").arg(u).arg(k).arg(residual)));
    }
  }
}

// ---- levels against brute force --------------------------------------------------------------

Batch tinyBatch()
{
  // User 1 has four samples (two on item 0), user 2 two, users 0 and 4 one; field values repeat.
  const at::Tensor categorical =
      at::tensor({1, 0, 2, 4, 3, 1, 1, 1, 0, 0, 3, 2, 2, 2, 1, 1, 0, 0, 2, 1, 1, 1, 0, 2}, at::kLong).view({8, 3});
  return {categorical, at::randn({8, 2}), at::cat({at::randint(0, 2, {8, 2}).to(at::kFloat), at::randn({8, 1})}, 1)};
}

// Each entity's K x K Gram matrix by one backward per entity per task: the loss restricted to the
// entity's samples (scaled like the batch mean), differentiated with respect to the level's tensors.
std::map<int64_t, at::Tensor> bruteForceGrams(MultiTaskModel& model, const Batch& batch, int column, GeometryLevel level)
{
  const int64_t B = batch.labels.size(0);
  const at::Tensor x = model.embedding()->forward(batch);
  std::vector<at::Tensor> outputs, sharedOutputs, wanted;
  std::set<const void*> sharedParameters;
  for (const auto& p : model.parameterInfo())
    if (p.task < 0) sharedParameters.insert(p.tensor.unsafeGetTensorImpl());
  for (auto& mlp : model.trunk()) {
    outputs.push_back(mlp->forward(x));
    const bool shared = sharedParameters.count(mlp->layers()[0]->weight.unsafeGetTensorImpl()) > 0;
    if (shared) sharedOutputs.push_back(outputs.back());
    if (shared && level == GeometryLevel::Exact)
      for (const auto& layer : mlp->layers()) wanted.insert(wanted.end(), {layer->weight, layer->bias});
  }
  const at::Tensor logits = model.head(x, outputs);
  std::vector<at::Tensor> perSample;
  for (int k = 0; k < K; ++k)
    perSample.push_back(kTypes[k] == TaskType::Binary
                            ? at::binary_cross_entropy_with_logits(logits.select(1, k), batch.labels.select(1, k), {}, {}, at::Reduction::None)
                            : (logits.select(1, k) - batch.labels.select(1, k)).pow(2));
  const auto& tables = model.embedding()->tables();
  if (level == GeometryLevel::Embedding) wanted = {tables[column]->weight};
  if (level == GeometryLevel::Exact)
    for (const auto& t : tables) wanted.push_back(t->weight);
  if (level == GeometryLevel::Representation) wanted = sharedOutputs;

  std::map<int64_t, at::Tensor> out;
  const at::Tensor codes = batch.categorical.select(1, column).contiguous();
  for (int64_t code : std::set<int64_t>(codes.data_ptr<int64_t>(), codes.data_ptr<int64_t>() + B)) {
    const at::Tensor mask = codes.eq(code).to(logits.scalar_type());
    std::vector<at::Tensor> vectors;
    for (int k = 0; k < K; ++k) {
      const at::Tensor loss = (perSample[k] * mask).sum() / B;
      std::vector<at::Tensor> parts;
      const auto grads = torch::autograd::grad({loss}, wanted, {}, true, false, true);
      for (size_t i = 0; i < grads.size(); ++i) {
        at::Tensor g = grads[i].defined() ? grads[i] : at::zeros_like(wanted[i]);
        if (level == GeometryLevel::Embedding) g = g[code];
        if (level == GeometryLevel::Representation) g = g.sum(0);  // the entity's samples' rows, summed
        parts.push_back(g.reshape(-1));
      }
      vectors.push_back(at::cat(parts));
    }
    const at::Tensor v = at::stack(vectors).to(at::kDouble);
    out[code] = v.mm(v.t());
  }
  return out;
}

}  // namespace

class TestGeometry : public QObject
{
  Q_OBJECT
private Q_SLOTS:
  void groupsListEverySameEntityPair()
  {
    const BatchGroups g = groupBatch({7, 3, 7, 9, 7}, true, c10::kCPU);
    QCOMPARE(g.codes, (std::vector<int64_t>{3, 7, 9}));
    QCOMPARE(g.counts, (std::vector<int64_t>{1, 3, 1}));
    const auto group = g.sampleGroup.accessor<int64_t, 1>();
    QCOMPARE((std::vector<int64_t>{group[0], group[1], group[2], group[3], group[4]}), (std::vector<int64_t>{1, 0, 1, 2, 1}));
    std::set<std::tuple<int64_t, int64_t, int64_t>> pairs;
    for (int64_t p = 0; p < g.pairFirst.size(0); ++p)
      pairs.insert({g.pairFirst[p].item<int64_t>(), g.pairSecond[p].item<int64_t>(), g.pairGroup[p].item<int64_t>()});
    QCOMPARE(int64_t(pairs.size()), g.pairFirst.size(0));  // no pair twice
    QCOMPARE(pairs.size(), size_t(6));  // i != j: only entity 7 has any
    for (int64_t i : {0, 2, 4})
      for (int64_t j : {0, 2, 4}) QCOMPARE(pairs.count({i, j, 1}), size_t(i != j));
  }

  void windowsEqualTheDefinitionAcrossBoundaries()
  {
    const auto steps = randomSteps(7);
    GeometryWindow window(kEntities, K, {GeometryLevel::Embedding, GeometryLevel::Exact});
    QVERIFY(window.empty());
    for (int s = 0; s < 3; ++s) addStep(window, s + 1, steps[s]);
    QCOMPARE(window.windowStart(), int64_t(1));
    const WindowSums first = window.take();
    QVERIFY(window.empty());
    // The next window starts from zero: nothing of the first leaks into it, and adding to it does
    // not touch the sums already taken, which are derived later (on the trace writer's thread).
    for (int s = 3; s < 7; ++s) addStep(window, s + 1, steps[s]);
    QCOMPARE(window.windowStart(), int64_t(4));
    compare(first.geometry(), bruteForce(steps, 0, 3));
    compare(window.take().geometry(), bruteForce(steps, 3, 7));
  }

  // A data-parallel run's ranks each sum their own entities (even codes on one, odd on the other),
  // a step with none of a rank's entities included; the drained sums added into one window give
  // the whole batch's window, and a window drained twice gives nothing twice. Sums added for an
  // entity the window already holds add up (a checkpoint's sums restored on rank 0).
  void drainedSumsAddUpToTheWholeWindow()
  {
    const auto steps = randomSteps(6);
    GeometryWindow even(kEntities, K, {GeometryLevel::Embedding, GeometryLevel::Exact});
    GeometryWindow odd(kEntities, K, {GeometryLevel::Embedding, GeometryLevel::Exact});
    for (int s = 0; s < 6; ++s) {
      for (int parity : {0, 1}) {
        WindowStep share = steps[s];
        share.codes.clear();
        for (int64_t code : steps[s].codes)
          if (code % 2 == parity && !(s == 2 && parity == 1)) share.codes.push_back(code);  // step 3: none of odd's
        GeometryWindow& rank = parity == 0 ? even : odd;
        if (share.codes.empty()) rank.add(s + 1, BatchGroups{}, {}, at::Tensor(), at::Tensor());
        else addStep(rank, s + 1, share);
      }
      if (s == 1) {  // mid-window, as at a checkpoint: odd's sums so far move into even's window
        even.addSums(odd.drain());
        QCOMPARE(odd.drain().codes.numel(), int64_t(0));
      }
    }
    QCOMPARE(odd.windowStart(), int64_t(1));
    even.addSums(odd.drain());
    QCOMPARE(even.windowStart(), int64_t(1));
    // Step 3's odd entities were left out on purpose: the definition without them.
    std::vector<WindowStep> expected = steps;
    std::vector<int64_t> kept;
    for (int64_t code : expected[2].codes)
      if (code % 2 == 0) kept.push_back(code);
    expected[2].codes = kept;
    compare(even.take().geometry(), bruteForce(expected, 0, 6));
    // Sums naming an entity the window does not have, or of another width, are refused.
    addStep(odd, 7, steps[0]);
    GeometryWindow::EntitySums foreign = odd.drain();
    foreign.codes[0] = kEntities;
    QVERIFY_THROWS_EXCEPTION(Error, even.addSums(foreign));
    QVERIFY_THROWS_EXCEPTION(Error, even.addSums({foreign.codes, foreign.sums.narrow(1, 0, 3)}));
  }

  void aDroppedWindowsBufferComesBackZeroed()
  {
    const auto steps = randomSteps(9);
    GeometryWindow window(kEntities, K, {GeometryLevel::Embedding, GeometryLevel::Exact});
    for (int s = 0; s < 3; ++s) addStep(window, s + 1, steps[s]);
    compare(window.take().geometry(), bruteForce(steps, 0, 3));  // taken, derived and dropped
    const int64_t open = window.bytes();
    for (int s = 3; s < 6; ++s) addStep(window, s + 1, steps[s]);
    const WindowSums second = window.take();  // the next window runs in the first one's buffer
    QVERIFY(window.bytes() < open);           // which no longer waits beside it
    for (int s = 6; s < 9; ++s) addStep(window, s + 1, steps[s]);
    compare(second.geometry(), bruteForce(steps, 3, 6));
    compare(window.take().geometry(), bruteForce(steps, 6, 9));
  }

  void memoryFollowsTheEntitiesSeen()
  {
    // A million codes, a few thousand seen: the sums grow with the seen ones, the map is 4 bytes a code.
    GeometryWindow window(1000000, K, {GeometryLevel::Exact, GeometryLevel::Embedding, GeometryLevel::Representation});
    for (int s = 0; s < 20; ++s) {
      WindowStep step;
      for (int i = 0; i < 256; ++i) step.codes.push_back(s * 256 + i);
      const BatchGroups groups = groupBatch(step.codes, false, c10::kCPU);
      const at::Tensor gram = at::eye(K).expand({groups.size(), K, K});
      window.add(s + 1, groups, {gram, gram, gram}, gram, at::ones({groups.size(), K}));
    }
    const int64_t width = 3 * 6 + K + 1;
    QVERIFY(window.bytes() <= 4000000 + int64_t(1.5 * 5120) * width * 4);
    const EntityGeometry g = window.take().geometry();
    QCOMPARE(g.count[5119], 1);
    QCOMPARE(g.count[5120], 0);
    QCOMPARE(g.weight[5119 * K], 1.0f);  // the identity Gram and fit 1: weight 1
  }

  void oppositeGradientsGiveMinusOneAndZeroGradientsGiveNaN()
  {
    at::Tensor v = at::zeros({K, 3});
    v[0] = at::arange(3).to(at::kFloat) + 1;
    v[1] = -2 * v[0];
    v[2] = v[0];
    const BatchGroups groups = groupBatch({5, 6, 5}, false, c10::kCPU);
    const at::Tensor rows = at::stack({v, at::zeros({K, 3})}, 1);  // entity 5, then 6 (seen, zero gradients)
    const at::Tensor gram = embeddingGrams(rows, at::arange(2));
    GeometryWindow window(8, K, {GeometryLevel::Embedding});
    window.add(1, groups, {gram}, gram, at::zeros({2, K}));
    const EntityGeometry s = window.take().geometry();
    QCOMPARE(s.count[5], 2);
    QCOMPARE(s.levels[0].cosine[5 * 3 + 0], -1.0f);  // (0, 1)
    QCOMPARE(s.levels[0].cosine[5 * 3 + 1], 1.0f);   // (0, 2)
    QCOMPARE(s.levels[0].cosine[5 * 3 + 2], -1.0f);  // (1, 2)
    QCOMPARE(s.levels[0].magnitudeRatio[5 * K + 1], 1.0f);
    QCOMPARE(s.levels[0].magnitudeRatio[5 * K + 0], 0.5f);
    QCOMPARE(s.count[6], 1);
    QCOMPARE(s.levels[0].gradNorm[6 * K], 0.0f);
    QVERIFY(std::isnan(s.levels[0].cosine[6 * 3]));
    QVERIFY(std::isnan(s.weight[6 * K]));  // zero rows moved nothing: no weight to give
  }

  void leastSquaresWeightsRecoverPmtrecsOwnPerUserWeights()
  {
    // PMTRec weights each user row its own way; the fit on the rows it updated gives them back.
    torch::manual_seed(6);
    auto model = makeModel(tinySpec(), tinyConfig(ModelType::MMoE, 1));
    const Batch batch = tinyBatch();
    SharedLayout layout(model->parameterInfo());
    TaskGradients engine(*model, layout, kTypes);
    MethodInput in;
    const at::Tensor losses = engine.compute(batch, in.taskGradients);
    const at::Tensor gram = at::mm(in.taskGradients, in.taskGradients.t()).to(at::kDouble).contiguous();
    in.gram.assign(gram.data_ptr<double>(), gram.data_ptr<double>() + K * K);
    in.losses = {losses[0].item<double>(), losses[1].item<double>(), losses[2].item<double>()};
    const at::Tensor& table = model->embedding()->tables()[0]->weight;
    for (const auto& slot : layout.slots())
      if (slot.parameter.is_same(table)) in.userRows = {slot.offset, table.size(0), table.size(1), batch.categorical.select(1, 0)};
    MethodSetup setup;
    setup.taskNames = {"a", "b", "c"};
    setup.taskWeights = {1, 1, 1};
    // A tau near the rows' gradient norms, so that the weights differ from user to user.
    const MethodOutput out = methodRegistry().make("pmtrec", {{"tau", 1e-2}}, setup)->combine(in);

    const at::Tensor codes = batch.categorical.select(1, 0).contiguous();
    const BatchGroups groups = groupBatch(std::vector<int64_t>(codes.data_ptr<int64_t>(), codes.data_ptr<int64_t>() + codes.numel()), false, c10::kCPU);
    const int64_t numel = in.userRows.rows * in.userRows.dim;
    const at::Tensor tableGradient = in.taskGradients.narrow(1, in.userRows.offset, numel).view({K, in.userRows.rows, in.userRows.dim});
    const at::Tensor combined = out.combined.narrow(0, in.userRows.offset, numel).view({in.userRows.rows, in.userRows.dim});
    const at::Tensor grams = embeddingGrams(tableGradient, groups.entity);
    GeometryWindow window(in.userRows.rows, K, {GeometryLevel::Embedding});
    window.add(1, groups, {grams}, grams, embeddingFit(tableGradient, combined, groups.entity));
    const at::Tensor rows = tableGradient.index_select(1, groups.entity);
    const EntityGeometry g = window.take().geometry();
    double spread = 0;
    for (int64_t i = 0; i < groups.size(); ++i)
      for (int k = 0; k < K; ++k) {
        const int64_t user = groups.codes[i];
        const double want = out.userWeights[user][k].item<double>();
        if (rows[k][i].norm().item<double>() == 0) {  // the regression task's rows are zero here (a dead ReLU)
          QVERIFY(std::isnan(g.weight[user * K + k]));
          continue;
        }
        QVERIFY2(std::abs(g.weight[user * K + k] - want) <= 1e-3 * std::abs(want) + 1e-5,
                 qPrintable(QString("user %1 task %2: %3 vs %4").arg(user).arg(k).arg(g.weight[user * K + k]).arg(want)));
        spread = std::max(spread, std::abs(want - out.userWeights[groups.codes[0]][k].item<double>()));
      }
    QVERIFY2(spread > 0.01, qPrintable(QString("PMTRec's weights barely differ between users: %1").arg(spread)));
  }

  void everyLevelEqualsOneBackwardPerEntity_data()
  {
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("levels");
    QTest::addColumn<bool>("split");
    // float64 takes the ATen paths that stand in for the CPU loops over float32 tensors, as on a GPU.
    QTest::addColumn<bool>("float64");
    QTest::newRow("shared-bottom") << int(ModelType::SharedBottom) << 1 << false << false;
    QTest::newRow("mmoe") << int(ModelType::MMoE) << 1 << false << false;
    QTest::newRow("mmoe-float64") << int(ModelType::MMoE) << 1 << false << true;
    QTest::newRow("cgc") << int(ModelType::PLE) << 1 << false << false;
    QTest::newRow("ple-3-levels") << int(ModelType::PLE) << 3 << false << false;
    QTest::newRow("split-mmoe-ppnet") << int(ModelType::MMoE) << 1 << true << false;
  }
  void everyLevelEqualsOneBackwardPerEntity()
  {
    QFETCH(int, type);
    QFETCH(int, levels);
    QFETCH(bool, split);
    QFETCH(bool, float64);
    torch::manual_seed(5);
    ModelConfig config = tinyConfig(static_cast<ModelType>(type), levels);
    if (split) {
      config.splitTask = "b";
      config.ppnet = true;
    }
    auto model = makeModel(tinySpec(), config);
    Batch batch = tinyBatch();
    if (float64) {
      model->to(at::kDouble);
      batch.dense = batch.dense.to(at::kDouble);
      batch.labels = batch.labels.to(at::kDouble);
    }
    SharedLayout layout(model->parameterInfo());
    TaskGradients engine(*model, layout, kTypes);
    at::Tensor shared;
    PerSampleGradients samples;
    engine.compute(batch, shared, nullptr, &samples);

    for (int column : {0, 1}) {  // users, items
      const at::Tensor codes = batch.categorical.select(1, column).contiguous();
      const BatchGroups groups = groupBatch(std::vector<int64_t>(codes.data_ptr<int64_t>(), codes.data_ptr<int64_t>() + codes.numel()), true, c10::kCPU);
      const at::Tensor& table = model->embedding()->tables()[column]->weight;
      const SharedLayout::Slot* slot = nullptr;
      for (const auto& s : layout.slots())
        if (s.parameter.is_same(table)) slot = &s;
      const at::Tensor tableGradient = shared.narrow(1, slot->offset, slot->numel).view({K, table.size(0), table.size(1)});
      const std::map<GeometryLevel, at::Tensor> got = {{GeometryLevel::Embedding, embeddingGrams(tableGradient, groups.entity)},
                                                       {GeometryLevel::Representation, representationGrams(samples, groups)},
                                                       {GeometryLevel::Exact, exactGrams(samples, groups)}};
      for (const auto& [level, grams] : got) {
        const auto expected = bruteForceGrams(*model, batch, column, level);
        QCOMPARE(int64_t(expected.size()), groups.size());
        for (int64_t i = 0; i < groups.size(); ++i) {
          const at::Tensor& want = expected.at(groups.codes[i]);
          const double error = (grams[i].to(at::kDouble) - want).abs().max().item<double>() / want.diagonal().max().item<double>();
          QVERIFY2(error < 1e-4, qPrintable(QString("%1 column %2 entity %3: relative error %4")
                                                .arg(QString::fromStdString(geometryLevelName(level))).arg(column).arg(groups.codes[i]).arg(error)));
        }
      }
    }
  }
};

QTEST_APPLESS_MAIN(TestGeometry)
#include "tst_geometry.moc"
