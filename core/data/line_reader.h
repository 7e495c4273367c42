#pragma once
// Streams the lines of a plain or gzip-compressed text, from a file or from memory, so that a
// loader never holds more than one buffer of the source. Gzip is detected by its magic bytes,
// not by the file name; a gzip stream that ends early is reported as truncated.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace seesaw {

class LineReader
{
public:
  // Throws seesaw::Error naming the path when it cannot be opened.
  static LineReader openFile(const std::string& path);
  // Reads from bytes that outlive the reader (embedded data); name is used in messages.
  static LineReader openMemory(const unsigned char* data, size_t size, std::string name);

  LineReader(LineReader&&) noexcept;
  LineReader& operator=(LineReader&&) noexcept;
  ~LineReader();

  // The next line without its end-of-line characters (nor, on the first line, a UTF-8 byte-order
  // mark); false at the end of the text. The view stays valid until the next call.
  bool next(std::string_view& line);
  // 1-based number of the line last returned.
  size_t lineNumber() const { return lineNumber_; }
  const std::string& name() const { return name_; }

private:
  struct Source;
  explicit LineReader(std::unique_ptr<Source> source, std::string name);
  bool nextRaw(std::string_view& line);  // next() before the byte-order mark is taken off
  bool fill();  // appends decompressed bytes to buffer_; false at the end

  std::unique_ptr<Source> source_;
  std::string name_;
  std::vector<char> buffer_;
  size_t begin_ = 0;  // start of unread data in buffer_
  size_t end_ = 0;    // end of valid data in buffer_
  size_t lineNumber_ = 0;
  bool exhausted_ = false;
};

}  // namespace seesaw
