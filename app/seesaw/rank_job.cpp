#include "app/seesaw/rank_job.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <signal.h>

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
    if (QFileInfo::exists(tracePath_)) Q_EMIT traceWritten(tracePath_);
  });
  connect(&process_, &QProcess::finished, this, &RankJob::finished);
  // Read as it comes, so that a chatty trainer never blocks on a full pipe; the last 64 KiB kept.
  connect(&process_, &QProcess::readyReadStandardError, this, [this] { errors_ = (errors_ + process_.readAllStandardError()).right(1 << 16); });
  connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return;
    failure_ = tr("cannot start %1: %2").arg(trainerPath(), process_.errorString());
    poll_.stop();
    Q_EMIT ended();
  });
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
  stopAsked_ = false;
  processes_ = processes;
  tracePath_ = QFileInfo(tracePath).absoluteFilePath();
  configFile_ = std::make_unique<QTemporaryFile>(QDir::temp().filePath(QStringLiteral("seesaw-ranks-XXXXXX.json")));
  if (!configFile_->open() || configFile_->write(QByteArray::fromStdString(toJsonString(config) + "\n")) < 0 || !configFile_->flush()) {
    failure_ = tr("cannot write the run config for the ranks to %1: %2").arg(configFile_->fileName(), configFile_->errorString());
    Q_EMIT ended();
    return;
  }
  const QString stem = tracePath_.endsWith(QStringLiteral(".h5")) ? tracePath_.chopped(3) : tracePath_;
  // A trace left from an earlier run at this path would be shown until the ranks replace it.
  QFile::remove(tracePath_);
  errors_.clear();
  // The console's progress is what the trace holds, which the window shows.
  process_.setStandardOutputFile(QProcess::nullDevice());
  process_.start(trainerPath(), {QStringLiteral("--config"), configFile_->fileName(), QStringLiteral("--nproc"), QString::number(processes),
                                 QStringLiteral("--trace"), tracePath_, QStringLiteral("--summary"), stem + QStringLiteral(".summary.json")});
  poll_.start();
}

void RankJob::stop()
{
  if (!active() || process_.processId() <= 0) return;
  stopAsked_ = true;
  ::kill(static_cast<pid_t>(process_.processId()), SIGINT);
}

bool RankJob::waitForEnd(int ms) { return !active() || process_.waitForFinished(ms); }

void RankJob::finished(int exitCode, QProcess::ExitStatus status)
{
  poll_.stop();
  const QString said = errorLines(errors_ + process_.readAllStandardError());
  if (status != QProcess::NormalExit) failure_ = tr("the ranks' launcher crashed") + (said.isEmpty() ? QString() : QStringLiteral(":\n") + said);
  else if (exitCode != 0 && !(exitCode == kStoppedExit && stopAsked_))
    failure_ = said.isEmpty() ? tr("seesaw-train exited with status %1").arg(exitCode) : said;
  configFile_.reset();
  Q_EMIT ended();
}

}  // namespace seesaw::app
