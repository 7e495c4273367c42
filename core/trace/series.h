#pragma once
// One trace dataset whose first dimension grows by records: [rows, inner...]. The writer appends
// (extend, then write the new rows); a reader refreshes the extent of a growing file and reads any
// range of rows. Chunks hold whole records, carry a Fletcher-32 checksum so that damaged data is
// reported rather than shown, and are optionally shuffled and deflated.

#include <optional>
#include <string>
#include <vector>

#include "trace/h5.h"

namespace seesaw::h5 {

class Series
{
public:
  Series() = default;
  // fileType is what the file stores (little-endian IEEE or integer); memType what callers pass.
  // chunk: the chunk's shape, rows first (its dimensions are clamped to at least 1 and at most the
  // inner ones).
  static Series create(hid_t parent, const std::string& name, hid_t fileType, hid_t memType, std::vector<hsize_t> inner,
                       std::vector<hsize_t> chunk, bool deflate);
  // Opens and checks the dataset's type against fileType (h5::checkType), its Fletcher-32 filter,
  // and its rank and inner shape against what the trace's attributes imply.
  static Series open(hid_t parent, const std::string& name, hid_t fileType, hid_t memType, const std::vector<hsize_t>& inner);

  hsize_t rows() const;  // the extent as last seen; refresh() updates it for a growing file
  size_t rowElements() const { return rowElements_; }
  void append(const void* data, hsize_t count);
  void refresh();
  // Rows [first, first + count) into out (count * rowElements() elements of memType).
  void read(hsize_t first, hsize_t count, void* out) const;
  // The same rows, of one index of the first inner dimension only (one user's row of each
  // snapshot): count * rowElements() / inner[0] elements.
  void readEntry(hsize_t first, hsize_t count, hsize_t entry, void* out) const;
  const std::string& name() const { return name_; }

private:
  void readSelection(hsize_t first, hsize_t count, std::optional<hsize_t> entry, void* out) const;

  Handle dataset_;
  hid_t memType_ = -1;
  std::vector<hsize_t> inner_;
  size_t rowElements_ = 1;
  hsize_t rows_ = 0;
  std::string name_;
};

}  // namespace seesaw::h5
