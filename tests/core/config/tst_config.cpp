#include <QtTest>

#include <thread>

#include "config/run_config.h"
#include "methods/registry.h"
#include "data/load_table.h"
#include "data/synthetic.h"
#include "train/run_validation.h"
#include "tests/core/error_of.h"
#include "util/error.h"

using namespace seesaw;
using seesaw::test::errorOf;

namespace {


QString validationError(const std::function<void(RunConfig&)>& change)
{
  RunConfig c = presetConfig("synthetic");
  change(c);
  return errorOf([&] { validate(c); });
}

}  // namespace

class TestConfig : public QObject
{
  Q_OBJECT
private Q_SLOTS:
  void everyPresetParsesAndValidates()
  {
    const auto names = presetNames();
    QCOMPARE(names, (std::vector<std::string>{"census", "demo", "kuairand", "synthetic"}));
    for (const auto& name : names) {
      RunConfig c = presetConfig(name);
      if (c.data.path.empty() && (c.data.source == "census" || c.data.source == "kuairand")) c.data.path = "x";
      validate(c);
    }
  }
  void jsonRoundTrips()
  {
    const RunConfig a = presetConfig("synthetic");
    const RunConfig b = parseRunConfig(toJsonString(a), "round trip", "");
    QCOMPARE(toJsonString(b), toJsonString(a));
    QCOMPARE(b.data.synthetic.groups.size(), size_t(2));
    QCOMPARE(b.data.synthetic.groups[1].taskCosine, -0.9);
  }
  void dtrnFieldsRoundTrip()
  {
    RunConfig a = presetConfig("synthetic");
    a.model.dtrn = true;
    a.model.dtrnTaskDim = 5;
    a.model.dtrnHyperHidden = 7;
    a.model.dtrnReduction = 3;
    const RunConfig b = parseRunConfig(toJsonString(a), "round trip", "");
    QVERIFY(b.model.dtrn);
    QCOMPARE(b.model.dtrnTaskDim, 5);
    QCOMPARE(b.model.dtrnHyperHidden, 7);
    QCOMPARE(b.model.dtrnReduction, 3);
    QVERIFY(!presetConfig("synthetic").model.dtrn);  // off unless asked for
  }
  void relativeDataPathsResolveAgainstTheConfigFile()
  {
    const RunConfig c = parseRunConfig(R"({"data": {"source": "file", "path": "d.csv"}})", "c.json", "/configs");
    QCOMPARE(c.data.path, std::string("/configs/d.csv"));
  }
  void badValuesNameTheirField_data()
  {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown model") << R"({"model": {"type": "moe"}})"
                                   << "t.json: config field model.type: unknown model 'moe' (shared-bottom, mmoe, ple)";
    QTest::newRow("typo") << R"({"train": {"learning_rate": 0.1}})" << "t.json: config field train.learning_rate: unknown field";
    QTest::newRow("wrong type") << R"({"train": {"lr": "fast"}})"
                                << "t.json: config field train.lr: expected a number, found \"fast\"";
    QTest::newRow("not json") << "{" << "t.json: not valid JSON";
    QTest::newRow("fraction for an integer") << R"({"train": {"batch_size": 2.7}})"
                                             << "t.json: config field train.batch_size: expected an integer, found 2.7";
    QTest::newRow("negative seed") << R"({"train": {"seed": -1}})"
                                   << "t.json: config field train.seed: expected a non-negative integer, found -1";
    QTest::newRow("bool for an integer") << R"({"model": {"experts": true}})"
                                         << "t.json: config field model.experts: expected an integer, found true";
    QTest::newRow("geometry levels") << R"({"train": {"geometry_levels": "exact"}})"
                                     << "t.json: config field train.geometry_levels: expected";
    QTest::newRow("dtrn") << R"({"model": {"dtrn": 1}})"
                          << "t.json: config field model.dtrn: expected true or false, found 1";
    QTest::newRow("list element") << R"({"model": {"tower_hidden": [32, "x"]}})"
                                  << "t.json: config field model.tower_hidden[1]: expected an integer, found \"x\"";
    QTest::newRow("task type") << R"({"data": {"columns": {"tasks": [{"column": "c", "type": "ordinal"}]}}})"
                               << "t.json: config field data.columns.tasks[0].type: unknown task type 'ordinal' (binary, regression)";
    QTest::newRow("method parameter type") << R"({"method": {"name": "pcgrad", "params": {"x": "big"}}})"
                                           << "t.json: config field method.params.x: expected a number, found \"big\"";
  }
  void badValuesNameTheirField()
  {
    QFETCH(QString, json);
    QFETCH(QString, expected);
    const QString message = errorOf([&] { parseRunConfig(json.toStdString(), "t.json", ""); });
    QVERIFY2(message.startsWith(expected), qPrintable(message));
  }
  void geometryLevelsAreKnownAndListedOnce()
  {
    QCOMPARE(validationError([](RunConfig& c) { c.train.geometryLevels = {"exact", "rows"}; }),
             QString("config field train.geometry_levels: unknown level 'rows' (embedding, representation, exact)"));
    QCOMPARE(validationError([](RunConfig& c) { c.train.geometryLevels = {"exact", "embedding", "exact"}; }),
             QString("config field train.geometry_levels: lists 'exact' twice"));
    QCOMPARE(validationError([](RunConfig& c) { c.train.geometryLevels = {"representation", "embedding"}; }), QString("no error"));
  }
  void methodParametersAreCheckedAgainstTheRegistry()
  {
    QCOMPARE(validationError([](RunConfig& c) { c.method = {"gradcraft", {{"tau", 2.0}}}; }),
             QString("config field method.params.tau: 2 is outside [0, 1]"));
    QCOMPARE(validationError([](RunConfig& c) { c.method = {"pcgrad", {{"tau", 0.5}}}; }),
             QString("config field method.params.tau: method 'pcgrad' has no such parameter (it has none)"));
    QCOMPARE(validationError([](RunConfig& c) { c.method = {"mgda", {{"normalize", 1.5}}}; }),
             QString("config field method.params.normalize: must be a whole number, found 1.5"));
    QCOMPARE(validationError([](RunConfig& c) {
               c.method.name = "pcgrad";
               c.train.analyze = false;
             }),
             QString("config field train.analyze: method 'pcgrad' combines per-task gradients and needs train.analyze on"));
    QCOMPARE(validationError([](RunConfig& c) { c.train.taskWeights = {1, 2, 3}; }),
             QString("config field train.task_weights: applies to method 'fixed' only (method is 'ew')"));
    QCOMPARE(validationError([](RunConfig& c) { c.method.name = "fixed"; }),
             QString("config field train.task_weights: method 'fixed' needs one weight per task"));
    // Every registered parameter's default lies in its own range and round-trips through JSON.
    for (const auto& m : methodRegistry().methods()) {
      RunConfig c = presetConfig("demo");
      c.method.name = m.name;
      if (m.name == "fixed") c.train.taskWeights = {1, 1, 1};
      for (const auto& h : m.hyperParameters) {
        QVERIFY2(h.min <= h.defaultValue && h.defaultValue <= h.max, qPrintable(QString::fromStdString(m.name + "." + h.name)));
        c.method.params[h.name] = h.defaultValue;
      }
      validate(c);
      QCOMPARE(parseRunConfig(toJsonString(c), "m", "").method.params, c.method.params);
    }
  }
  void validationNamesTheField()
  {
    QCOMPARE(validationError([](RunConfig& c) { c.train.lr = -0.1; }),
             QString("config field train.lr: must lie in (0, 100], found -0.1"));
    QCOMPARE(validationError([](RunConfig& c) { c.data.synthetic.tasks = 0; }),
             QString("config field data.synthetic.tasks: must be at least 1 (K = 0)"));
    QCOMPARE(validationError([](RunConfig& c) {
               c.data.source = "file";
               c.data.path = "d.csv";
               c.data.columns.user = "u";
               c.data.columns.item = "i";
             }),
             QString("config field data.columns.tasks: needs at least one task (K = 0)"));
    QCOMPARE(validationError([](RunConfig& c) { c.method.name = "magic"; }),
             QString::fromStdString("config field method.name: unknown method 'magic' (" + methodRegistry().namesJoined() + ")"));
    QCOMPARE(validationError([](RunConfig& c) { c.train.device = "tpu"; }),
             QString("config field train.device: unknown device 'tpu' (cpu, cuda, auto)"));
    QCOMPARE(validationError([](RunConfig& c) { c.data.tasks = {"is_click"}; }),
             QString("config field data.tasks: applies to the kuairand and demo sources only; the file source maps "
                     "tasks in data.columns.tasks"));
    QCOMPARE(validationError([](RunConfig& c) {
               c.data.source = "file";
               c.data.path = "d.csv";
               c.data.columns.user = "u";
               c.data.columns.item = "i";
               c.data.columns.categorical = {"u"};
               c.data.columns.tasks = {{"t", "t", TaskType::Binary, {}, {}, {}}};
             }),
             QString("config field data.columns.categorical: column 'u' is mapped twice"));
    QCOMPARE(validationError([](RunConfig& c) { c.model.dtrnReduction = 0; }),
             QString("config field model.dtrn_reduction: must lie in [1, 65536]"));
    QCOMPARE(validationError([](RunConfig& c) { c.model.dtrnTaskDim = -2; }),
             QString("config field model.dtrn_task_dim: must lie in [1, 65536]"));
    QCOMPARE(validationError([](RunConfig& c) { c.data.source = "census"; }),
             QString("config field data.path: the 'census' source needs a file (--data FILE)"));
  }
  // Size-like settings have upper bounds, refused by name before anything is allocated: a few
  // zeros too many hung the trainer (threads 10^6) or ended in a LibTorch stack trace.
  void sizesHaveSaneRanges()
  {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    QVERIFY2(validationError([](RunConfig& c) { c.train.threads = 1000000; })
                 .startsWith(QString("config field train.threads: must lie in [0, %1]").arg(4 * cores)),
             "threads");
    QCOMPARE(validationError([cores](RunConfig& c) { c.train.threads = 4 * cores; }), QString("no error"));
    QCOMPARE(validationError([](RunConfig& c) { c.model.embeddingDim = 1000000000; }), QString("config field model.embedding_dim: must lie in [1, 4096]"));
    QCOMPARE(validationError([](RunConfig& c) { c.model.expertHidden = {128, 10000000}; }),
             QString("config field model.expert_hidden: every size must lie in [1, 65536]"));
    QCOMPARE(validationError([](RunConfig& c) { c.model.experts = 5000; }), QString("config field model.experts: must lie in [1, 1024]"));
    QCOMPARE(validationError([](RunConfig& c) { c.train.batchSize = 100000000; }), QString("config field train.batch_size: must lie in [1, 16,777,216]"));
    QCOMPARE(validationError([](RunConfig& c) { c.train.lr = 1e30; }), QString("config field train.lr: must lie in (0, 100], found 1e+30"));
    QCOMPARE(validationError([](RunConfig& c) { c.data.split.validFraction = 0.7; c.data.split.testFraction = 0.3; }),
             QString("config field data.split.test: with data.split.valid, must leave rows to train on (sum below 1)"));
    QCOMPARE(errorOf([] {
               SyntheticConfig s;
               s.rows = 5'000'000'000;
               generateSynthetic(s);
             }),
             QString("config field data.synthetic.rows: must lie in [1, 200,000,000] (the table is held in memory)"));
  }

