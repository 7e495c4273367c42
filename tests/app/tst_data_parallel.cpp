// seesaw-train data-parallel on c10d (docs/distributed.md), on the loopback interface: ranks over
// Gloo record what one process records for the same global batches (every step's losses, norms,
// cosines and weights, the per-user windows at every level, the evaluations, the parameters after
// the last step), a batch that does not split evenly included; checkpoints continue across world
// sizes with their open per-user windows; Ctrl-C stops every rank after the same step; a killed
// rank stops the others with a message and leaves a valid trace; ranks started with different
// configs are refused at once.
#include <QtTest>

#include <torch/serialize/input-archive.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>

#include "records/task_pairs.h"
#include "trace/trace_reader.h"

using namespace seesaw;

namespace {

struct Result
{
  int exitCode = -1;
  QString out, err;
};

QProcessEnvironment environment(const std::map<QString, QString>& extra = {})
{
  QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"}) e.remove(name);
  for (const auto& [name, value] : extra) e.insert(name, value);
  return e;
}

Result finish(QProcess& p, int ms = 300000)
{
  Result r;
  if (!p.waitForFinished(ms)) return r;
  r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = p.readAllStandardOutput();
  r.err = p.readAllStandardError();
  return r;
}

Result train(const QStringList& arguments, const QString& directory, const std::map<QString, QString>& extra = {})
{
  QProcess p;
  p.setWorkingDirectory(directory);
  p.setProcessEnvironment(environment(extra));
  p.start(SEESAW_TRAIN, arguments);
  return finish(p);
}

// |a - b| within rtol of the larger magnitude plus atol: a cosine near 0 is the ratio of float32
// sums of order 1, exact to about 1e-7 of them, not of itself. NaN matches NaN.
template <typename A, typename B>
bool close(const A& a, const B& b, double rtol = 1e-5, double atol = 1e-6)
{
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const double x = a[i], y = b[i];
    if (std::isnan(x) || std::isnan(y)) {
      if (std::isnan(x) != std::isnan(y)) return false;
      continue;
    }
    if (std::abs(x - y) > rtol * std::max(std::abs(x), std::abs(y)) + atol) return false;
  }
  return true;
}

// The model's tensors in a checkpoint, in order.
std::vector<at::Tensor> modelTensors(const QString& checkpoint)
{
  torch::serialize::InputArchive archive, model;
  archive.load_from(checkpoint.toStdString());
  archive.read("model", model);
  std::vector<at::Tensor> tensors;
  for (at::Tensor t; model.try_read("t" + std::to_string(tensors.size()), t);) tensors.push_back(t);
  return tensors;
}

// A level's per-user geometry against another's. A window's Gram matrix is a sum of float32
// products of a user's per-sample gradients, exact to about rtol of its largest entry (a rank
// rounds its share's gradients, which the global batch's mean scales, unlike one process): a
// cosine G_kl / (n_k n_l) then to rtol n_max^2 / (n_k n_l), a norm to rtol n_max^2 / n_k, and both
// to rtol where no task's gradient nearly cancels over the user's samples (all but 2 of the
// demo's 655 users at the representation level; one's task norm is 1/800 of its largest there).
bool sameLevel(const LevelGeometry& a, const LevelGeometry& b, int K, double rtol = 1e-5)
{
  const size_t users = a.gradNorm.size() / static_cast<size_t>(K);
  if (a.gradNorm.size() != b.gradNorm.size() || a.cosine.size() != b.cosine.size()) return false;
  for (size_t u = 0; u < users; ++u) {
    const float* n = a.gradNorm.data() + u * K;
    double largest = 0;
    for (int k = 0; k < K; ++k) largest = std::max(largest, std::isnan(n[k]) ? 0.0 : double(n[k]));
    for (int k = 0; k < K; ++k) {
      const double x = n[k], y = b.gradNorm[u * K + k];
      if (std::isnan(x) != std::isnan(y) || std::abs(x - y) > rtol * (x + largest * largest / std::max(x, 1e-30)) + 1e-12) return false;
    }
    bool ok = true;
    size_t pair = u * static_cast<size_t>(pairCount(K));
    forEachPair(K, [&](int k, int l) {
      const double x = a.cosine[pair], y = b.cosine[pair++];
      if (std::isnan(x) || std::isnan(y)) ok = ok && std::isnan(x) == std::isnan(y);
      else ok = ok && std::abs(x - y) <= rtol * (1 + largest * largest / std::max(double(n[k]) * n[l], 1e-30));
    });
    if (!ok) return false;
  }
  return true;
}

