#pragma once
// Input files must be regular files: opening a FIFO blocks until someone writes to it (forever,
// for a tool), and a device such as /dev/zero reads without end until memory runs out.

#include <string>

namespace seesaw {

// Throws seesaw::Error naming `path` and what it is when it is missing or not a regular file
// ("runs/x: is a FIFO, not a regular file"); `what` says what the file was for ("data file").
void requireRegularFile(const std::string& path, const std::string& what);

}  // namespace seesaw
