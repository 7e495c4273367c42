#include "trace/global_heap.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include "util/error.h"

namespace seesaw::h5 {
namespace {

// The layout of a collection (HDF5 file format specification, "Global Heap"), with 8-byte lengths
// as every file Seesaw reads has them: "GCOL", version 1, 3 reserved bytes, the collection's size
// (header included); then objects of a 16-byte header (index, reference count, 4 reserved bytes,
// size) and their data padded to 8 bytes. Index 0 is the free space, whose size includes its header.
constexpr char kSignature[4] = {'G', 'C', 'O', 'L'};
constexpr uint64_t kHeaderBytes = 16, kObjectHeaderBytes = 16;

uint64_t littleEndian(const unsigned char* p, int bytes)
{
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Walks the objects of the collection of `size` bytes at `offset` as HDF5 1.10's
// H5HG__cache_heap_deserialize does; an empty string when every step advances and the last ends
// at the collection's end.
std::string damageIn(std::ifstream& in, uint64_t offset, uint64_t size)
{
  for (uint64_t at = kHeaderBytes; at < size;) {
    if (at + kObjectHeaderBytes > size) return {};  // HDF5 takes a tail shorter than a header as free space
    unsigned char header[kObjectHeaderBytes];
    if (!in.seekg(static_cast<std::streamoff>(offset + at)) || !in.read(reinterpret_cast<char*>(header), kObjectHeaderBytes))
      throw Error("cannot read byte " + std::to_string(offset + at));
    const uint64_t index = littleEndian(header, 2), objectSize = littleEndian(header + 8, 8);
    // Index 0 (free space) advances by its size; an object by its header and padded data.
    const uint64_t need = index == 0 ? objectSize : objectSize > size ? size + 1 : kObjectHeaderBytes + ((objectSize + 7) & ~uint64_t(7));
    if (need == 0) return "its object at byte " + std::to_string(offset + at) + " has size 0";
    if (need > size - at) return "its object at byte " + std::to_string(offset + at) + " runs past its end";
    at += need;
  }
  return {};
}

}  // namespace

void checkGlobalHeaps(const std::string& path)
{
  struct stat info;
  if (stat(path.c_str(), &info) != 0) throw Error("no such file");
  std::ifstream in(path, std::ios::binary);
  const auto fileSize = static_cast<uint64_t>(info.st_size);
  constexpr size_t kBlock = 4 << 20;
  std::vector<char> block(kBlock + sizeof kSignature - 1);  // blocks overlap so that no signature is cut
  std::vector<uint64_t> found;
  for (uint64_t start = 0; start < fileSize; start += kBlock) {
    const auto n = static_cast<size_t>(std::min<uint64_t>(block.size(), fileSize - start));
    if (!in.seekg(static_cast<std::streamoff>(start)) || !in.read(block.data(), static_cast<std::streamsize>(n)))
      throw Error("cannot read byte " + std::to_string(start));
    for (const char* p = block.data(); (p = static_cast<const char*>(memmem(p, n - static_cast<size_t>(p - block.data()), kSignature, 4)));
         ++p) {
      found.push_back(start + static_cast<uint64_t>(p - block.data()));
    }
  }
  for (uint64_t offset : found) {
    unsigned char header[kHeaderBytes];
    in.clear();
    if (offset + kHeaderBytes > fileSize || !in.seekg(static_cast<std::streamoff>(offset)) || !in.read(reinterpret_cast<char*>(header), kHeaderBytes))
      continue;
    // Version 1 and zero reserved bytes: a collection, not four such letters in compressed data.
    if (header[4] != 1 || header[5] != 0 || header[6] != 0 || header[7] != 0) continue;
    const uint64_t size = littleEndian(header + 8, 8);
    if (size < kHeaderBytes || size > fileSize - offset) continue;  // HDF5 refuses it: reading past the end fails
    const std::string damage = damageIn(in, offset, size);
    if (!damage.empty())
      throw Error("damaged: the HDF5 global heap collection at byte " + std::to_string(offset) +
                  " (variable-length strings, which have no checksum) is broken: " + damage);
  }
}

}  // namespace seesaw::h5
