#pragma once
// Shows a run on the console: a live progress bar (samples/s, ETA, losses) on a terminal, plain
// progress lines on a pipe, and a table for every evaluation. Keeps the last records for the
// summary.

#include <chrono>
#include <cstdio>
#include <optional>

#include "records/record_sink.h"

namespace seesaw {

class ConsoleSink : public RecordSink
{
public:
  ConsoleSink(std::FILE* out, bool terminal);
  void begin(const RunInfo& info) override;
  void step(const StepRecord& record) override;
  void eval(const EvalRecord& record) override;
  void geometry(const PendingGeometry&) override {}  // per-user tables are for the trace and the app
  void change(const ChangeRecord& change) override;
  void end(const RunEnd& end) override;

  const RunInfo& info() const { return info_; }
  const std::optional<StepRecord>& lastStep() const { return lastStep_; }
  const std::optional<EvalRecord>& lastValid() const { return lastValid_; }
  const std::optional<EvalRecord>& lastTest() const { return lastTest_; }
  double samplesPerSecond() const;

private:
  void clearBar();

  std::FILE* out_;
  bool terminal_;
  RunInfo info_;
  std::optional<StepRecord> lastStep_;
  std::optional<EvalRecord> lastValid_, lastTest_;
  int64_t nextPlainLine_ = 0;
  bool barShown_ = false;
  std::chrono::steady_clock::time_point lastBar_{};
};

}  // namespace seesaw
