#include "util/saved_state.h"

#include <sstream>

#include "util/error.h"

namespace seesaw {

void SavedState::putNumbers(const std::string& name, const std::vector<double>& values)
{
  put(name, at::tensor(values, at::kDouble));
}

void SavedState::putEngine(const std::string& name, const std::mt19937_64& engine)
{
  // The standard's text form is the engine's whole state, portable between builds.
  std::ostringstream text;
  text << engine;
  const std::string s = text.str();
  put(name, at::tensor(std::vector<int64_t>(s.begin(), s.end()), at::kLong).to(at::kByte));
}

const at::Tensor& SavedState::get(const std::string& name) const
{
  const auto found = entries_.find(name);
  if (found == entries_.end() || !found->second.defined())
    throw Error("no entry '" + name + "'");
  return found->second;
}

std::vector<double> SavedState::numbers(const std::string& name, int64_t count) const
{
  const at::Tensor t = get(name).to(at::kCPU, at::kDouble).contiguous();
  if (count >= 0 && t.numel() != count)
    throw Error("entry '" + name + "' holds " + std::to_string(t.numel()) + " values, not " + std::to_string(count));
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

double SavedState::number(const std::string& name) const
{
  return numbers(name, 1)[0];
}

void SavedState::restoreEngine(const std::string& name, std::mt19937_64& engine) const
{
  const at::Tensor bytes = get(name).to(at::kCPU, at::kByte).contiguous();
  std::istringstream text(std::string(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel()));
  std::mt19937_64 restored;
  text >> restored;
  if (text.fail()) throw Error("entry '" + name + "' is not a random engine's state");
  engine = restored;
}

}  // namespace seesaw