// Snapshot s of one trace against snapshot t of another: the per-user counts, every level's
// cosines and norms, the weights; a message naming the first difference, or empty.
QString snapshotDifference(TraceReader& one, int64_t s, TraceReader& other, int64_t t)
{
  const GeometrySnapshot x = one.snapshot(s), y = other.snapshot(t);
  if (x.step != y.step || x.windowStart != y.windowStart) return QStringLiteral("steps of snapshot %1: %2 and %3").arg(s).arg(x.step).arg(y.step);
  if (x.users.count != y.users.count) return QStringLiteral("per-user counts of snapshot %1").arg(s);
  if (x.users.levels.size() != y.users.levels.size() || x.users.levels.empty()) return QStringLiteral("levels of snapshot %1").arg(s);
  // The per-user weights are a least-squares fit whose conditioning amplifies rounding (4e-4
  // measured for GradCraft's users with collinear tasks).
  const int K = static_cast<int>(one.info().taskNames.size());
  for (size_t l = 0; l < x.users.levels.size(); ++l)
    if (!sameLevel(x.users.levels[l], y.users.levels[l], K))
      return QStringLiteral("per-user geometry of snapshot %1 at level %2").arg(s).arg(QString::fromStdString(one.info().geometryLevels.at(l)));
  if (!close(x.users.weight, y.users.weight, 1e-3, 1e-5)) return QStringLiteral("per-user weights of snapshot %1").arg(s);
  return {};
}

// Everything the two traces recorded, compared; a message naming the first difference, or empty.
QString difference(const QString& onePath, const QString& ranksPath, int worldSize)
{
  TraceReader one(onePath.toStdString()), ranks(ranksPath.toStdString());
  if (ranks.info().worldSize != worldSize || ranks.info().backend != "gloo" || one.info().worldSize != 1)
    return QStringLiteral("world size %1 (%2), one process %3").arg(ranks.info().worldSize).arg(QString::fromStdString(ranks.info().backend)).arg(one.info().worldSize);
  if (one.stepCount() != ranks.stepCount() || one.stepCount() == 0) return QStringLiteral("step counts %1 and %2").arg(one.stepCount()).arg(ranks.stepCount());
  const auto a = one.steps(0, one.stepCount()), b = ranks.steps(0, ranks.stepCount());
  for (size_t i = 0; i < a.size(); ++i) {
    if (!close(a[i].loss, b[i].loss)) return QStringLiteral("loss at step %1").arg(a[i].step);
    if (!close(a[i].gradNorm, b[i].gradNorm)) return QStringLiteral("gradient norms at step %1").arg(a[i].step);
    if (!close(a[i].cosine, b[i].cosine)) return QStringLiteral("cosines at step %1").arg(a[i].step);
    if (!close(a[i].moduleCosine, b[i].moduleCosine)) return QStringLiteral("module cosines at step %1").arg(a[i].step);
    if (!close(a[i].weight, b[i].weight)) return QStringLiteral("weights at step %1").arg(a[i].step);
  }
  const auto ea = one.evals(), eb = ranks.evals();
  if (ea.size() != eb.size() || ea.empty()) return QStringLiteral("evaluation counts %1 and %2").arg(ea.size()).arg(eb.size());
  // The models agree to float rounding, and so do their scores; two scores that close in a user of
  // a few rows can swap, which moves that user's AUC by a pair: GAUC to 1e-3 (2.5e-4 measured).
  for (size_t i = 0; i < ea.size(); ++i)
    if (!close(ea[i].auc, eb[i].auc) || !close(ea[i].gauc, eb[i].gauc, 1e-3) || !close(ea[i].logloss, eb[i].logloss))
      return QStringLiteral("%1 evaluation at step %2").arg(QString::fromStdString(ea[i].split)).arg(ea[i].step);
  if (one.snapshotCount() != ranks.snapshotCount() || one.snapshotCount() == 0)
    return QStringLiteral("snapshot counts %1 and %2").arg(one.snapshotCount()).arg(ranks.snapshotCount());
  if (one.info().geometryLevels != ranks.info().geometryLevels) return QStringLiteral("geometry levels");
  for (int64_t s = 0; s < one.snapshotCount(); ++s)
    if (const QString why = snapshotDifference(one, s, ranks, s); !why.isEmpty()) return why;
  return {};
}

}  // namespace

class TestDataParallel : public QObject
{
  Q_OBJECT

  QTemporaryDir dir_;

