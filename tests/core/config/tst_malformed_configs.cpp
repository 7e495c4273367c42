// Malformed run configs, generated from one fixed seed: truncated, flipped, mistyped, out of range or
// misspelled. Each is either read as its text says (the test knows the config it must give) or
// refused with a seesaw::Error that names the config field, or the line and column of a JSON
// syntax error. None may crash or hang.
#include <QtTest>

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "tests/core/malformed_inputs.h"
#include "train/run_validation.h"
#include "util/error.h"

using namespace seesaw;
using namespace seesaw::testing;
using nlohmann::json;

namespace {

// The demo preset as the app saves it: every field written out.
const std::string& demoText()
{
  static const std::string text = toJsonString(presetConfig("demo"));
  return text;
}

// The demo config with the value at `pointer` ("/train/lr") replaced, or added where it is absent.
std::string demoWith(const std::string& pointer, const json& value)
{
  json j = json::parse(demoText());
  j[json::json_pointer(pointer)] = value;
  return j.dump(2);
}

// The same with raw JSON text in its place: what a json value cannot hold (NaN, 1e400, a key
// twice, a raw NUL).
std::string demoWithRaw(const std::string& pointer, const std::string& raw)
{
  const std::string placeholder = "\"@RAW@\"";
  std::string text = demoWith(pointer, "@RAW@");
  text.replace(text.find(placeholder), placeholder.size(), raw);
  return text;
}

// `depth` opening texts, the innermost value, `depth` closing texts.
std::string nested(const std::string& open, const std::string& inner, const std::string& close, size_t depth)
{
  std::string text;
  for (size_t i = 0; i < depth; ++i) text += open;
  text += inner;
  for (size_t i = 0; i < depth; ++i) text += close;
  return text;
}

// An accepted config must be the demo with `change` made, and nothing else changed.
std::function<bool(const RunConfig&)> isDemoWith(const std::function<void(RunConfig&)>& change)
{
  RunConfig expected = presetConfig("demo");
  change(expected);
  return [want = toJsonString(expected)](const RunConfig& c) { return toJsonString(c) == want; };
}

// One flipped bit that leaves valid JSON and a valid config changes one value at most.
bool differsFromDemoInOneValueAtMost(const RunConfig& c)
{
  return json::diff(json::parse(demoText()), json::parse(toJsonString(c))).size() <= 1;
}

// Where a config variant ends. Any: a random mutation whose outcome the test cannot predict.
enum class ConfigOutcome { RefusedReading, RefusedValidating, Accepted, Any };

QString nameOf(ConfigOutcome o)
{
  switch (o) {
  case ConfigOutcome::RefusedReading: return "refused while reading";
  case ConfigOutcome::RefusedValidating: return "refused by validate()";
  case ConfigOutcome::Accepted: return "accepted";
  case ConfigOutcome::Any: return "any outcome";
  }
  return {};
}

struct ConfigVariant
{
  QString kind;
  std::string text;
  ConfigOutcome expect = ConfigOutcome::Any;
  QString refusalSays;                          // e.g. "config field train.lr: "; empty: the general rule only
  std::function<bool(const RunConfig&)> holds;  // what an accepted config must be; empty: anything valid
};

struct ConfigVariants
{
  std::vector<ConfigVariant> list;

