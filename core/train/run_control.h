#pragma once
// What another thread may ask of a running Trainer. The trainer reads both flags between steps
// and never takes a lock for them: setting stop ends the run after the current step (its records
// and the trace are completed as for a planned end); while pause is set the trainer sleeps
// between steps, stop still honoured.

#include <atomic>

namespace seesaw {

struct RunControl
{
  std::atomic<bool> stop{false};
  std::atomic<bool> pause{false};
};

}  // namespace seesaw
