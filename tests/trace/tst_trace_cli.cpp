// The trace from the command line: seesaw-train records a run that seesaw-trace validates and
// exports, and a disk that fills up stops training with a message while the trace stays readable.
#include <QtTest>

#include "trace/trace_reader.h"
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
    QVERIFY2(validate.out.contains("60 steps, 4 evaluations, 2 user snapshots, run finished"), qPrintable(validate.out));

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
    // The snapshot at step 50 covers steps 1..50; its counts add up to the samples of 50 batches.
    const UserSnapshot snapshot = reader.snapshot(0);
    QCOMPARE(snapshot.step, int64_t(50));
    int64_t samples = 0, csvSamples = 0;
    for (int32_t c : snapshot.count) samples += c;
    for (int i = 1; i < rows.size(); ++i) csvSamples += rows[i].split(',')[2].toLongLong();
    QCOMPARE(samples, int64_t(50) * reader.info().batchSize);
    QCOMPARE(csvSamples, samples);
  }

  void aMissingOrForeignFileIsRefused()
  {
    const Result missing = run(SEESAW_TRACE, {"info", "missing.h5"}, dir_.path());
    QCOMPARE(missing.exitCode, 1);
    QVERIFY(missing.err.contains("missing.h5: no such file"));
    const Result usage = run(SEESAW_TRACE, {"export", "demo.h5", "--what", "everything"}, dir_.path());
    QCOMPARE(usage.exitCode, 2);
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
  }
};

QTEST_GUILESS_MAIN(TestTraceCli)
#include "tst_trace_cli.moc"