  void refusedReading(const QString& kind, const std::string& text, const QString& says)
  {
    list.push_back({kind, text, ConfigOutcome::RefusedReading, says, {}});
  }
  void refusedValidating(const QString& kind, const std::string& text, const QString& says)
  {
    list.push_back({kind, text, ConfigOutcome::RefusedValidating, says, {}});
  }
  void accepted(const QString& kind, const std::string& text, std::function<bool(const RunConfig&)> holds)
  {
    list.push_back({kind, text, ConfigOutcome::Accepted, {}, std::move(holds)});
  }
  void any(const QString& kind, const std::string& text, std::function<bool(const RunConfig&)> holds, const QString& says = {})
  {
    list.push_back({kind, text, ConfigOutcome::Any, says, std::move(holds)});
  }
};

std::vector<ConfigVariant> configVariants(std::mt19937& rng)
{
  const std::string& demo = demoText();
  ConfigVariants v;

  // Not JSON, or JSON with what the standard leaves out (comments, trailing commas, NaN).
  v.refusedReading("empty file", "", "not valid JSON");
  v.refusedReading("whitespace only", " \n\t\n", "not valid JSON");
  v.refusedReading("a comment before the object", "// demo\n" + demo, "not valid JSON");
  {
    std::string trailing = demo;
    trailing.insert(trailing.rfind('}', trailing.size() - 2) + 1, ",");
    v.refusedReading("a trailing comma", trailing, "not valid JSON");
  }
  v.refusedReading("a stray comma", demoWithRaw("/train/lr", "0.001,"), "not valid JSON");
  v.refusedReading("text after the object", demo + "\nx", "not valid JSON");
  v.refusedReading("two objects", demo + demo, "not valid JSON");
  v.refusedReading("single quotes", demoWithRaw("/method/name", "'ew'"), "not valid JSON");
  v.refusedReading("NaN", demoWithRaw("/train/lr", "NaN"), "not valid JSON");
  v.refusedReading("Infinity", demoWithRaw("/train/lr", "Infinity"), "not valid JSON");
  v.refusedReading("-Infinity", demoWithRaw("/train/momentum", "-Infinity"), "not valid JSON");
  v.refusedReading("a string never closed", demoWithRaw("/name", "\"demo"), "not valid JSON");
  v.refusedReading("invalid UTF-8 in a string", demoWithRaw("/name", "\"demo\xff\""), "not valid JSON");
  v.refusedReading("a raw NUL in a string", demoWithRaw("/name", std::string("\"de") + '\0' + "mo\""), "not valid JSON");
  v.refusedReading("a raw line break in a string", demoWithRaw("/name", "\"de\nmo\""), "not valid JSON");
  v.refusedReading("a NUL byte inside the object", "{" + std::string(1, '\0') + demo.substr(1), "not valid JSON");
  // nlohmann reads a NUL byte as the end of the text, so what follows one is never seen.
  v.any("a NUL byte after the object, then more text", demo + '\0' + "{\"x\": ", isDemoWith([](RunConfig&) {}));

  // A top level that is no object.
  for (const char* top : {"[]", "42", "\"demo\"", "null", "true"})
    v.refusedReading(QString("top level %1").arg(QString::fromLatin1(top)), top, "config field (root): must be an object");
  v.refusedReading("top level a number beyond double", "1e999", "the config (a number at its top level): the number is out of range");

  // Wrong types, refused where nlohmann would convert without a word.
  v.refusedReading("lr a string", demoWith("/train/lr", "0.001"), "config field train.lr: expected a number, found \"0.001\"");
  v.refusedReading("steps a list", demoWith("/train/steps", json::array({100})), "config field train.steps: expected an integer, found [100]");
  v.refusedReading("batch_size null", demoWith("/train/batch_size", nullptr), "config field train.batch_size: expected an integer, found null");
  v.refusedReading("epochs a bool", demoWith("/train/epochs", true), "config field train.epochs: expected a number, found true");
  v.refusedReading("embedding_dim fractional", demoWith("/model/embedding_dim", 16.5), "config field model.embedding_dim: expected an integer, found 16.5");
  v.refusedReading("steps written 1.0", demoWithRaw("/train/steps", "1.0"), "config field train.steps: expected an integer, found 1.0");
  v.refusedReading("expert_hidden a number", demoWith("/model/expert_hidden", 128), "config field model.expert_hidden: expected a list, found 128");
  v.refusedReading("tower_hidden holding a string", demoWith("/model/tower_hidden", json::array({32, "x"})),
                   "config field model.tower_hidden[1]: expected an integer, found \"x\"");
  v.refusedReading("analyze 1", demoWith("/train/analyze", 1), "config field train.analyze: expected true or false, found 1");
  v.refusedReading("model type a number", demoWith("/model/type", 2), "config field model.type: expected a string, found 2");
  v.refusedReading("split a list", demoWith("/data/split", json::array()), "config field data.split: must be an object");
  v.refusedReading("method a string", demoWith("/method", "ew"), "config field method: must be an object");
  v.refusedReading("column tasks an object", demoWith("/data/columns/tasks", json::object()), "config field data.columns.tasks: must be a list");
  v.refusedReading("a synthetic group a number", demoWith("/data/synthetic/groups", json::array({1})),
                   "config field data.synthetic.groups[0]: must be an object");
  v.refusedReading("a method parameter a string", demoWith("/method/params", json{{"x", "big"}}),
                   "config field method.params.x: expected a number, found \"big\"");

  // Out of range: validate() refuses, naming the field (it is given a RunConfig, not a file).
  v.refusedValidating("negative steps", demoWith("/train/steps", -5), "config field train.steps: must not be negative");
  v.refusedValidating("lr 1e30", demoWith("/train/lr", 1e30), "config field train.lr: must lie in (0, 100], found 1e+30");
  v.refusedValidating("lr 0", demoWith("/train/lr", 0.0), "config field train.lr: must lie in (0, 100], found 0");
  v.refusedValidating("threads 1000000", demoWith("/train/threads", 1000000), "config field train.threads: must lie in [0, ");
  v.refusedValidating("embedding_dim 10^9", demoWith("/model/embedding_dim", 1000000000), "config field model.embedding_dim: must lie in [1, 4096]");
  v.refusedValidating("no experts", demoWith("/model/experts", 0), "config field model.experts: must lie in [1, 1024]");
  v.refusedValidating("batch_size 0", demoWith("/train/batch_size", 0), "config field train.batch_size: must lie in [1, 16,777,216]");
  v.refusedValidating("validation fraction 1.5", demoWith("/data/split/valid", 1.5), "config field data.split.valid: must lie in [0, 1)");
  v.refusedValidating("negative momentum", demoWith("/train/momentum", -0.1), "config field train.momentum: must lie in [0, 1)");
  v.refusedValidating("no epochs and no steps", demoWith("/train/epochs", 0.0), "config field train.epochs: must lie in (0, 1e6] when train.steps is 0");
  v.refusedValidating("record_every 0", demoWith("/train/record_every", 0), "config field train.record_every: must be at least 1");
  // ... and where the field's type cannot hold the number, refused while reading.
  v.refusedReading("lr 1e400", demoWithRaw("/train/lr", "1e400"), "config field train.lr: the number is out of range");
  v.refusedReading("lr -1e400", demoWithRaw("/train/lr", "-1e400"), "config field train.lr: the number is out of range");
  v.refusedReading("embedding_dim 1e9", demoWithRaw("/model/embedding_dim", "1e9"), "config field model.embedding_dim: expected an integer");
  v.refusedReading("batch_size 2^31", demoWith("/train/batch_size", int64_t(1) << 31), "config field train.batch_size: expected a smaller integer");
  v.refusedReading("negative seed", demoWith("/train/seed", -1), "config field train.seed: expected a non-negative integer, found -1");
  v.refusedReading("seed 2^64", demoWithRaw("/train/seed", "18446744073709551616"), "config field train.seed: expected an integer");
  v.accepted("seed 2^64 - 1", demoWith("/train/seed", std::numeric_limits<uint64_t>::max()),
             isDemoWith([](RunConfig& c) { c.train.seed = std::numeric_limits<uint64_t>::max(); }));

  // Unknown and misspelled names, refused by name so that a typo never passes silently.
  v.refusedReading("an unknown top-level field", demoWith("/learning_rate", 0.1), "config field learning_rate: unknown field");
  v.refusedReading("an unknown train field", demoWith("/train/learning_rate", 0.1), "config field train.learning_rate: unknown field");
  v.refusedReading("an unknown column field", demoWith("/data/columns/usr", "u"), "config field data.columns.usr: unknown field");
  v.refusedReading("model type misspelled", demoWith("/model/type", "mmeo"), "config field model.type: unknown model 'mmeo'");
  v.refusedReading("optimizer misspelled", demoWith("/train/optimizer", "adma"), "config field train.optimizer: unknown optimizer 'adma'");
  v.refusedReading("split method misspelled", demoWith("/data/split/method", "tiem"), "config field data.split.method: unknown split 'tiem'");
  v.refusedReading("non-finite policy misspelled", demoWith("/train/on_non_finite", "ignore"), "config field train.on_non_finite: unknown policy 'ignore'");
  v.refusedValidating("method misspelled", demoWith("/method/name", "pcgard"), "config field method.name: unknown method 'pcgard'");
  v.refusedValidating("method in capitals", demoWith("/method/name", "EW"), "config field method.name: unknown method 'EW'");
  v.refusedValidating("an unknown source", demoWith("/data/source", "csv"), "config field data.source: unknown source 'csv'");
  v.refusedValidating("an unknown device", demoWith("/train/device", "gpu"), "config field train.device: unknown device 'gpu'");
  v.refusedValidating("an unknown geometry level", demoWith("/train/geometry_levels", json::array({"exakt"})),
                      "config field train.geometry_levels: unknown level 'exakt'");
  v.refusedValidating("a parameter the method lacks", demoWith("/method/params", json{{"alpha", 1.5}}),
                      "config field method.params.alpha: method 'ew' has no such parameter");

  // Structure: a key twice, nesting far deeper than any config, long and odd strings.
  // JSON leaves a repeated key to the reader; nlohmann keeps the last.
  v.any("lr twice", demoWithRaw("/train/lr", "0.5, \"lr\": 0.002"), isDemoWith([](RunConfig& c) { c.train.lr = 0.002; }), "train.lr");
  v.refusedReading("name nested 2,000 lists deep", demoWithRaw("/name", nested("[", "1", "]", 2000)), "config field name: expected a string");
  v.refusedReading("a parameter nested 2,000 objects deep", demoWithRaw("/method/params/a", nested("{\"a\": ", "1", "}", 2000)),
                   "config field method.params.a: expected a number");
  v.refusedReading("an unknown field nested 100,000 lists deep", demoWithRaw("/deep", nested("[", "1", "]", 100000)), "config field deep: unknown field");
  {
    const std::string longName(1 << 20, 'n');
    v.accepted("a name of 1 MiB", demoWith("/name", longName), isDemoWith([&](RunConfig& c) { c.name = longName; }));
  }
  v.any("a NUL escaped in the name", demoWithRaw("/name", "\"de\\u0000mo\""), isDemoWith([](RunConfig& c) { c.name = std::string("de\0mo", 5); }), "name");

  // Valid variants, read as written.
  v.accepted("another learning rate", demoWith("/train/lr", 0.01), isDemoWith([](RunConfig& c) { c.train.lr = 0.01; }));
  v.accepted("a step count", demoWith("/train/steps", 100), isDemoWith([](RunConfig& c) { c.train.steps = 100; }));
  v.accepted("whitespace around the object", "\n\n  " + demo + "\n\n", isDemoWith([](RunConfig&) {}));
  v.any("UTF-8 byte-order mark", "\xEF\xBB\xBF" + demo, isDemoWith([](RunConfig&) {}));
  v.accepted("an empty object: every default", "{}", [](const RunConfig& c) { return toJsonString(c) == toJsonString(RunConfig()); });

  // Random damage. Any cut drops the closing brace, so every truncation is refused; a flipped bit
  // that leaves a valid config changed one value at most.
  for (int i = 0; i < 8; ++i) {
    const size_t cut = below(rng, demo.size());
    v.refusedReading(QString("truncated to %1 of %2 bytes").arg(cut).arg(demo.size()), demo.substr(0, cut), "not valid JSON");
  }
  for (int i = 0; i < 16; ++i) {
    const size_t at = below(rng, demo.size());
    const int bit = static_cast<int>(below(rng, 8));
    std::string flipped = demo;
    flipped[at] = static_cast<char>(flipped[at] ^ (1 << bit));
    v.any(QString("bit %1 of byte %2 flipped").arg(bit).arg(at), flipped, differsFromDemoInOneValueAtMost);
  }
  // A number field given a value of another type, drawn at random.
  struct Field
  {
    const char* pointer;
    const char* path;
  };
  const Field numberFields[] = {{"/train/lr", "train.lr"},
                                {"/train/epochs", "train.epochs"},
                                {"/train/batch_size", "train.batch_size"},
                                {"/train/eval_every", "train.eval_every"},
                                {"/train/seed", "train.seed"},
                                {"/train/threads", "train.threads"},
                                {"/model/embedding_dim", "model.embedding_dim"},
                                {"/model/experts", "model.experts"},
                                {"/model/levels", "model.levels"},
                                {"/data/split/valid", "data.split.valid"},
                                {"/data/split/test", "data.split.test"},
                                {"/data/synthetic/noise_std", "data.synthetic.noise_std"}};
  const json wrongValues[] = {"12", json::array({12}), nullptr, false, json{{"value", 12}}};
  for (int i = 0; i < 8; ++i) {
    const Field& field = numberFields[below(rng, std::size(numberFields))];
    const json& value = wrongValues[below(rng, std::size(wrongValues))];
    const QString path = QString::fromLatin1(field.path);
    v.refusedReading(QString("%1 = %2").arg(path, QString::fromStdString(value.dump())), demoWith(field.pointer, value),
                     "config field " + path + ": expected ");
  }
  return v.list;
}

// A refusal while reading names the file, then a config field or the line and column of the JSON
// syntax error (or says the number at the top level overflowed). validate() checks a RunConfig,
// not a file, so its refusals name the field alone.
bool namesConfigPlace(const QString& message, const QString& path, ConfigOutcome outcome)
{
  static const QRegularExpression field(R"(^config field \S.*: \S)", QRegularExpression::DotMatchesEverythingOption);
  static const QRegularExpression syntax(R"(^not valid JSON \(.*line \d+, column \d+)", QRegularExpression::DotMatchesEverythingOption);
  if (outcome == ConfigOutcome::RefusedValidating) return field.match(message).hasMatch();
  if (!message.startsWith(path + ": ")) return false;
  const QString rest = message.mid(path.size() + 2);
  return field.match(rest).hasMatch() || syntax.match(rest).hasMatch() || rest.startsWith("the config (a number at its top level): ");
}

struct ConfigTally
{
  int accepted = 0;
  int refusedReading = 0;
  int refusedValidating = 0;
};

void checkConfigVariant(const ConfigVariant& v, const QString& path, ConfigTally& tally)
{
  std::ofstream(path.toStdString(), std::ios::binary) << v.text;
  const QString label = v.kind + " (" + path + ")";
  ConfigOutcome outcome = ConfigOutcome::Accepted;
  RunConfig config;
  QString refusal;
  QElapsedTimer clock;
  clock.start();
  try {
    config = loadRunConfigFile(path.toStdString());
    try {
      validate(config);
    } catch (const Error& e) {
      outcome = ConfigOutcome::RefusedValidating;
      refusal = QString::fromStdString(e.what());
    }
  } catch (const Error& e) {
    outcome = ConfigOutcome::RefusedReading;
    refusal = QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    QFAIL(qPrintable(label + ": threw an exception other than seesaw::Error: " + e.what()));
  }
  const qint64 ms = clock.elapsed();
  QVERIFY2(ms < kHangBoundMs, qPrintable(label + QString(": took %1 ms").arg(ms)));
  QVERIFY2(v.expect == ConfigOutcome::Any || v.expect == outcome,
           qPrintable(label + ": " + nameOf(outcome) + ", expected " + nameOf(v.expect) + ". " + refusal.left(300)));

  if (outcome == ConfigOutcome::Accepted) {
    ++tally.accepted;
    QVERIFY2(!v.holds || v.holds(config), qPrintable(label + ": accepted as " + QString::fromStdString(toJsonString(config)).left(600)));
    return;
  }
  if (outcome == ConfigOutcome::RefusedReading)
    ++tally.refusedReading;
  else
    ++tally.refusedValidating;
  QVERIFY2(namesConfigPlace(refusal, path, outcome), qPrintable(label + ": the refusal names no file and place: " + refusal.left(300)));
  QVERIFY2(v.refusalSays.isEmpty() || refusal.contains(v.refusalSays),
           qPrintable(label + ": the refusal does not say '" + v.refusalSays + "': " + refusal.left(300)));
}

}  // namespace

