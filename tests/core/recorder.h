#pragma once
// A sink that keeps every record, for tests to inspect.

#include <vector>

#include "records/record_sink.h"

namespace seesaw {

class Recorder : public RecordSink
{
public:
  RunInfo info;
  std::vector<StepRecord> steps;
  std::vector<EvalRecord> evals;
  std::vector<GeometrySnapshot> snapshots;
  std::vector<ChangeRecord> changes;
  RunEnd finish;
  void begin(const RunInfo& i) override { info = i; }
  void step(const StepRecord& r) override { steps.push_back(r); }
  void eval(const EvalRecord& r) override { evals.push_back(r); }
  void geometry(const PendingGeometry& s) override { snapshots.push_back(s.get()); }
  void change(const ChangeRecord& c) override { changes.push_back(c); }
  void end(const RunEnd& e) override { finish = e; }
};

}  // namespace seesaw
