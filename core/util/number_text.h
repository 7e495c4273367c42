#pragma once
// A number as a person reads it in a message: 0.001, 1e+30, inf (the stream's shortest form).

#include <sstream>
#include <string>

namespace seesaw {

inline std::string numberText(double v)
{
  std::ostringstream text;
  text << v;
  return text.str();
}

}  // namespace seesaw
