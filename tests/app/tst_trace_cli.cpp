// The trace from the command line: seesaw-train records a run that seesaw-trace validates and
// exports, seesaw-trace shows every geometry level of users and items, and a disk that fills up
// stops training with a message while the trace stays readable.
#include <QtTest>
#include <QJsonDocument>
#include <QJsonObject>

#include <sys/stat.h>

#include "tests/core/trace/synthetic_records.h"
#include "trace/trace_reader.h"
#include "trace/trace_writer.h"
#include "util/error.h"

using namespace seesaw;

namespace {

struct Result
{
  int exitCode = -1;
  QString out, err;
};

Result run(const QString& program, const QStringList& arguments, const QString& directory)
{
  QProcess p;
  p.setWorkingDirectory(directory);
  p.start(program, arguments);
  Result r;
  if (!p.waitForFinished(300000)) return r;
  r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = p.readAllStandardOutput();
  r.err = p.readAllStandardError();
  return r;
}

}  // namespace

class TestTraceCli : public QObject
{
  Q_OBJECT

  QTemporaryDir dir_;

private Q_SLOTS:
  void trainRecordsATraceThatTheToolReads()
  {
    const Result train = run(SEESAW_TRAIN, {"demo", "--steps", "60", "--eval-every", "25", "--trace", "demo.h5"}, dir_.path());
    QVERIFY2(train.exitCode == 0, qPrintable(train.err));
    QVERIFY(train.out.contains("trace: demo.h5"));

    const Result validate = run(SEESAW_TRACE, {"validate", "demo.h5"}, dir_.path());
    QCOMPARE(validate.exitCode, 0);
    QVERIFY2(validate.out.contains("60 steps, 4 evaluations, 2 geometry snapshots, run finished"), qPrintable(validate.out));

    const Result steps = run(SEESAW_TRACE, {"export", "demo.h5"}, dir_.path());
    QCOMPARE(steps.exitCode, 0);
    const QStringList lines = steps.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 61);
    QVERIFY(lines[0].startsWith("step,epoch,wall_time,lr,flags,loss:is_click,loss:long_view,loss:label"));
    QVERIFY(lines[0].contains("cosine:is_click/long_view"));
    QCOMPARE(lines.back().split(',')[0], QString("60"));

    TraceReader reader(dir_.filePath("demo.h5").toStdString());
    const auto users = run(SEESAW_TRACE, {"export", "demo.h5", "--what", "users", "--step", "55", "-o", "users.csv"}, dir_.path());
    QCOMPARE(users.exitCode, 0);
    QFile csv(dir_.filePath("users.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList rows = QString(csv.readAll()).trimmed().split('\n');
    QCOMPARE(rows.size(), static_cast<int>(reader.info().userIds.size()) + 1);
    const QString defaultLevel = QString::fromStdString(reader.info().geometryLevels.at(0));
    QVERIFY2(rows[0].startsWith("user,group,count,cosine:" + defaultLevel + ":"), qPrintable(rows[0]));
    // The snapshot at step 50 covers steps 1..50; its counts add up to the samples of 50 batches.
    const GeometrySnapshot snapshot = reader.snapshot(0);
    QCOMPARE(snapshot.step, int64_t(50));
    int64_t samples = 0, csvSamples = 0;
    for (int32_t c : snapshot.users.count) samples += c;
    for (int i = 1; i < rows.size(); ++i) csvSamples += rows[i].split(',')[2].toLongLong();
    QCOMPARE(samples, int64_t(50) * reader.info().batchSize);
    QCOMPARE(csvSamples, samples);
  }

  void theToolShowsEveryLevelOfUsersAndItems()
  {
    const std::string path = dir_.filePath("levels.h5").toStdString();
    {
      TraceWriter writer(TraceOptions{path, trace::Compression::Deflate, 1000, 1.0, nullptr});
      writer.begin(testing::syntheticRunInfo());
      for (int64_t s = 1; s <= 20; ++s) writer.step(testing::syntheticStep(s));
      writer.geometry(readyGeometry(testing::syntheticSnapshot(10)));
      writer.geometry(readyGeometry(testing::syntheticSnapshot(20)));
      writer.end(RunEnd{20, false, ""});
    }
    const Result info = run(SEESAW_TRACE, {"info", "levels.h5"}, dir_.path());
    QCOMPARE(info.exitCode, 0);
    QVERIFY2(info.out.contains("2 snapshots of 7 users and 5 items, every 10 steps"), qPrintable(info.out));
    QVERIFY2(info.out.contains("geometry      levels exact (default), embedding; items recorded"), qPrintable(info.out));

    // The default level unless --level says otherwise; items have no group column.
    const Result users = run(SEESAW_TRACE, {"export", "levels.h5", "--what", "users", "--snapshot", "0"}, dir_.path());
    QCOMPARE(users.exitCode, 0);
    QVERIFY2(users.out.startsWith("user,group,count,cosine:exact:click/like,"), qPrintable(users.out));
    const Result items = run(SEESAW_TRACE, {"export", "levels.h5", "--what", "items", "--level", "embedding"}, dir_.path());
    QCOMPARE(items.exitCode, 0);
    const QStringList rows = items.out.trimmed().split('\n');
    QCOMPARE(rows.size(), testing::kItems + 1);
    QVERIFY2(rows[0].startsWith("item,count,cosine:embedding:click/like,"), qPrintable(rows[0]));
    QVERIFY(rows[0].contains("magnitude_ratio:embedding:watch_time,weight:click"));
    const EntityGeometry want = testing::syntheticSnapshot(20).items;
    const QStringList item1 = rows[2].split(',');
    QCOMPARE(item1[0], QString("item-501"));
    QCOMPARE(item1[1].toInt(), want.count[1]);
    QCOMPARE(item1[2].toFloat(), want.levels[1].cosine[testing::kPairs]);

    const Result unknown = run(SEESAW_TRACE, {"export", "levels.h5", "--what", "users", "--level", "representation"}, dir_.path());
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains("no geometry level 'representation' (it records exact, embedding)"), qPrintable(unknown.err));
  }

