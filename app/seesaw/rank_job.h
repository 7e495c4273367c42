#pragma once
// A run trained by data-parallel ranks on this machine (the run setup's "processes" field):
// seesaw-train --nproc N in a process of its own, writing the trace that the window follows as it
// follows a server's. The trainer beside this program runs it (or $SEESAW_TRAIN), with the run's config in a file
// that lives as long as the job. Stop asks every rank to stop after the same step (Ctrl-C to the
// launcher, which passes it on); the ranks cannot be paused, steered or checkpointed on demand
// from the window (their config's checkpoint_every saves checkpoints).

#include <QDateTime>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QTemporaryFile>
#include <QTimer>

#include <memory>

#include "config/run_config.h"

namespace seesaw::app {

class RankJob : public QObject
{
  Q_OBJECT

public:
  explicit RankJob(QObject* parent = nullptr);
  // Stops a job still running and waits for its ranks: their trace ends complete.
  ~RankJob() override;

  // Starts `processes` ranks of `config`, rank 0 writing tracePath; only while no job runs. A job
  // that cannot start ends at once, with failure() saying why.
  void start(const RunConfig& config, const QString& tracePath, int processes);
  // Asks every rank to stop after the same step; once (a second Ctrl-C would end them at once).
  void stop();
  // Blocks until the ranks have ended (closing, tests); false when they have not within `ms`.
  bool waitForEnd(int ms);

  bool active() const { return process_.state() != QProcess::NotRunning; }
  bool stopping() const { return active() && stopAsked_; }
  qint64 processId() const { return process_.processId(); }  // the launcher's
  // Rank 0 has created the job's trace (a file older than the job is an earlier run's).
  bool traceWritten() const;
  int processes() const { return processes_; }
  const QString& tracePath() const { return tracePath_; }
  // Why the job failed: what the trainer said on its error output, or why it could not start;
  // empty after a run that finished or was stopped.
  const QString& failure() const { return failure_; }
  // The trainer program the job runs: $SEESAW_TRAIN, or seesaw-train beside this program.
  static QString trainerPath();

Q_SIGNALS:
  // While the job runs, every poll that finds its trace written: the window opens it once it reads.
  void traceAppeared(const QString& path);
  // The job ended, failure() set; also when it could not start.
  void ended();

private:
  void finished(int exitCode, QProcess::ExitStatus status);
  void end(const QString& failure);

  QProcess process_;
  std::unique_ptr<QTemporaryFile> configFile_;
  QTimer poll_;
  QString tracePath_;
  QDateTime startedAt_;
  QString failure_;
  QByteArray errors_;  // what the trainer wrote to its error output so far
  int processes_ = 0;
  bool stopAsked_ = false;
};

}  // namespace seesaw::app
