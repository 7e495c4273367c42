#include <QtTest>

#include <sys/stat.h>
#include <zlib.h>

#include <cmath>
#include <fstream>
#include <numeric>
#include <set>

#include "data/delimited_loader.h"
#include "data/load_table.h"
#include "data/presets.h"
#include "data/split.h"
#include "data/synthetic.h"
#include "config/run_config.h"
#include "tests/core/error_of.h"
#include "util/error.h"

using namespace seesaw;
using seesaw::test::errorOf;

namespace {

const std::string kKuaiRandSample =
    SEESAW_FIXTURES "/kuairand-27k-likehate-subset/kuairand27k_likehate_kcore15.sample_first50users.tsv.gz";
const std::string kCensusSample = SEESAW_FIXTURES "/census-income-kdd/census-income.test.first2000.csv.gz";

double positives(const TaskColumn& task) { return std::accumulate(task.labels.begin(), task.labels.end(), 0.0); }

ColumnMapping smallMapping()
{
  ColumnMapping m;
  m.user = "user";
  m.item = "item";
  m.dense = {"price"};
  m.tasks = {{"click", "click", TaskType::Binary, {}, {}, {}}};
  return m;
}

// Runs the loader on text written to a temporary file and returns the error message.
QString errorFor(const QTemporaryDir& dir, const std::string& name, const std::string& text, const ColumnMapping& m)
{
  const std::string path = dir.path().toStdString() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  try {
    loadDelimited(path, m);
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return "no error";
}

}  // namespace

class TestLoaders : public QObject
{
  Q_OBJECT
private Q_SLOTS:
  void kuairandSampleLoadsWithItsDocumentedCounts()
  {
    const InteractionTable t = loadDelimited(kKuaiRandSample, kuairandMapping({}));
    QCOMPARE(t.tasks[2].name, std::string("label"));  // the subset has no is_like
    // SOURCE.md: 3,166 rows, 50 users, 1,864 videos; is_click 1,908, long_view 1,371, label 2,675.
    QCOMPARE(t.rows(), size_t(3166));
    QCOMPARE(t.user.cardinality(), 50);
    QCOMPARE(t.item.cardinality(), 1864);
    QCOMPARE(positives(t.tasks[0]), 1908.0);
    QCOMPARE(positives(t.tasks[1]), 1371.0);
    QCOMPARE(positives(t.tasks[2]), 2675.0);
    QCOMPARE(t.user.vocabulary.front(), std::string("111"));  // original ids are kept
    QVERIFY(t.timestamp && t.timestamp->front() == 1649581149287LL);
  }
  void kuairandTaskColumnsComeFromConfiguration()
  {
    const InteractionTable t = loadDelimited(kKuaiRandSample, kuairandMapping({"is_comment", "is_follow"}));
    QCOMPARE(t.taskCount(), size_t(2));
    QCOMPARE(positives(t.tasks[0]), 87.0);
    QCOMPARE(positives(t.tasks[1]), 30.0);
  }
  void censusSampleHasTheMmoeTasks()
  {
    const InteractionTable t = loadDelimited(kCensusSample, censusMapping());
    // SOURCE.md: 2,000 rows, 123 with income > 50K, 880 never married.
    QCOMPARE(t.rows(), size_t(2000));
    QCOMPARE(t.tasks[0].name, std::string("income_50k"));
    QCOMPARE(positives(t.tasks[0]), 123.0);
    QCOMPARE(positives(t.tasks[1]), 880.0);
    QCOMPARE(t.dense[0].values[0], 38.0f);  // age, leading space trimmed
  }
  void embeddedDemoIsTheFullSubset()
  {
    LineReader reader = openDemoData();
    const InteractionTable t = loadDelimited(reader, kuairandMapping({}));
    // SOURCE.md: 41,828 rows, 664 users, 9,359 videos, 33,745 liked.
    QCOMPARE(t.rows(), size_t(41828));
    QCOMPARE(t.user.cardinality(), 664);
    QCOMPARE(t.item.cardinality(), 9359);
    QCOMPARE(positives(t.tasks[2]), 33745.0);
  }
  void quotedFieldsAndPlainText()
  {
    QTemporaryDir dir;
    const std::string path = dir.path().toStdString() + "/q.csv";
    std::ofstream(path) << "user,item,price,click\r\n\"u,1\",a,1.5,1\r\nu2,\"b \"\"x\"\"\",,0\r\n";
    const InteractionTable t = loadDelimited(path, smallMapping());
    QCOMPARE(t.user.vocabulary[0], std::string("u,1"));
    QCOMPARE(t.item.vocabulary[1], std::string("b \"x\""));
    QCOMPARE(t.dense[0].values[0], 1.5f);
    QVERIFY(std::isnan(t.dense[0].values[1]));  // missing dense value
  }