  // A branch from the command line: the checkpoints lie beside the parent's trace, the branch's
  // trace names its parent and step, and continues the parent's step numbers.
  void aBranchContinuesFromACheckpoint()
  {
    const Result parent = run(SEESAW_TRAIN, {"demo", "--steps", "40", "--checkpoint-every", "20", "--trace", "parent.h5"}, dir_.path());
    QVERIFY2(parent.exitCode == 0, qPrintable(parent.err));
    const QString checkpoint = dir_.filePath("parent.checkpoints/step-00000020.ckpt");
    QVERIFY(parent.out.contains("step 20: checkpoint saved to \"" + checkpoint + "\""));
    QVERIFY(QFile::exists(dir_.filePath("parent.checkpoints/step-00000040.ckpt")));

    const Result branch = run(SEESAW_TRAIN, {"--branch", checkpoint, "--method", "pcgrad", "--steps", "50", "--trace", "branch.h5"}, dir_.path());
    QVERIFY2(branch.exitCode == 0, qPrintable(branch.err));
    QVERIFY(branch.out.contains("step 21: method.name \"ew\" -> \"pcgrad\""));
    TraceReader reader(dir_.filePath("branch.h5").toStdString());
    QCOMPARE(reader.info().branch.step, int64_t(20));
    QCOMPARE(QString::fromStdString(reader.info().branch.parentTrace), dir_.filePath("parent.h5"));
    QCOMPARE(QString::fromStdString(reader.info().branch.checkpoint), checkpoint);
    QCOMPARE(reader.info().method, std::string("pcgrad"));
    QCOMPARE(reader.stepCount(), int64_t(30));
    QCOMPARE(reader.step(0).step, int64_t(21));
    QCOMPARE(reader.changes().front().field, std::string("method.name"));
    const Result info = run(SEESAW_TRACE, {"info", "branch.h5"}, dir_.path());
    QVERIFY(info.out.contains("branch of     " + dir_.filePath("parent.h5") + " at step 20, from " + checkpoint));

    // What a branch cannot change, and a file that is no checkpoint, end with a message.
    const Result batch = run(SEESAW_TRAIN, {"--branch", checkpoint, "--batch", "64", "--no-trace"}, dir_.path());
    QCOMPARE(batch.exitCode, 1);
    QVERIFY2(batch.err.contains("config field train.batch_size: a branch continues the checkpoint's state"), qPrintable(batch.err));
    const Result foreign = run(SEESAW_TRAIN, {"--branch", "parent.h5", "--no-trace"}, dir_.path());
    QCOMPARE(foreign.exitCode, 1);
    QVERIFY2(foreign.err.contains("checkpoint parent.h5: not a Seesaw checkpoint, or damaged"), qPrintable(foreign.err));
    const Result both = run(SEESAW_TRAIN, {"demo", "--branch", checkpoint}, dir_.path());
    QCOMPARE(both.exitCode, 1);
    QVERIFY(both.err.contains("give one of a preset, --config and --branch"));
  }

