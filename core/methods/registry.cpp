#include "methods/registry.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "methods/gradient_method.h"
#include "methods/method_infos.h"
#include "util/error.h"

namespace seesaw {
namespace {

std::string number(double v)
{
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

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
        throw Error("config field " + field + ": " + number(value) + " is outside [" + number(h.min) + ", " + number(h.max) + "]");
      if (h.integer && value != std::floor(value))
        throw Error("config field " + field + ": must be a whole number, found " + number(value));
    }
    values[key] = value;
  }
  return MethodParams(std::move(values));
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
