#pragma once
// HDF5 keeps variable-length strings in "global heap collections", which carry no checksum, and
// HDF5 1.10 loops forever parsing a collection whose free-space object claims 0 bytes (a zeroed
// block does that). Traces since format version 3 hold no variable-length strings; a file that
// holds some (versions 1 and 2, or a foreign one) is checked here, once as it is opened, before
// HDF5 reads one.

#include <string>

namespace seesaw::h5 {

// Throws seesaw::Error naming the byte offset of the first collection HDF5 could not parse in
// bounded time (an object that does not advance or runs past its collection). Reads the whole file.
void checkGlobalHeaps(const std::string& path);

}  // namespace seesaw::h5