  void aMissingOrForeignFileIsRefused()
  {
    const Result missing = run(SEESAW_TRACE, {"info", "missing.h5"}, dir_.path());
    QCOMPARE(missing.exitCode, 1);
    QVERIFY(missing.err.contains("missing.h5: no such file"));
    const Result usage = run(SEESAW_TRACE, {"export", "demo.h5", "--what", "everything"}, dir_.path());
    QCOMPARE(usage.exitCode, 2);
  }

  // A number beyond its option's range is refused, not clamped; sizes beyond the sane range are
  // refused by field before any data is read; a FIFO is refused instead of read forever.
  void outOfRangeArgumentsAreRefused()
  {
    const Result huge = run(SEESAW_TRAIN, {"demo", "--steps", "99999999999999999999", "--no-trace"}, dir_.path());
    QCOMPARE(huge.exitCode, 2);
    QVERIFY2(huge.err.contains("--steps: out of range: 99999999999999999999"), qPrintable(huge.err));
    const Result threads = run(SEESAW_TRAIN, {"demo", "--threads", "1000000", "--no-trace"}, dir_.path());
    QCOMPARE(threads.exitCode, 1);
    QVERIFY2(threads.err.contains("config field train.threads: must lie in [0, "), qPrintable(threads.err));
    const QString fifo = dir_.filePath("data.fifo");
    QCOMPARE(::mkfifo(fifo.toLocal8Bit().constData(), 0600), 0);
    const Result pipe = run(SEESAW_TRAIN, {"kuairand", "--data", fifo, "--no-trace", "--summary", "s.json"}, dir_.path());
    QCOMPARE(pipe.exitCode, 1);
    QVERIFY2(pipe.err.contains("the data file is a FIFO (named pipe), not a regular file"), qPrintable(pipe.err));
  }

  void aFullDiskStopsTrainingAndKeepsTheTraceReadable()
  {
    // A file size limit fails the trace's writes the way a full disk does (EFBIG for ENOSPC).
    const QString command = QString("ulimit -f 1000; exec '%1' demo --steps 2000 --eval-every 0 --trace full.h5 --summary s.json").arg(SEESAW_TRAIN);
    const Result train = run("bash", {"-c", command}, dir_.path());
    QCOMPARE(train.exitCode, 1);
    QVERIFY2(train.err.contains("trace full.h5: writing failed"), qPrintable(train.err));
    QVERIFY(train.err.contains("the records committed before stay readable"));

    TraceReader reader(dir_.filePath("full.h5").toStdString());
    QVERIFY(reader.stepCount() > 0);
    QVERIFY(reader.stepCount() < 2000);
    const auto steps = reader.steps(0, reader.stepCount());
    for (size_t i = 0; i < steps.size(); ++i) QCOMPARE(steps[i].step, static_cast<int64_t>(i) + 1);
    qInfo("trace cut at %lld steps, state %s", static_cast<long long>(reader.stepCount()), trace::runStateName(reader.status().state).c_str());
    // The summary still says how the run ended, as after a non-finite loss.
    QFile summary(dir_.filePath("s.json"));
    QVERIFY(summary.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(summary.readAll()).object();
    QVERIFY2(json.value("error").toString().contains("trace full.h5: writing failed"), qPrintable(json.value("error").toString()));
  }

  void aCheckpointOnAFullDiskIsRefusedAndTheRunGoesOn()
  {
    // The limit lets the trace (about 200 KB) grow but no checkpoint (about 3 MB) fit.
    const QString command = QString("ulimit -f 1000; exec '%1' demo --steps 100 --checkpoint-every 50 --trace ck.h5 --summary ck.json").arg(SEESAW_TRAIN);
    const Result train = run("bash", {"-c", command}, dir_.path());
    QCOMPARE(train.exitCode, 0);
    QVERIFY2(train.out.contains("step 50: checkpoint not saved: checkpoint ") && train.out.contains("step-00000050.ckpt: cannot write it: File too large"),
             qPrintable(train.out + train.err));
    QVERIFY2(QDir(dir_.filePath("ck.checkpoints")).entryList(QDir::Files).isEmpty(), "a checkpoint or its .part was left");
    TraceReader reader(dir_.filePath("ck.h5").toStdString());
    QCOMPARE(reader.status().state, trace::RunState::Finished);
    QCOMPARE(reader.stepCount(), int64_t(100));
    const auto changes = reader.changes();
    QCOMPARE(changes.size(), size_t(2));
    for (const ChangeRecord& c : changes) {
      QCOMPARE(c.field, std::string("checkpoint"));
      QVERIFY2(QString::fromStdString(c.refused).contains("cannot write it: File too large"), c.refused.c_str());
    }
  }
};

QTEST_GUILESS_MAIN(TestTraceCli)
#include "tst_trace_cli.moc"
