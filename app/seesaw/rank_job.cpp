#include "app/seesaw/rank_job.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <signal.h>
#include <sys/prctl.h>

namespace seesaw::app {
namespace {

constexpr int kPollMs = 300;
// What seesaw-train exits with after a stop (Ctrl-C), as a shell reports an interrupted program.
constexpr int kStoppedExit = 130;

// The trainer's own words: its error lines ("seesaw-train: rank 0: ..."), without the progress.
QString errorLines(const QByteArray& output)
{
  QStringList lines;
  for (const QString& line : QString::fromUtf8(output).split('\n', Qt::SkipEmptyParts))
    if (line.startsWith(QStringLiteral("seesaw-train: "))) lines << line.mid(14);
  return lines.join('\n');
}

}  // namespace

RankJob::RankJob(QObject* parent) : QObject(parent)
{
  poll_.setInterval(kPollMs);
  connect(&poll_, &QTimer::timeout, this, [this] {
    if (traceWritten()) Q_EMIT traceAppeared(tracePath_);
  });
  connect(&process_, &QProcess::finished, this, &RankJob::finished);
  // Read as it comes, so that a chatty trainer never blocks on a full pipe; the last 64 KiB kept.
  connect(&process_, &QProcess::readyReadStandardError, this, [this] { errors_ = (errors_ + process_.readAllStandardError()).right(1 << 16); });
  connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error == QProcess::FailedToStart) end(tr("cannot start %1: %2").arg(trainerPath(), process_.errorString()));
  });
  // The launcher is asked to stop its ranks, as by Stop, when the app dies without asking.
  process_.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGINT); });
  process_.setStandardOutputFile(QProcess::nullDevice());  // the console's progress is what the trace holds
  // The app's own RANK, MASTER_ADDR, ... (were it started as a rank) are not the job's.
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"})
    environment.remove(QString::fromLatin1(name));
  process_.setProcessEnvironment(environment);
}

RankJob::~RankJob()
{
  stop();
  waitForEnd(-1);
}

QString RankJob::trainerPath()
{
  const QString chosen = qEnvironmentVariable("SEESAW_TRAIN");
  return chosen.isEmpty() ? QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("seesaw-train")) : chosen;
}

void RankJob::start(const RunConfig& config, const QString& tracePath, int processes)
{
  if (active()) return;
  failure_.clear();
  errors_.clear();
  stopAsked_ = false;
  processes_ = processes;
  tracePath_ = QFileInfo(tracePath).absoluteFilePath();
  startedAt_ = QDateTime::currentDateTime();
  configFile_ = std::make_unique<QTemporaryFile>(QDir::temp().filePath(QStringLiteral("seesaw-ranks-XXXXXX.json")));
  if (!configFile_->open() || configFile_->write(QByteArray::fromStdString(toJsonString(config) + "\n")) < 0 || !configFile_->flush()) {
    end(tr("cannot write the run config for the ranks to %1: %2").arg(configFile_->fileName(), configFile_->errorString()));
    return;
  }
  const QString stem = tracePath_.endsWith(QStringLiteral(".h5")) ? tracePath_.chopped(3) : tracePath_;
  poll_.start();
  process_.start(trainerPath(), {QStringLiteral("--config"), configFile_->fileName(), QStringLiteral("--nproc"), QString::number(processes),
                                 QStringLiteral("--trace"), tracePath_, QStringLiteral("--summary"), stem + QStringLiteral(".summary.json")});
}

bool RankJob::traceWritten() const
{
  // Rank 0 creates (or truncates) the file after the job starts: an older file is an earlier run's.
  const QFileInfo file(tracePath_);
  return file.exists() && file.lastModified() >= startedAt_;
}

void RankJob::stop()
{
  // Once: the ranks take a second Ctrl-C as "end at once".
  if (!active() || stopAsked_ || process_.processId() <= 0) return;
  stopAsked_ = true;
  ::kill(static_cast<pid_t>(process_.processId()), SIGINT);
}

bool RankJob::waitForEnd(int ms) { return !active() || process_.waitForFinished(ms); }

void RankJob::finished(int exitCode, QProcess::ExitStatus status)
{
  const QString said = errorLines(errors_ + process_.readAllStandardError());
  QString failure;
  if (status != QProcess::NormalExit) failure = tr("the ranks' launcher crashed") + (said.isEmpty() ? QString() : QStringLiteral(":\n") + said);
  else if (exitCode != 0 && !(exitCode == kStoppedExit && stopAsked_))
    failure = said.isEmpty() ? tr("seesaw-train exited with status %1").arg(exitCode) : said;
  end(failure);
}

void RankJob::end(const QString& failure)
{
  poll_.stop();
  configFile_.reset();
  failure_ = failure;
  Q_EMIT ended();
}

}  // namespace seesaw::app
