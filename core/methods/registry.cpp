#include "methods/registry.h"

#include <cmath>
#include <stdexcept>

#include "config/run_config.h"
#include "methods/gradient_method.h"
#include "methods/method_infos.h"
#include "util/error.h"
#include "util/number_text.h"

namespace seesaw {

double MethodParams::get(const std::string& name) const
{
  const auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error("method parameter '" + name + "' was not declared");
  return it->second;
}

bool MethodRegistry::contains(const std::string& name) const
{
  for (const auto& m : methods_)
    if (m.name == name) return true;
  return false;
}

std::string MethodRegistry::namesJoined() const
{
  std::string names;
  for (const auto& m : methods_) names += (names.empty() ? "" : ", ") + m.name;
  return names;
}

const MethodInfo& MethodRegistry::info(const std::string& name) const
{
  for (const auto& m : methods_)
    if (m.name == name) return m;
  throw Error("unknown method '" + name + "' (" + namesJoined() + ")");
}

MethodParams MethodRegistry::resolve(const std::string& name, const std::map<std::string, double>& given) const
{
  const MethodInfo& m = info(name);
  std::map<std::string, double> values;
  for (const auto& h : m.hyperParameters) values[h.name] = h.defaultValue;
  for (const auto& [key, value] : given) {
    const std::string field = "method.params." + key;
    if (!values.count(key)) {
      std::string known;
      for (const auto& h : m.hyperParameters) known += (known.empty() ? "" : ", ") + h.name;
      throw Error("config field " + field + ": method '" + name + "' has no such parameter (" +
                  (known.empty() ? "it has none" : known) + ")");
    }
    for (const auto& h : m.hyperParameters) {
      if (h.name != key) continue;
      if (!std::isfinite(value) || value < h.min || value > h.max)
        throw Error("config field " + field + ": " + numberText(value) + " is outside [" + numberText(h.min) + ", " + numberText(h.max) + "]");
      if (h.integer && value != std::floor(value))
        throw Error("config field " + field + ": must be a whole number, found " + numberText(value));
    }
    values[key] = value;
  }
  return MethodParams(std::move(values));
}

void MethodRegistry::check(const MethodConfig& method, const TrainConfig& train) const
{
  const std::string& name = method.name;
  if (!contains(name)) throw Error("config field method.name: unknown method '" + name + "' (" + namesJoined() + ")");
  resolve(name, method.params);
  if (info(name).needsTaskGradients && !train.analyze)
    throw Error("config field train.analyze: method '" + name + "' combines per-task gradients and needs train.analyze on");
  if (name == "fixed" && train.taskWeights.empty()) throw Error("config field train.task_weights: method 'fixed' needs one weight per task");
  if (name != "fixed" && !train.taskWeights.empty())
    throw Error("config field train.task_weights: applies to method 'fixed' only (method is '" + name + "')");
}

std::unique_ptr<GradientMethod> MethodRegistry::make(const std::string& name, const std::map<std::string, double>& given,
                                                     MethodSetup setup) const
{
  setup.params = resolve(name, given);
  return info(name).make(setup);
}

const MethodRegistry& methodRegistry()
{
  static const MethodRegistry registry({
      equalWeightInfo(),
      fixedWeightsInfo(),
      uncertaintyWeightingInfo(),
      dwaInfo(),
      gradNormInfo(),
      rlwInfo(),
      mgdaInfo(),
      pcgradInfo(),
      gradVacInfo(),
      cagradInfo(),
      imtlInfo(),
      nashMtlInfo(),
      alignedMtlInfo(),
      gradDropInfo(),
      dbMtlInfo(),
      gradCraftInfo(),
      pmtrecInfo(),
      drgradInfo(),
  });
  return registry;
}

}  // namespace seesaw
