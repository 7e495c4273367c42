#pragma once
// Every gradient method by name, with its hyperparameters (defaults, ranges, descriptions). The
// config validator, seesaw-train --help, the trace (through the config) and the GUI list methods
// and their settings from here. Each method's file defines its own MethodInfo.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "methods/method_params.h"

namespace seesaw {

class GradientMethod;
struct MethodConfig;
struct TrainConfig;

struct MethodInfo
{
  std::string name;
  std::string description;  // one line
  std::vector<HyperParameter> hyperParameters;
  bool needsTaskGradients = true;  // false: works from the weighted loss sum (train.analyze off)
  bool usesTaskWeights = false;    // built from train.task_weights (MethodSetup::taskWeights)
  std::function<std::unique_ptr<GradientMethod>(const MethodSetup&)> make;
};

class MethodRegistry
{
public:
  explicit MethodRegistry(std::vector<MethodInfo> methods) : methods_(std::move(methods)) {}
  const std::vector<MethodInfo>& methods() const { return methods_; }
  bool contains(const std::string& name) const;
  std::string namesJoined() const;
  // Throws seesaw::Error for an unknown name.
  const MethodInfo& info(const std::string& name) const;
  // The method's full parameter set: `given` over the defaults. Throws seesaw::Error naming
  // method.params.<name> for a name the method does not have or a value outside its range.
  MethodParams resolve(const std::string& name, const std::map<std::string, double>& given) const;
  // Refuses a run config's method that cannot run: an unknown name or parameter, a method that
  // needs per-task gradients with train.analyze off, task weights for a method other than fixed.
  // Throws seesaw::Error naming the field (method.name, method.params.<name>, train.analyze, ...).
  void check(const MethodConfig& method, const TrainConfig& train) const;
  // Builds the method with `given` resolved into setup.params.
  std::unique_ptr<GradientMethod> make(const std::string& name, const std::map<std::string, double>& given,
                                       MethodSetup setup) const;

private:
  std::vector<MethodInfo> methods_;
};

const MethodRegistry& methodRegistry();

}  // namespace seesaw
