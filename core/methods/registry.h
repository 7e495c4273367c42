#pragma once
// Every gradient method by name. The config validator, seesaw-train --help and (later) the GUI
// and the trace all list methods from here.

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace seesaw {

class GradientMethod;

struct MethodInfo
{
  std::string name;
  std::string description;
  std::function<std::unique_ptr<GradientMethod>()> make;
};

class MethodRegistry
{
public:
  explicit MethodRegistry(std::vector<MethodInfo> methods) : methods_(std::move(methods)) {}
  const std::vector<MethodInfo>& methods() const { return methods_; }
  bool contains(const std::string& name) const;
  std::string namesJoined() const;
  // Throws seesaw::Error for an unknown name.
  std::unique_ptr<GradientMethod> make(const std::string& name) const;

private:
  std::vector<MethodInfo> methods_;
};

const MethodRegistry& methodRegistry();

}  // namespace seesaw
