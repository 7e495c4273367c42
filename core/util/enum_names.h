#pragma once
// The config's names for an enum, both ways, so that parsing, printing and error messages list
// the same names.

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "util/error.h"

namespace seesaw {

template <typename E>
class EnumNames
{
public:
  EnumNames(std::initializer_list<std::pair<E, const char*>> entries) : entries_(entries) {}

  std::string name(E value) const
  {
    for (const auto& [v, n] : entries_)
      if (v == value) return n;
    return "?";
  }

  // Throws "config field <field>: unknown <what> '<text>' (<names>)".
  E parse(const std::string& text, const std::string& field, const char* what) const
  {
    for (const auto& [v, n] : entries_)
      if (text == n) return v;
    std::string names;
    for (const auto& [v, n] : entries_) names += (names.empty() ? "" : ", ") + std::string(n);
    throw Error("config field " + field + ": unknown " + what + " '" + text + "' (" + names + ")");
  }

private:
  std::vector<std::pair<E, const char*>> entries_;
};

}  // namespace seesaw
