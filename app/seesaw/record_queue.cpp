#include "app/seesaw/record_queue.h"

namespace seesaw::app {

void RecordQueue::begin(const RunInfo& info)
{
  std::lock_guard<std::mutex> lock(mutex_);
  queued_.info = info;
}

void RecordQueue::step(const StepRecord& record)
{
  std::lock_guard<std::mutex> lock(mutex_);
  queued_.steps.push_back(record);
}

void RecordQueue::eval(const EvalRecord& record)
{
  std::lock_guard<std::mutex> lock(mutex_);
  queued_.evals.push_back(record);
}

void RecordQueue::geometry(const PendingGeometry& snapshot)
{
  std::lock_guard<std::mutex> lock(mutex_);
  queued_.snapshots.push_back(snapshot);
}

void RecordQueue::change(const ChangeRecord& change)
{
  std::lock_guard<std::mutex> lock(mutex_);
  queued_.changes.push_back(change);
}

void RecordQueue::end(const RunEnd& end)
{
  std::lock_guard<std::mutex> lock(mutex_);
  queued_.end = end;
}

RecordBatch RecordQueue::take()
{
  std::lock_guard<std::mutex> lock(mutex_);
  RecordBatch out = std::move(queued_);
  queued_ = RecordBatch{};
  return out;
}

}  // namespace seesaw::app