  void badFilesNameFileLineAndColumn_data()
  {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing column") << "user,item,cost,click\n1,2,3,1\n"
                                    << "bad.csv: column 'price' (config field data.columns.dense[0]) not found; "
                                       "the columns are: user, item, cost, click";
    QTest::newRow("non-numeric label") << "user,item,price,click\n1,2,3,1\n1,2,3,yes\n"
                                       << "bad.csv: line 3, column 'click': label of the task set by data.columns.tasks[0].column, 'yes' is not a number";
    QTest::newRow("binary label out of range") << "user,item,price,click\n1,2,3,2\n"
                                               << "bad.csv: line 2, column 'click': binary label must be 0 or 1, found '2' "
                                                  "(the task set by data.columns.tasks[0].column)";
    QTest::newRow("non-numeric dense") << "user,item,price,click\n1,2,cheap,1\n"
                                       << "bad.csv: line 2, column 'price': value 'cheap' is not a number";
    QTest::newRow("infinite dense") << "user,item,price,click\n1,2,inf,1\n"
                                    << "bad.csv: line 2, column 'price': value 'inf' is not finite";
    QTest::newRow("dense out of range") << "user,item,price,click\n1,2,1e40,1\n"
                                        << "bad.csv: line 2, column 'price': value '1e40' is out of the float range";
    QTest::newRow("a mapped name twice") << "user,item,price,click,price\n1,2,3,1,4\n"
                                         << "bad.csv: column 'price' appears twice in the header (columns 3 and 5): which one is meant "
                                            "is ambiguous; rename one";
    QTest::newRow("text after a closing quote") << "user,item,price,click\n1,2,\"1.5\"e9,1\n"
                                                << "bad.csv: line 2, field 3: text after the closing quote: 'e9' (a quoted field ends at its "
                                                   "quote; double a quote inside one)";
    QTest::newRow("ragged row") << "user,item,price,click\n1,2,3,1\n1,2,3\n" << "bad.csv: line 3: expected 4 fields, found 3";
    QTest::newRow("empty file") << "" << "bad.csv: empty file";
    QTest::newRow("CR-only line ends") << "user,item,price,click\r1,2,3,1\r1,2,3,0\r"
                                       << "bad.csv: its lines end in CR alone (a classic Mac text file); convert the line ends to LF or CRLF";
    QTest::newRow("header only") << "user,item,price,click\n" << "bad.csv: no data rows";
  }
  void badFilesNameFileLineAndColumn()
  {
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString message = errorFor(dir, "bad.csv", text.toStdString(), smallMapping());
    QCOMPARE(message.mid(message.indexOf("bad.csv")), expected);
  }
  void truncatedGzipIsReported()
  {
    std::ifstream in(kKuaiRandSample, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    QTemporaryDir dir;
    const QString message = errorFor(dir, "cut.tsv.gz", bytes.substr(0, bytes.size() / 2), kuairandMapping({}));
    QVERIFY2(message.contains("cut.tsv.gz: truncated gzip stream") && message.contains("after line"), qPrintable(message));
  }
  void presetColumnsAreNamedAsThePresets()
  {
    QTemporaryDir dir;
    const QString message = errorFor(dir, "log.csv", "user_id,item_id\n1,2\n", kuairandMapping({}));
    QVERIFY2(message.contains("column 'video_id' (needed by the kuairand preset) not found"), qPrintable(message));
  }
  void missingFileIsReported()
  {
    try {
      loadDelimited("/nonexistent/data.csv", smallMapping());
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).startsWith("/nonexistent/data.csv: cannot open data file (No such file or directory)"));
    }
  }

