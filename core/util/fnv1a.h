#pragma once
// FNV-1a (64 bits): a digest in which any changed byte changes the value. Not a cryptographic hash:
// it detects damage and disagreement (a trace's description, the ranks' configs and parameters),
// not tampering.

#include <cstddef>
#include <cstdint>
#include <string>

namespace seesaw {

class Fnv1a
{
public:
  void add(const void* data, size_t bytes)
  {
    const auto* b = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < bytes; ++i) value_ = (value_ ^ b[i]) * 1099511628211ull;
  }
  // The text and the NUL after it, so that "ab" + "c" and "a" + "bc" differ.
  void addText(const std::string& text) { add(text.c_str(), text.size() + 1); }
  uint64_t value() const { return value_; }

private:
  uint64_t value_ = 14695981039346656037ull;
};

}  // namespace seesaw
