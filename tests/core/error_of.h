#pragma once
// The message of the seesaw::Error that a call throws, for tests of refusals.

#include <QString>

#include <functional>

#include "util/error.h"

namespace seesaw::test {

// "no error" when f returns normally.
inline QString errorOf(const std::function<void()>& f)
{
  try {
    f();
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return "no error";
}

}  // namespace seesaw::test
