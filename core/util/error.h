#pragma once
// One exception type for every user-facing failure in core/: bad files, bad config values,
// numerical trouble. The message is complete and meant to be shown as is (it names the file,
// line, column or config field), so callers print e.what() and exit non-zero or show a dialog.

#include <stdexcept>
#include <string>

namespace seesaw {

class Error : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

}  // namespace seesaw
