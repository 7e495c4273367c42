#include "data/line_reader.h"

#include <zlib.h>

#include <cstring>

#include "util/error.h"
#include "util/regular_file.h"

namespace seesaw {
namespace {
constexpr size_t kChunk = 1 << 20;
}

// Raw bytes from a file or memory, inflated when they start with the gzip magic.
struct LineReader::Source
{
  std::FILE* file = nullptr;
  const unsigned char* memory = nullptr;
  size_t memorySize = 0;
  size_t memoryPos = 0;

  bool gzip = false;
  bool streamEnded = false;  // the current gzip member reached its end marker
  z_stream zs{};
  std::vector<unsigned char> raw = std::vector<unsigned char>(kChunk);
  size_t rawBegin = 0;
  size_t rawEnd = 0;

  ~Source()
  {
    if (gzip) inflateEnd(&zs);
    if (file) std::fclose(file);
  }

  // Refills raw from the underlying bytes; false when there are none left.
  bool readRaw()
  {
    if (rawBegin < rawEnd) return true;
    rawBegin = 0;
    if (file) {
      rawEnd = std::fread(raw.data(), 1, raw.size(), file);
    } else {
      rawEnd = std::min(raw.size(), memorySize - memoryPos);
      std::memcpy(raw.data(), memory + memoryPos, rawEnd);
      memoryPos += rawEnd;
    }
    return rawEnd > 0;
  }

  void start(const std::string& name)
  {
    readRaw();
    gzip = rawEnd >= 2 && raw[0] == 0x1f && raw[1] == 0x8b;
    if (gzip && inflateInit2(&zs, 15 + 16) != Z_OK) throw Error(name + ": cannot initialise zlib");
  }

  // Writes up to capacity bytes of text into out; returns how many, 0 at the end.
  size_t read(char* out, size_t capacity, const std::string& name)
  {
    if (!gzip) {
      if (!readRaw()) return 0;
      size_t n = std::min(capacity, rawEnd - rawBegin);
      std::memcpy(out, raw.data() + rawBegin, n);
      rawBegin += n;
      return n;
    }
    size_t produced = 0;
    while (produced == 0) {
      if (!readRaw()) {
        if (!streamEnded) throw Error(name + ": truncated gzip stream (the file ends before the gzip end marker)");
        return 0;
      }
      if (streamEnded) {  // another gzip member follows (concatenated .gz files are valid)
        inflateReset(&zs);
        streamEnded = false;
      }
      zs.next_in = raw.data() + rawBegin;
      zs.avail_in = static_cast<uInt>(rawEnd - rawBegin);
      zs.next_out = reinterpret_cast<unsigned char*>(out);
      zs.avail_out = static_cast<uInt>(capacity);
      int rc = inflate(&zs, Z_NO_FLUSH);
      rawBegin = rawEnd - zs.avail_in;
      produced = capacity - zs.avail_out;
      if (rc == Z_STREAM_END) {
        streamEnded = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw Error(name + ": corrupt gzip data (" + (zs.msg ? zs.msg : "zlib error") + ")");
      }
    }
    return produced;
  }
};

LineReader::LineReader(std::unique_ptr<Source> source, std::string name)
    : source_(std::move(source)), name_(std::move(name)), buffer_(kChunk)
{
  source_->start(name_);
}

LineReader::LineReader(LineReader&&) noexcept = default;
LineReader& LineReader::operator=(LineReader&&) noexcept = default;
LineReader::~LineReader() = default;

LineReader LineReader::openFile(const std::string& path)
{
  requireRegularFile(path, "data file");
  auto source = std::make_unique<Source>();
  source->file = std::fopen(path.c_str(), "rb");
  if (!source->file) throw Error(path + ": cannot open file (" + std::strerror(errno) + ")");
  return LineReader(std::move(source), path);
}

LineReader LineReader::openMemory(const unsigned char* data, size_t size, std::string name)
{
  auto source = std::make_unique<Source>();
  source->memory = data;
  source->memorySize = size;
  return LineReader(std::move(source), std::move(name));
}

bool LineReader::fill()
{
  if (exhausted_) return false;
  if (begin_ > 0) {  // keep the partial line at the front
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // a line longer than the buffer
  size_t n = 0;
  try {
    n = source_->read(buffer_.data() + end_, buffer_.size() - end_, name_);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + ", after line " + std::to_string(lineNumber_));
  }
  if (n == 0) exhausted_ = true;
  end_ += n;
  return n > 0;
}

bool LineReader::next(std::string_view& line)
{
  if (!nextRaw(line)) return false;
  // Spreadsheets start UTF-8 text with a byte-order mark; read as text, it would hide the first
  // column's name.
  static constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (lineNumber_ == 1 && line.substr(0, kByteOrderMark.size()) == kByteOrderMark) line.remove_prefix(kByteOrderMark.size());
  return true;
}

bool LineReader::nextRaw(std::string_view& line)
{
  size_t scanFrom = begin_;
  for (;;) {
    const char* start = buffer_.data() + scanFrom;
    const void* nl = std::memchr(start, '\n', end_ - scanFrom);
    if (nl) {
      size_t pos = static_cast<size_t>(static_cast<const char*>(nl) - buffer_.data());
      size_t len = pos - begin_;
      if (len > 0 && buffer_[pos - 1] == '\r') --len;
      line = std::string_view(buffer_.data() + begin_, len);
      begin_ = pos + 1;
      ++lineNumber_;
      return true;
    }
    size_t scanned = end_ - begin_;
    if (!fill()) break;
    scanFrom = begin_ + scanned;
  }
  if (begin_ == end_) return false;
  size_t len = end_ - begin_;  // last line without a final newline
  if (buffer_[end_ - 1] == '\r') --len;
  line = std::string_view(buffer_.data() + begin_, len);
  begin_ = end_;
  ++lineNumber_;
  return true;
}

}  // namespace seesaw
