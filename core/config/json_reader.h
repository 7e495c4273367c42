#pragma once
// The strict JSON reader under the run config: every value is read by its path ("train.lr",
// "model.tower_hidden[1]") so that an error names the field, and nothing is converted or passed
// over silently. It knows JSON and paths, not the run config.

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <type_traits>

#include "util/error.h"

namespace seesaw {

// The path of the value a JSON parser was reading when it failed ("train.lr", "model.tower_hidden[1]"):
// for the one error nlohmann reports without a place, a number beyond double's range.
std::string failingValuePath(const std::string& jsonText);

// Reads one JSON object field by field; refuses unknown fields so that typos do not pass silently.
class ObjectReader
{
public:
  ObjectReader(const nlohmann::json& object, std::string path);

  template <typename T>
  void read(const char* key, T& out)
  {
    seen_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end()) return;
    out = convert<T>(*it, field(key));
  }

  const nlohmann::json* child(const char* key);

  void finish() const;

  std::string field(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  std::string where() const { return path_.empty() ? "(root)" : path_; }

private:
  // Strict conversion: nlohmann would turn 2.7 or true into an integer and -1 into a huge
  // unsigned seed without a word.
  template <typename T>
  static T convert(const nlohmann::json& value, const std::string& path)
  {
    auto refuse = [&](const std::string& expected) -> T {
      throw Error("config field " + path + ": expected " + expected + ", found " + value.dump());
    };
    if constexpr (std::is_same_v<T, bool>) {
      if (!value.is_boolean()) return refuse("true or false");
      return value.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!value.is_number_integer()) return refuse("an integer");
      if (value.is_number_unsigned()) {
        const auto v = value.get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) return refuse("a smaller integer");
        return static_cast<T>(v);
      }
      const auto v = value.get<int64_t>();
      if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
        return refuse(std::is_unsigned_v<T> ? "a non-negative integer" : "a smaller integer");
      return static_cast<T>(v);
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!value.is_number()) return refuse("a number");
      return value.get<T>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!value.is_string()) return refuse("a string");
      return value.get<std::string>();
    } else {
      if (!value.is_array()) return refuse("a list");
      T out;
      for (size_t i = 0; i < value.size(); ++i)
        out.push_back(convert<typename T::value_type>(value[i], path + "[" + std::to_string(i) + "]"));
      return out;
    }
  }

  const nlohmann::json& object_;
  std::string path_;
  std::set<std::string> seen_;
};

}  // namespace seesaw
