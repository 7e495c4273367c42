#pragma once
// What the trainer emits into. The trainer neither prints nor plots: a RecordSink decides where
// records go (terminal, trace file, GUI).

#include <utility>
#include <vector>

#include "records/record_batch.h"

namespace seesaw {

class RecordSink
{
public:
  virtual ~RecordSink() = default;
  virtual void begin(const RunInfo& info) = 0;
  virtual void step(const StepRecord& record) = 0;
  virtual void eval(const EvalRecord& record) = 0;
  virtual void geometry(const PendingGeometry& snapshot) = 0;
  virtual void change(const ChangeRecord& change) = 0;
  virtual void end(const RunEnd& end) = 0;
};

// Hands every record to several sinks, in order (the console and the trace, say).
class SinkFanOut : public RecordSink
{
public:
  explicit SinkFanOut(std::vector<RecordSink*> sinks) : sinks_(std::move(sinks)) {}
  void begin(const RunInfo& info) override { for (auto* s : sinks_) s->begin(info); }
  void step(const StepRecord& record) override { for (auto* s : sinks_) s->step(record); }
  void eval(const EvalRecord& record) override { for (auto* s : sinks_) s->eval(record); }
  void geometry(const PendingGeometry& snapshot) override { for (auto* s : sinks_) s->geometry(snapshot); }
  void change(const ChangeRecord& change) override { for (auto* s : sinks_) s->change(change); }
  void end(const RunEnd& end) override { for (auto* s : sinks_) s->end(end); }

private:
  std::vector<RecordSink*> sinks_;
};

}  // namespace seesaw