  // A number beyond double's range is refused with its field's path, not the JSON library's text.
  void aNumberOutOfRangeNamesItsField()
  {
    QCOMPARE(errorOf([] { parseRunConfig(R"({"train": {"steps": 10, "lr": 1e400}})", "t.json", ""); }),
             QString("t.json: config field train.lr: the number is out of range (beyond +-1.8e308)"));
    QCOMPARE(errorOf([] { parseRunConfig(R"({"model": {"tower_hidden": [32, -1e999]}})", "t.json", ""); }),
             QString("t.json: config field model.tower_hidden[1]: the number is out of range (beyond +-1.8e308)"));
    QCOMPARE(errorOf([] { parseRunConfig(R"({"method": {"name": "mgda", "params": {"tolerance": [1, {"a": 2}], "ub": 1e500}}})", "t.json", ""); }),
             QString("t.json: config field method.params.ub: the number is out of range (beyond +-1.8e308)"));
  }

  void aTaskColumnThatDoesNotExistIsNamed()
  {
    RunConfig c = presetConfig("kuairand");
    c.data.path = SEESAW_FIXTURES "/kuairand-27k-likehate-subset/kuairand27k_likehate_kcore15.sample_first50users.tsv.gz";
    c.data.tasks = {"is_click", "is_purchase"};
    const QString message = errorOf([&] { loadTable(c.data); });
    QVERIFY2(message.contains("column 'is_purchase' (config field data.tasks[1]) not found"), qPrintable(message));
  }
};

QTEST_APPLESS_MAIN(TestConfig)
#include "tst_config.moc"
