#pragma once
// What another thread may ask of a running Trainer. The trainer reads the flags between steps and
// never takes a lock for them: setting stop ends the run after the current step (its records and
// the trace are completed as for a planned end); while pause is set the trainer sleeps between
// steps, stop still honoured. Steering changes the run's settings from the next step on; the
// trainer records each change it applies, or refuses, as a ChangeRecord.

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace seesaw {

// Settings to change before the next step; what is left empty keeps its value.
struct Steering
{
  std::optional<double> lr;                        // train.lr
  std::optional<std::string> method;               // method.name: a new method, its parameters reset to the defaults
  std::map<std::string, double> params;            // method.params: of the new method, or of the current one
  std::optional<std::vector<double>> taskWeights;  // train.task_weights
  bool empty() const { return !lr && !method && params.empty() && !taskWeights; }
};

struct RunControl
{
  std::atomic<bool> stop{false};
  std::atomic<bool> pause{false};
  // Save a checkpoint of the steps done (Trainer::setCheckpointDirectory), also while paused.
  std::atomic<bool> checkpoint{false};

  // Ready for a new run: no stop, no pause, nothing steered (a change left from a run that ended
  // before its next step must not reach the next run).
  void reset()
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop = false;
    pause = false;
    checkpoint = false;
    pending_ = Steering{};
    steered_.store(false, std::memory_order_release);
  }

  // Queues changes; several before the next step merge, the later value winning.
  void steer(const Steering& change)
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (change.lr) pending_.lr = change.lr;
    if (change.method) {
      pending_.method = change.method;
      pending_.params.clear();  // parameters asked before belong to the method being replaced
    }
    for (const auto& [name, value] : change.params) pending_.params[name] = value;
    if (change.taskWeights) pending_.taskWeights = change.taskWeights;
    steered_.store(!pending_.empty(), std::memory_order_release);
  }

  // The trainer's side: what was queued since the last take, if anything.
  std::optional<Steering> takeSteering()
  {
    if (!steered_.load(std::memory_order_acquire)) return std::nullopt;
    std::lock_guard<std::mutex> lock(mutex_);
    Steering out = std::move(pending_);
    pending_ = Steering{};
    steered_.store(false, std::memory_order_release);
    return out;
  }

private:
  std::mutex mutex_;
  Steering pending_;
  std::atomic<bool> steered_{false};
};

}  // namespace seesaw