  // Ids are text: a NUL byte (which would merge "u2" and "u2\0x" into one user) or bytes that are
  // not UTF-8 are refused with the line, the column and the value escaped.
  void idsAreUtf8TextWithoutNul()
  {
    QTemporaryDir dir;
    const std::string nul = std::string("user,item,price,click\nu2,a,1,1\nu2") + '\0' + "x,a,1,0\n";
    QCOMPARE(errorFor(dir, "nul.csv", nul, smallMapping()).section("nul.csv", 1),
             QString(": line 3, column 'user': the value 'u2\\x00x' holds a NUL byte; ids are text"));
    const std::string latin1 = "user,item,price,click\nu1,caf\xe9,1,1\n";
    QCOMPARE(errorFor(dir, "latin1.csv", latin1, smallMapping()).section("latin1.csv", 1),
             QString(": line 2, column 'item': the value 'caf\\xe9' is not valid UTF-8; ids are stored as UTF-8 text"));
    const std::string utf8 = "user,item,price,click\nu1,caf\xc3\xa9,1,1\n";  // café, well-formed
    QTemporaryDir ok;
    const QString path = ok.filePath("utf8.csv");
    std::ofstream(path.toStdString()) << utf8;
    QCOMPARE(loadDelimited(path.toStdString(), smallMapping()).item.vocabulary[0], std::string("caf\xc3\xa9"));
  }

  // A preset's data.tasks naming a column that is no label says which setting chose it.
  void aBadTaskColumnNamesTheSettingThatChoseIt()
  {
    RunConfig c = presetConfig("demo");
    c.data.tasks = {"is_click", "duration_ms"};
    const QString message = errorOf([&] { loadTable(c.data); });
    QVERIFY2(message.endsWith("column 'duration_ms': binary label must be 0 or 1, found '45916' (the task set by data.tasks[1])"), qPrintable(message));
  }

  // What is not a regular file is refused by name at once: a FIFO would block the loader until
  // someone wrote to it, /dev/zero read until memory ran out, a directory read as "empty".
  void onlyRegularFilesAreRead()
  {
    QTemporaryDir dir;
    const QString fifo = dir.filePath("pipe.csv");
    QCOMPARE(::mkfifo(fifo.toLocal8Bit().constData(), 0600), 0);
    const std::pair<QString, QString> cases[] = {{fifo, "a FIFO (named pipe)"}, {"/dev/zero", "a character device"}, {dir.path(), "a directory"}};
    for (const auto& [path, kind] : cases) {
      const QString message = errorOf([&] { loadDelimited(path.toStdString(), smallMapping()); });
      QCOMPARE(message, path + ": the data file is " + kind + ", not a regular file");
    }
    QCOMPARE(errorOf([&] { loadRunConfigFile(fifo.toStdString()); }), fifo + ": the config file is a FIFO (named pipe), not a regular file");
  }

