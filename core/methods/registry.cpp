#include "methods/registry.h"

#include "methods/equal_weight.h"
#include "util/error.h"

namespace seesaw {

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

std::unique_ptr<GradientMethod> MethodRegistry::make(const std::string& name) const
{
  for (const auto& m : methods_)
    if (m.name == name) return m.make();
  throw Error("unknown method '" + name + "' (" + namesJoined() + ")");
}

const MethodRegistry& methodRegistry()
{
  static const MethodRegistry registry({
      {"ew", "equal weighting: the sum of the task gradients, each scaled by its train.task_weights entry",
       [] { return std::make_unique<EqualWeight>(); }},
  });
  return registry;
}

}  // namespace seesaw
