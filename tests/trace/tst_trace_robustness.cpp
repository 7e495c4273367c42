// The trace under stress: a growing file is read while it is written; a writer killed at random
// moments leaves a file holding every committed record; bad and damaged files are refused with a
// message and never crash the reader; an independent reader (h5ls, h5dump) reads it.
#include <QtTest>

#include <hdf5.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "trace/trace_reader.h"
#include "trace_checks.h"
#include "util/error.h"

using namespace seesaw;
using namespace seesaw::testing;

namespace {

QString refusal(const std::string& path)
{
  try {
    TraceReader reader(path);
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

// The last "committed N" a child writer printed.
int64_t lastCommitted(const QByteArray& output)
{
  int64_t last = 0;
  for (const QByteArray& line : output.split('\n'))
    if (line.startsWith("committed ")) last = line.mid(10).toLongLong();
  return last;
}

}  // namespace

class TestTraceRobustness : public QObject
{
  Q_OBJECT

  QTemporaryDir dir_;
  std::string file(const char* name) const { return dir_.filePath(name).toStdString(); }

private Q_SLOTS:
  void aGrowingTraceIsReadWhileItIsWritten()
  {
    const std::string path = file("growing.h5");
    QProcess child;
    child.start(TRACE_WRITER_CHILD, {QString::fromStdString(path), "400", "5000"});  // about 2 s
    QVERIFY(child.waitForStarted());
    QByteArray output;
    while (lastCommitted(output) < 40 && child.state() == QProcess::Running) {
      child.waitForReadyRead(2000);
      output += child.readAllStandardOutput();
    }
    TraceReader reader(path);
    QCOMPARE(reader.status().state, trace::RunState::Running);
    const int64_t first = reader.stepCount();
    QVERIFY2(first >= 40, qPrintable(QString::number(first)));
    checkStep(reader.step(first - 1), first);

    int64_t grown = 0;
    for (int i = 0; i < 100 && grown == 0; ++i) {
      QThread::msleep(50);
      grown = reader.refresh().steps;
    }
    QVERIFY(grown > 0);
    QCOMPARE(reader.stepCount(), first + grown);
    const auto added = reader.steps(first, grown);
    for (int64_t i = 0; i < grown; ++i) checkStep(added[static_cast<size_t>(i)], first + i + 1);

    QVERIFY(child.waitForFinished(30000));
    QCOMPARE(child.exitCode(), 0);
    const auto growth = reader.refresh();
    QVERIFY(growth.stateChanged);
    QCOMPARE(reader.status().state, trace::RunState::Finished);
    QCOMPARE(reader.stepCount(), int64_t(400));
    QCOMPARE(reader.snapshotCount(), int64_t(40));
    checkSnapshot(reader.snapshot(39), 400);
  }

  void aKilledWriterLeavesEveryCommittedRecord()
  {
    std::mt19937 rng(20261123);
    for (int round = 0; round < 12; ++round) {
      const std::string path = file(("killed-" + std::to_string(round) + ".h5").c_str());
      QProcess child;
      child.start(TRACE_WRITER_CHILD, {QString::fromStdString(path), "1000000", "200"});
      QVERIFY(child.waitForStarted());
      QThread::msleep(std::uniform_int_distribution<int>(30, 600)(rng));
      ::kill(static_cast<pid_t>(child.processId()), SIGKILL);
      QVERIFY(child.waitForFinished(10000));
      const int64_t committed = lastCommitted(child.readAllStandardOutput());

      try {
        TraceReader reader(path);
        QVERIFY2(reader.stepCount() >= committed,
                 qPrintable(QString("round %1: %2 steps, %3 committed").arg(round).arg(reader.stepCount()).arg(committed)));
        QCOMPARE(reader.status().state, trace::RunState::Running);
        const auto steps = reader.steps(0, reader.stepCount());
        for (size_t i = 0; i < steps.size(); ++i) checkStep(steps[i], static_cast<int64_t>(i) + 1);
        for (int64_t i = 0; i < reader.snapshotCount(); ++i) checkSnapshot(reader.snapshot(i), (i + 1) * kSnapshotEvery);
      } catch (const Error& e) {
        // Killed before the file was created and its first commit made: nothing was promised.
        QVERIFY2(committed == 0, qPrintable(QString("round %1, %2 committed: %3").arg(round).arg(committed).arg(e.what())));
      }
    }
  }

  void badFilesAreRefusedWithAMessage()
  {
    QVERIFY(refusal(file("missing.h5")).contains("no such file"));

    const std::string text = file("notes.h5");
    std::ofstream(text) << "step,loss\n1,0.5\n";
    QVERIFY2(refusal(text).contains("not an HDF5 file"), qPrintable(refusal(text)));

    const std::string foreign = file("foreign.h5");
    H5Fclose(H5Fcreate(foreign.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    QVERIFY2(refusal(foreign).contains("not a Seesaw trace"), qPrintable(refusal(foreign)));

    const std::string newer = file("newer.h5");
    writeTrace(newer, 20);
    {
      const hid_t f = H5Fopen(newer.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      const hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
      const int64_t next = trace::kFormatVersion + 1;
      H5Awrite(a, H5T_NATIVE_INT64, &next);
      H5Aclose(a);
      H5Fclose(f);
    }
    QVERIFY2(refusal(newer).contains("newer than this Seesaw reads"), qPrintable(refusal(newer)));

    const std::string truncated = file("truncated.h5");
    writeTrace(truncated, 300);
    std::filesystem::resize_file(truncated, std::filesystem::file_size(truncated) / 2);
    QVERIFY2(refusal(truncated).contains("truncated"), qPrintable(refusal(truncated)));
    QVERIFY(refusal(truncated).contains(QString::fromStdString(truncated)));
  }

  void damagedFilesNeverCrashTheReader()
  {
    const std::string original = file("original.h5");
    writeTrace(original, 300);
    const auto size = static_cast<int64_t>(std::filesystem::file_size(original));
    std::ifstream in(original, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string damaged = file("damaged.h5");
    int refused = 0, read = 0;
    auto attempt = [&](const std::string& content) {
      std::ofstream(damaged, std::ios::binary | std::ios::trunc) << content;
      try {
        TraceReader(damaged).readAll();
        ++read;
      } catch (const Error& e) {
        QVERIFY(QString(e.what()).contains(QString::fromStdString(damaged)));
        ++refused;
      }
    };
    for (int i = 0; i < 60; ++i) attempt(bytes.substr(0, static_cast<size_t>(size * i / 60)));
    std::mt19937 rng(7);
    for (int i = 0; i < 300; ++i) {
      std::string flipped = bytes;
      const auto at = std::uniform_int_distribution<int64_t>(0, size - 1)(rng);
      flipped[static_cast<size_t>(at)] = static_cast<char>(flipped[static_cast<size_t>(at)] ^ (1 << (i % 8)));
      attempt(flipped);
    }
    qInfo("damaged traces: %d refused with a message, %d read", refused, read);
    QVERIFY(refused >= 60);  // every truncation is refused
  }

  void anIndependentReaderReadsTheTrace()
  {
    const std::string path = file("independent.h5");
    writeTrace(path, 30);
    QProcess h5ls;
    h5ls.start("h5ls", {"-r", QString::fromStdString(path)});
    QVERIFY(h5ls.waitForFinished(30000));
    QCOMPARE(h5ls.exitCode(), 0);
    const QString listing = h5ls.readAllStandardOutput();
    QVERIFY2(listing.contains(QRegularExpression(R"(/steps/cosine\s+Dataset \{30/Inf, 3, 3\})")), qPrintable(listing));
    QVERIFY(listing.contains(QRegularExpression(R"(/users/exact/cosine\s+Dataset \{3/Inf, 7, 3\})")));
    QVERIFY(listing.contains(QRegularExpression(R"(/users/cosine\s+Soft Link \{/users/exact/cosine\})")));
    QVERIFY(listing.contains(QRegularExpression(R"(/users/level\s+Dataset \{2\})")));
    QVERIFY(listing.contains(QRegularExpression(R"(/items/embedding/magnitude_ratio\s+Dataset \{3/Inf, 5, 3\})")));
    QVERIFY(listing.contains(QRegularExpression(R"(/steps/method_state\s+Dataset \{30/Inf, 3\})")));
    QVERIFY(listing.contains(QRegularExpression(R"(/method/state_name\s+Dataset \{3\})")));

    QProcess h5dump;
    h5dump.start("h5dump", {"-d", "/steps/loss", "-s", "4,0", "-c", "1,3", "-m", "%.9g", QString::fromStdString(path)});
    QVERIFY(h5dump.waitForFinished(30000));
    QCOMPARE(h5dump.exitCode(), 0);
    const QString dump = h5dump.readAllStandardOutput();
    const StepRecord step5 = syntheticStep(5);
    for (int k = 0; k < kTasks; ++k) {
      const QString want = QString("(4,%1): %2").arg(k).arg(step5.loss[static_cast<size_t>(k)], 0, 'g', 9);
      QVERIFY2(dump.contains(want), qPrintable(dump + "\nwanted " + want));
    }
  }
};

QTEST_GUILESS_MAIN(TestTraceRobustness)
#include "tst_trace_robustness.moc"