  void syntheticKeepsGroupsAndFollowsTheGenerator()
  {
    SyntheticConfig c;
    c.users = 300;
    c.items = 200;
    c.rows = 20000;
    c.tasks = 3;
    c.extraCardinalities = {7};
    c.denseFeatures = 2;
    c.groups = {{1.0, 1.0}, {-1.0, 1.0}};
    const InteractionTable t = generateSynthetic(c);
    QCOMPARE(t.rows(), size_t(20000));
    QCOMPARE(t.userGroup.size(), size_t(300));
    QCOMPARE(t.categorical[0].cardinality(), 7);
    QCOMPARE(t.dense.size(), size_t(2));
    std::set<int32_t> groups(t.userGroup.begin(), t.userGroup.end());
    QCOMPARE(groups, (std::set<int32_t>{0, 1}));
    // Binary labels are thresholded at the median: half positive.
    QVERIFY(std::abs(positives(t.tasks[0]) / 20000 - 0.5) < 0.01);
    // Task cosine +1 makes tasks 0 and 1 agree in group 0; -1 makes them disagree in group 1.
    double agree[2] = {0, 0}, count[2] = {0, 0};
    for (size_t r = 0; r < t.rows(); ++r) {
      const int g = t.userGroup[t.user.codes[r]];
      agree[g] += t.tasks[0].labels[r] == t.tasks[1].labels[r];
      count[g] += 1;
    }
    qInfo("label agreement: %.3f with task cosine +1, %.3f with -1", agree[0] / count[0], agree[1] / count[1]);
    QVERIFY(agree[0] / count[0] > 0.85);
    QVERIFY(agree[1] / count[1] < 0.5);
    // Same seed, same data.
    QCOMPARE(generateSynthetic(c).tasks[2].labels, t.tasks[2].labels);
  }
  void syntheticRefusesBadValues()
  {
    SyntheticConfig c;
    c.groups = {{1.5, 1.0}};
    try {
      generateSynthetic(c);
      QFAIL("no error");
    } catch (const Error& e) {
      QCOMPARE(QString(e.what()), QString("config field data.synthetic.groups[].task_cosine: must lie in [-1, 1]"));
    }
  }

  void randomSplitIsSeededAndDisjoint()
  {
    SyntheticConfig c;
    c.rows = 1000;
    const InteractionTable t = generateSynthetic(c);
    const Split a = splitRows(t, {SplitMethod::Random, 0.1, 0.2, 5});
    QCOMPARE(a.valid.size(), size_t(100));
    QCOMPARE(a.test.size(), size_t(200));
    QCOMPARE(a.train.size(), size_t(700));
    std::set<int64_t> all(a.train.begin(), a.train.end());
    all.insert(a.valid.begin(), a.valid.end());
    all.insert(a.test.begin(), a.test.end());
    QCOMPARE(all.size(), size_t(1000));
    QCOMPARE(splitRows(t, {SplitMethod::Random, 0.1, 0.2, 5}).test, a.test);
    QVERIFY(splitRows(t, {SplitMethod::Random, 0.1, 0.2, 6}).test != a.test);
  }
  void timeSplitKeepsEachUsersLatestRowsForTest()
  {
    InteractionTable t;
    t.user = {"user", {0, 0, 0, 0, 0, 1, 1}, {"a", "b"}};
    t.item = {"item", {0, 0, 0, 0, 0, 0, 0}, {"x"}};
    t.tasks = {{"click", TaskType::Binary, {0, 1, 0, 1, 0, 1, 0}}};
    t.timestamp = std::vector<int64_t>{50, 10, 40, 20, 30, 5, 1};
    const Split s = splitRows(t, {SplitMethod::TimePerUser, 0.2, 0.2, 1});
    // User a (5 rows): latest (t=50, row 0) to test, next (t=40, row 2) to valid.
    // User b (2 rows): round(0.4) = 0 rows each, both train.
    QCOMPARE(s.test, (std::vector<int64_t>{0}));
    QCOMPARE(s.valid, (std::vector<int64_t>{2}));
    QCOMPARE(s.train, (std::vector<int64_t>{1, 3, 4, 5, 6}));
  }
  void timeSplitNeedsTimestamps()
  {
    SyntheticConfig c;
    c.rows = 10;
    try {
      splitRows(generateSynthetic(c), {SplitMethod::TimePerUser, 0.1, 0.1, 1});
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).contains("data.split.method"));
    }
  }
};

QTEST_APPLESS_MAIN(TestLoaders)
#include "tst_loaders.moc"
