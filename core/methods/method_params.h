#pragma once
// Hyperparameters of a gradient method, as the registry describes them and a run sets them.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/split_towers.h"

namespace seesaw {

struct HyperParameter
{
  std::string name;
  double defaultValue = 0;
  double min = 0, max = 0;  // inclusive range
  std::string description;
  bool integer = false;     // whole numbers only (choices and switches are integers)
};

// Every hyperparameter of one method, defaults filled in and ranges checked (by the registry).
class MethodParams
{
public:
  MethodParams() = default;
  explicit MethodParams(std::map<std::string, double> values) : values_(std::move(values)) {}
  // Throws std::logic_error for a name the method did not declare: a programming error.
  double get(const std::string& name) const;
  const std::map<std::string, double>& values() const { return values_; }

private:
  std::map<std::string, double> values_;
};

// What a method is built with.
struct MethodSetup
{
  std::vector<std::string> taskNames;  // one per task
  MethodParams params;                 // filled in by the registry
  std::vector<double> taskWeights;     // train.task_weights, for the fixed-weights method
  uint64_t seed = 1;                   // for methods that draw random numbers
  const SplitTowers* split = nullptr;  // the model's split task (DRGrad), where it has one
  int tasks() const { return static_cast<int>(taskNames.size()); }
};

}  // namespace seesaw