  // One process and `ranks` ranks over the same 20 global batches of the demo, every geometry level recorded.
  void compareRuns(const QString& method, int ranks, const QStringList& extra = {})
  {
    const QStringList common = QStringList{"demo", "--method", method, "--steps", "20", "--snapshot-every", "10", "--eval-every", "10",
                                           "--checkpoint-every", "20", "--threads", "1"} + extra;
    const QString one = QStringLiteral("one-%1-%2.h5").arg(method).arg(ranks), many = QStringLiteral("ranks-%1-%2.h5").arg(method).arg(ranks);
    const Result single = train(common + QStringList{"--trace", one}, dir_.path());
    QVERIFY2(single.exitCode == 0, qPrintable(single.err));
    const Result parallel = train(common + QStringList{"--nproc", QString::number(ranks), "--trace", many}, dir_.path());
    QVERIFY2(parallel.exitCode == 0, qPrintable(parallel.err));
    QVERIFY2(parallel.out.contains(QStringLiteral("data-parallel: %1 ranks over gloo").arg(ranks)), qPrintable(parallel.out));
    const QString why = difference(dir_.filePath(one), dir_.filePath(many), ranks);
    QVERIFY2(why.isEmpty(), qPrintable(method + ": " + why));
    const auto a = modelTensors(dir_.filePath(QString(one).replace(".h5", ".checkpoints/step-00000020.ckpt")));
    const auto b = modelTensors(dir_.filePath(QString(many).replace(".h5", ".checkpoints/step-00000020.ckpt")));
    QVERIFY(!a.empty());
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) QVERIFY2(at::allclose(a[i], b[i], 1e-5, 1e-6), qPrintable(method + QStringLiteral(": parameter %1").arg(i)));
  }

  // Starts 2 ranks of a long demo run writing <name>.h5, a moment into training sends `rank` (the
  // launcher's child of that order) `signal`, and waits for the job: how it ended, and how many
  // milliseconds after the signal.
  void signalRank(const QString& name, const QString& timeout, int signal, int rank, Result& ended, qint64& afterMs)
  {
    QProcess job;
    job.setWorkingDirectory(dir_.path());
    job.setProcessEnvironment(environment({{"SEESAW_DIST_TIMEOUT", timeout}}));
    job.start(SEESAW_TRAIN, {"demo", "--steps", "100000", "--nproc", "2", "--threads", "1", "--trace", name + ".h5", "--summary", name + ".json"});
    QVERIFY(job.waitForStarted());
    QVERIFY(QTest::qWaitFor([&] { return job.readAllStandardOutput().contains("step "); }, 120000));
    QFile children(QStringLiteral("/proc/%1/task/%1/children").arg(job.processId()));
    QVERIFY(children.open(QIODevice::ReadOnly));
    const QStringList pids = QString(children.readAll()).split(' ', Qt::SkipEmptyParts);
    QCOMPARE(pids.size(), 2);
    QTest::qWait(1500);
    QVERIFY(::kill(pids[rank].toInt(), signal) == 0);
    QElapsedTimer clock;
    clock.start();
    ended = finish(job, 120000);
    afterMs = clock.elapsed();
  }

