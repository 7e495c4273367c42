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

// Whether two run descriptions say the same: every text a reader shows.
bool sameDescription(const RunInfo& a, const RunInfo& b)
{
  return a.configJson == b.configJson && a.taskNames == b.taskNames && a.taskTypes == b.taskTypes && a.softwareVersion == b.softwareVersion &&
         a.startTime == b.startTime && a.device == b.device && a.method == b.method && a.userIds == b.userIds && a.moduleNames == b.moduleNames;
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

    // The writer commits about every second; a loaded machine may take longer, so the bound is
    // on a writer that never commits again, not on its pace.
    int64_t grown = 0;
    bool sawEnd = false;  // the refresh that sees growth may see the run's end too
    QElapsedTimer waiting;
    waiting.start();
    while (grown == 0 && waiting.elapsed() < 60000) {
      QThread::msleep(50);
      const auto growth = reader.refresh();
      grown = growth.steps;
      sawEnd = growth.stateChanged;
    }
    QVERIFY(grown > 0);
    QCOMPARE(reader.stepCount(), first + grown);
    const auto added = reader.steps(first, grown);
    for (int64_t i = 0; i < grown; ++i) checkStep(added[static_cast<size_t>(i)], first + i + 1);

    QVERIFY(child.waitForFinished(30000));
    QCOMPARE(child.exitCode(), 0);
    sawEnd = reader.refresh().stateChanged || sawEnd;
    QVERIFY(sawEnd);
    QCOMPARE(reader.status().state, trace::RunState::Finished);
    QCOMPARE(reader.stepCount(), int64_t(400));
    QCOMPARE(reader.snapshotCount(), int64_t(40));
    checkSnapshot(reader.snapshot(39), 400);
  }

  void aKilledWriterLeavesEveryCommittedRecord()
  {
    std::mt19937 rng(20261123);
    double stalest = 0;  // the oldest last commit at a kill: what a kill loses
    for (int round = 0; round < 20; ++round) {
      const std::string path = file(("killed-" + std::to_string(round) + ".h5").c_str());
      QProcess child;
      child.start(TRACE_WRITER_CHILD, {QString::fromStdString(path), "1000000", "200"});
      QVERIFY(child.waitForStarted());
      QThread::msleep(std::uniform_int_distribution<int>(30, 2500)(rng));  // before the first commit, and after several
      ::kill(static_cast<pid_t>(child.processId()), SIGKILL);
      const double killedAt = static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000;
      QVERIFY(child.waitForFinished(10000));
      const int64_t committed = lastCommitted(child.readAllStandardOutput());

      try {
        TraceReader reader(path);
        QVERIFY2(reader.stepCount() >= committed,
                 qPrintable(QString("round %1: %2 steps, %3 committed").arg(round).arg(reader.stepCount()).arg(committed)));
        QCOMPARE(reader.status().state, trace::RunState::Running);
        if (reader.status().heartbeat > 0) stalest = std::max(stalest, killedAt - reader.status().heartbeat);
        const auto steps = reader.steps(0, reader.stepCount());
        for (size_t i = 0; i < steps.size(); ++i) checkStep(steps[i], static_cast<int64_t>(i) + 1);
        for (int64_t i = 0; i < reader.snapshotCount(); ++i) checkSnapshot(reader.snapshot(i), (i + 1) * kSnapshotEvery);
      } catch (const Error& e) {
        // Killed before the file was created and its first commit made: nothing was promised.
        QVERIFY2(committed == 0, qPrintable(QString("round %1, %2 committed: %3").arg(round).arg(committed).arg(e.what())));
      }
    }
    // The writer commits every second: a kill loses the records of the second before it. The bound
    // is the app's for a writer that stopped committing (10 s), not the writer's pace.
    qInfo("20 kills: the last commit was at most %.2f s old", stalest);
    QVERIFY2(stalest < 10.0, qPrintable(QString("a kill came %1 s after the last commit").arg(stalest)));
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
    const std::string bytes = contents(original);
    const std::string damaged = file("damaged.h5");
    int refused = 0, read = 0;
    auto attempt = [&](const std::string& content) {
      writeFile(damaged, content);
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

  // A dataset of the documented path but another type or shape is refused with its path: read as
  // it was, a float count or an array of counts filled memory meant for one integer.
  void documentedDatasetsOfAnotherTypeOrShapeAreRefused()
  {
    const std::string original = file("typed.h5");
    writeTrace(original, 30);
    const hsize_t K = kTasks, U = kUsers, S = 3;
    struct Case
    {
      const char* dataset;
      hid_t type;
      std::vector<hsize_t> dims;
      const char* message;
    };
    const Case cases[] = {
        {"/status/steps", H5T_IEEE_F64LE, {}, "dataset /status/steps: stored as float64, expected int64"},
        {"/status/steps", H5T_STD_I64LE, {4}, "dataset /status/steps: not a single value"},
        {"/status/state", H5T_STD_I8LE, {}, "dataset /status/state: stored as int8, expected int32"},
        {"/steps/step", H5T_IEEE_F64LE, {30}, "dataset /steps/step: stored as float64, expected int64"},
        {"/steps/loss", H5T_STD_I8LE, {30, K}, "dataset /steps/loss: stored as int8, expected float32"},
        {"/steps/loss", H5T_IEEE_F32LE, {30, K + 1}, "dataset /steps/loss: dimension 1 is 4, expected 3"},
        {"/steps/flags", H5T_STD_I32LE, {30}, "dataset /steps/flags: stored as int32, expected uint32"},
        {"/users/count", H5T_IEEE_F32LE, {S, U}, "dataset /users/count: stored as float32, expected int32"},
        {"/users/group", H5T_IEEE_F64LE, {U}, "dataset /users/group: stored as float64, expected int32"},
        {"/eval/valid/auc", H5T_IEEE_F32LE, {0, K}, "dataset /eval/valid/auc: stored as float32, expected float64"},
    };
    const std::string damaged = file("typed-damaged.h5");
    for (const Case& c : cases) {
      std::filesystem::copy_file(original, damaged, std::filesystem::copy_options::overwrite_existing);
      QVERIFY2(replaceDataset(damaged, c.dataset, c.type, c.dims), c.dataset);
      const QString message = refusal(damaged);
      QVERIFY2(message.contains(c.message), qPrintable(message + "\nwanted: " + c.message));
    }
    // No levels, yet a level's geometry: the snapshots' levels cannot be told.
    std::filesystem::copy_file(original, damaged, std::filesystem::copy_options::overwrite_existing);
    {
      h5::Handle f(H5Fopen(damaged.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
      QVERIFY(H5Ldelete(f, "/users/level", H5P_DEFAULT) >= 0);
      h5::writeStringDataset(f, "/users/level", {});
    }
    QVERIFY2(refusal(damaged).contains("dataset /users/level is empty, but /users/cosine holds"), qPrintable(refusal(damaged)));
  }

  // The run's description sits in the root's attributes, under HDF5's checksums since format
  // version 3: a damaged byte there is refused, never read as another description.
  void damageToTheRunDescriptionIsRefused()
  {
    const std::string original = file("described.h5");
    writeTrace(original, 30);
    const RunInfo want = TraceReader(original).info();
    const std::string bytes = contents(original);
    std::vector<size_t> offsets;
    for (const std::string& text : {want.configJson, want.startTime, std::string("watch_time"), std::string("regression"), std::string("seesaw-trace")}) {
      const size_t at = bytes.find(text);
      QVERIFY2(at != std::string::npos, text.c_str());
      QVERIFY2(bytes.find(text, at + 1) == std::string::npos, text.c_str());  // the attribute's own bytes, nowhere else
      for (size_t i = 0; i < text.size(); ++i) offsets.push_back(at + i);
    }
    const std::string damaged = file("described-damaged.h5");
    int refused = 0;
    for (size_t at : offsets) {
      std::string flipped = bytes;
      flipped[at] = static_cast<char>(flipped[at] ^ 0x04);  // "click" -> "glick", "{" -> "\x7f", ...
      writeFile(damaged, flipped);
      try {
        const RunInfo got = TraceReader(damaged).info();
        QVERIFY2(sameDescription(got, want), qPrintable(QString("a flip at byte %1 changed the description unnoticed").arg(at)));
      } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains(QString::fromStdString(damaged)), e.what());
        ++refused;
      }
    }
    qInfo("run description: %d of %zu single-byte flips refused", refused, offsets.size());
    QCOMPARE(refused, static_cast<int>(offsets.size()));

    // A config over 4 KB is an attribute HDF5 stores without a checksum; the digest covers it.
    const std::string longConfig = file("long-config.h5");
    RunInfo info = syntheticRunInfo();
    info.configJson = "{\"name\": \"" + std::string(6000, 'x') + "\"}";
    {
      TraceWriter writer(TraceOptions{longConfig, trace::Compression::None, 1000, 1.0, nullptr});
      writer.begin(info);
      writer.end(RunEnd{});
    }
    QCOMPARE(TraceReader(longConfig).info().configJson, info.configJson);
    const std::string longBytes = contents(longConfig);
    const size_t at = longBytes.find(info.configJson);
    QVERIFY(at != std::string::npos);
    for (size_t i = 0; i < info.configJson.size(); i += 500) {
      std::string flipped = longBytes;
      flipped[at + i] = static_cast<char>(flipped[at + i] ^ 0x04);
      writeFile(damaged, flipped);
      QVERIFY2(refusal(damaged).contains("does not match its digest"), qPrintable(QString("byte %1 of the config: ").arg(i) + refusal(damaged)));
    }
  }

  // Versions 1 and 2 kept their strings in HDF5's global heap, which has no checksum: such a file
  // still reads, and one whose heap would make HDF5 loop is refused first.
  void aVersion2TraceReadsAndADamagedHeapIsRefused()
  {
    const std::string path = file("version2.h5");
    writeTrace(path, 30);
    const RunInfo want = TraceReader(path).info();
    QVERIFY(toVersion2Attributes(path));
    {
      TraceReader reader(path);
      QCOMPARE(reader.formatVersion(), int64_t(2));
      QVERIFY(sameDescription(reader.info(), want));
    }
    const std::string bytes = contents(path);
    const size_t heap = bytes.find("GCOL");
    QVERIFY(heap != std::string::npos);
    const std::string damaged = file("version2-damaged.h5");
    std::string zeroed = bytes;
    std::fill_n(zeroed.begin() + static_cast<std::ptrdiff_t>(heap) + 16, 16, '\0');  // the first object's header: an empty free space
    writeFile(damaged, zeroed);
    const QString message = refusal(damaged);
    QVERIFY2(message.contains(QString("global heap collection at byte %1").arg(heap)), qPrintable(message));
    QVERIFY2(message.contains("has size 0"), qPrintable(message));

    // A zeroed 4 KB block over the heap, its size field included (bytes 4096-8191 of a trace that
    // Seesaw wrote in version 2, whose heap starts at byte 2048, were such a block): refused.
    zeroed = bytes;
    std::fill_n(zeroed.begin() + static_cast<std::ptrdiff_t>(heap) + 8, std::min<size_t>(4096, bytes.size() - heap - 8), '\0');
    writeFile(damaged, zeroed);
    QVERIFY2(refusal(damaged).contains(QString::fromStdString(damaged)), qPrintable(refusal(damaged)));
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