class TestMalformedConfigs : public QObject
{
  Q_OBJECT

  testing::VariantFiles files_;
  QString file(size_t index, const std::string& name) const { return files_.file(index, name); }

private Q_SLOTS:
  void initTestCase() { QVERIFY(files_.valid()); }

  void theUnchangedConfigIsTheValidDemo()
  {
    const QString path = file(0, "demo.json");
    std::ofstream(path.toStdString(), std::ios::binary) << demoText();
    const RunConfig c = loadRunConfigFile(path.toStdString());
    validate(c);
    QCOMPARE(toJsonString(c), demoText());
    QCOMPARE(c.train.lr, 0.001);
    QCOMPARE(c.method.name, std::string("ew"));
    QCOMPARE(demoText().back(), '}');  // so that every cut of it drops the closing brace
  }

  void malformedConfigsAreReadAsWrittenOrRefusedWithTheirField()
  {
    std::mt19937 rng(kSeed);
    const std::vector<ConfigVariant> variants = configVariants(rng);
    ConfigTally tally;
    for (size_t i = 0; i < variants.size(); ++i) {
      checkConfigVariant(variants[i], file(i, "config.json"), tally);
      if (QTest::currentTestFailed()) return;
    }
    qInfo("malformed configs: %zu variants, %d accepted, %d refused while reading, %d refused by validate()", variants.size(), tally.accepted,
          tally.refusedReading, tally.refusedValidating);
    QVERIFY(variants.size() >= 30);
  }
};

QTEST_APPLESS_MAIN(TestMalformedConfigs)
#include "tst_malformed_configs.moc"