private Q_SLOTS:
  void twoRanksRecordWhatOneProcessRecords_data()
  {
    QTest::addColumn<QString>("method");
    for (const char* method : {"ew", "pcgrad", "gradcraft", "pmtrec", "rlw"}) QTest::newRow(method) << QString(method);
  }

  void twoRanksRecordWhatOneProcessRecords()
  {
    QFETCH(QString, method);
    compareRuns(method, 2);
  }

  // 3 ranks, a batch of 500 rows, split by user: shares of different sizes every step.
  void threeRanksOfUnevenShares() { compareRuns("ew", 3, {"--batch", "500"}); }

  // A batch of 3 rows over 3 ranks: most steps leave a rank without rows, whose window and
  // evaluation share are empty.
  void ranksWithoutRowsInABatch() { compareRuns("pcgrad", 3, {"--batch", "3"}); }

  // A checkpoint holds no world size: a data-parallel run's continues in one process and in ranks,
  // one process's in ranks, each taking the steps the uninterrupted run took. The checkpoint at step
  // 10 holds the per-user window of steps 9-10 (snapshots every 4 steps), which the continued run
  // completes: its snapshots equal the uninterrupted run's.
  void checkpointsContinueAcrossWorldSizes()
  {
    const QStringList run = {"demo", "--steps", "20", "--checkpoint-every", "10", "--snapshot-every", "4", "--threads", "1"};
    for (const auto& [from, world] : {std::pair<QString, QString>{"one", "1"}, {"ranks", "2"}}) {
      const Result r = train(run + QStringList{"--nproc", world, "--trace", "whole-" + from + ".h5"}, dir_.path());
      QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }
    for (const auto& [from, to] : {std::pair<QString, QString>{"ranks", "1"}, {"one", "2"}, {"ranks", "2"}}) {
      const QString branch = QStringLiteral("branch-%1-%2.h5").arg(from, to);
      const Result r = train({"--branch", "whole-" + from + ".checkpoints/step-00000010.ckpt", "--steps", "20", "--nproc", to, "--threads", "1",
                              "--trace", branch}, dir_.path());
      QVERIFY2(r.exitCode == 0, qPrintable(r.err));
      TraceReader whole(dir_.filePath("whole-" + from + ".h5").toStdString()), continued(dir_.filePath(branch).toStdString());
      QCOMPARE(continued.info().worldSize, int64_t(to.toInt()));
      QCOMPARE(continued.stepCount(), int64_t(10));
      for (int64_t i = 0; i < 10; ++i) {
        const StepRecord a = whole.step(10 + i), b = continued.step(i);
        QCOMPARE(b.step, a.step);
        QVERIFY2(close(a.loss, b.loss) && close(a.cosine, b.cosine) && close(a.weight, b.weight),
                 qPrintable(QStringLiteral("%1 -> %2 ranks, step %3").arg(from, to).arg(b.step)));
      }
      QCOMPARE(continued.snapshotCount(), int64_t(3));  // steps 12, 16, 20
      for (int64_t s = 0; s < 3; ++s) {
        const QString why = snapshotDifference(whole, 2 + s, continued, s);
        QVERIFY2(why.isEmpty(), qPrintable(QStringLiteral("%1 -> %2 ranks: ").arg(from, to) + why));
      }
    }
  }

  // Ctrl-C reaches the launcher (the ranks have their own process group): every rank stops after
  // the same step, at once, and the trace ends as stopped with the summary written.
  void anInterruptStopsEveryRankAfterTheSameStep()
  {
    QProcess job;
    job.setWorkingDirectory(dir_.path());
    job.setProcessEnvironment(environment({{"SEESAW_DIST_TIMEOUT", "60"}}));
    job.start(SEESAW_TRAIN, {"demo", "--steps", "100000", "--nproc", "2", "--threads", "1", "--trace", "interrupted.h5", "--summary", "interrupted.json"});
    QVERIFY(job.waitForStarted());
    QVERIFY(QTest::qWaitFor([&] { return job.readAllStandardOutput().contains("step "); }, 120000));
    QElapsedTimer clock;
    clock.start();
    QVERIFY(::kill(static_cast<pid_t>(job.processId()), SIGINT) == 0);
    const Result r = finish(job, 120000);
    QVERIFY2(r.exitCode == 130, qPrintable(QString::number(r.exitCode) + r.err));
    QVERIFY2(clock.elapsed() < 20000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY2(!r.err.contains("failed"), qPrintable(r.err));
    TraceReader reader(dir_.filePath("interrupted.h5").toStdString());
    QCOMPARE(reader.status().state, trace::RunState::Stopped);
    QVERIFY(reader.stepCount() > 0);
    QVERIFY(QFile::exists(dir_.filePath("interrupted.json")));
  }

  void ranksWithDifferentConfigsAreRefused()
  {
    QProcess ranks[2];
    for (int r = 0; r < 2; ++r) {
      ranks[r].setWorkingDirectory(dir_.path());
      ranks[r].setProcessEnvironment(environment({{"RANK", QString::number(r)}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"},
                                                  {"MASTER_PORT", "29731"}, {"SEESAW_DIST_TIMEOUT", "60"}}));
      ranks[r].start(SEESAW_TRAIN, {"demo", "--steps", "5", "--lr", r == 0 ? "0.001" : "0.002", "--no-trace", "--summary", QStringLiteral("mismatch-%1.json").arg(r)});
    }
    for (int r = 0; r < 2; ++r) {
      const Result result = finish(ranks[r], 120000);
      QCOMPARE(result.exitCode, 1);
      QVERIFY2(result.err.contains("rank 1 differs from rank 0 in the run config"), qPrintable(result.err));
    }
  }

  void aWrongMasterAddressIsSaidWithinTheTimeout()
  {
    QElapsedTimer clock;
    clock.start();
    const Result r = train({"demo", "--steps", "5", "--no-trace"}, dir_.path(),
                           {{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29733"}, {"SEESAW_DIST_TIMEOUT", "5"}});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("rank 1: cannot reach the process group's store at 127.0.0.1:29733"), qPrintable(r.err));
    QVERIFY2(clock.elapsed() < 60000, qPrintable(QString::number(clock.elapsed())));
  }

  // A rank that hangs (stopped): the other stops at its collectives' timeout, naming it, and the
  // launcher kills the hung rank after its grace period instead of waiting for ever.
  void aHungRankIsNamedAndEnded()
  {
    Result r;
    qint64 elapsed = 0;
    signalRank("hung", "5", SIGSTOP, 1, r, elapsed);
    if (QTest::currentTestFailed()) return;
    QVERIFY2(r.exitCode == 1, qPrintable(QString::number(r.exitCode) + r.err));
    QVERIFY2(elapsed < 5000 + 10000 + 20000, qPrintable(QString::number(elapsed)));
    QVERIFY2(r.err.contains("rank 0: ") && r.err.contains("failed: rank 1 stopped or hangs"), qPrintable(r.err));
    QVERIFY2(r.err.contains("--nproc: rank 1 still runs 15 s after another failed: killed"), qPrintable(r.err));
    QCOMPARE(TraceReader(dir_.filePath("hung.h5").toStdString()).status().state, trace::RunState::Aborted);
  }

  // Rank 0 hosts the store and writes the trace: the survivor names it, and the trace it left
  // mid-write validates up to its last commit.
  void aKilledRankZeroIsNamedAndItsTraceValidates()
  {
    Result r;
    qint64 elapsed = 0;
    signalRank("killed-zero", "30", SIGKILL, 0, r, elapsed);
    if (QTest::currentTestFailed()) return;
    QVERIFY2(r.exitCode != 0 && r.exitCode != -1, qPrintable(QString::number(r.exitCode)));
    QVERIFY2(elapsed < 60000, qPrintable(QString::number(elapsed)));
    QVERIFY2(r.err.contains("rank 1: ") && r.err.contains("rank 0 (which holds the group's store) stopped or hangs"), qPrintable(r.err));
    QProcess validate;
    validate.start(SEESAW_TRACE, {"validate", dir_.filePath("killed-zero.h5")});
    const Result v = finish(validate);
    QVERIFY2(v.exitCode == 0, qPrintable(v.out + v.err));
    QVERIFY(TraceReader(dir_.filePath("killed-zero.h5").toStdString()).stepCount() > 0);
  }

  // Rank 0 cannot serve the store on a port another program listens on: said at once, by port.
  void aPortInUseIsSaid()
  {
    const int taken = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(taken >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    QVERIFY(::bind(taken, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && ::listen(taken, 1) == 0 &&
            ::getsockname(taken, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    const QString port = QString::number(ntohs(address.sin_port));
    QElapsedTimer clock;
    clock.start();
    const Result r = train({"demo", "--steps", "5", "--no-trace", "--summary", "port.json"}, dir_.path(),
                           {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", port}, {"SEESAW_DIST_TIMEOUT", "30"}});
    ::close(taken);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("rank 0: cannot serve the process group's store at 127.0.0.1:" + port), qPrintable(r.err));
    QVERIFY2(clock.elapsed() < 30000, qPrintable(QString::number(clock.elapsed())));
  }

  void aKilledRankStopsTheOthersAndTheTraceValidates()
  {
    Result r;
    qint64 elapsed = 0;
    signalRank("killed", "30", SIGKILL, 1, r, elapsed);
    if (QTest::currentTestFailed()) return;
    QVERIFY2(r.exitCode != 0 && r.exitCode != -1, qPrintable(QString::number(r.exitCode)));
    QVERIFY2(elapsed < 60000, qPrintable(QString::number(elapsed)));
    QVERIFY2(r.err.contains("rank 0: ") && r.err.contains("failed: rank 1 stopped or hangs"), qPrintable(r.err));
    TraceReader reader(dir_.filePath("killed.h5").toStdString());
    QVERIFY(reader.stepCount() > 0);
    QCOMPARE(reader.info().worldSize, int64_t(2));
    QProcess validate;
    validate.start(SEESAW_TRACE, {"validate", dir_.filePath("killed.h5")});
    QCOMPARE(finish(validate).exitCode, 0);
  }
};

QTEST_GUILESS_MAIN(TestDataParallel)
#include "tst_data_parallel.moc"
