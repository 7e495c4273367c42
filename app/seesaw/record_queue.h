#pragma once
// The hand-over between the trainer's thread and the GUI's: the trainer's sink calls only append
// to lists under a short lock and return, so the trainer never waits for the GUI; the GUI takes
// everything queued on its timer (about 30 times a second). Step and evaluation records are a few
// hundred bytes each, so even a GUI stalled for seconds holds little; a snapshot is queued as the
// trainer's pending window sums and derived off the GUI thread (LiveSession).

#include <mutex>

#include "records/record_sink.h"

namespace seesaw::app {

class RecordQueue : public RecordSink
{
public:
  void begin(const RunInfo& info) override;
  void step(const StepRecord& record) override;
  void eval(const EvalRecord& record) override;
  void geometry(const PendingGeometry& snapshot) override;
  void change(const ChangeRecord& change) override;
  void end(const RunEnd& end) override;

  // Everything queued since the last take.
  RecordBatch take();

private:
  std::mutex mutex_;
  RecordBatch queued_;
};

}  // namespace seesaw::app
