#include "trace/series.h"

#include <algorithm>
#include <optional>

namespace seesaw::h5 {
namespace {

size_t product(const std::vector<hsize_t>& dims)
{
  size_t n = 1;
  for (hsize_t d : dims) n *= static_cast<size_t>(d);
  return n;
}

// The selection of rows [first, first + count) of a dataspace with the given inner dimensions;
// with an entry, only that index of the first inner dimension.
void selectRows(hid_t space, hsize_t first, hsize_t count, const std::vector<hsize_t>& inner, const std::string& context,
                std::optional<hsize_t> entry = std::nullopt)
{
  std::vector<hsize_t> start(inner.size() + 1, 0), extent = {count};
  start[0] = first;
  extent.insert(extent.end(), inner.begin(), inner.end());
  if (entry) {
    start[1] = *entry;
    extent[1] = 1;
  }
  check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, extent.data(), nullptr), context);
}

}  // namespace

Series Series::create(hid_t parent, const std::string& name, hid_t fileType, hid_t memType, std::vector<hsize_t> inner,
                      std::vector<hsize_t> chunk, bool deflate)
{
  const std::string context = "dataset " + name;
  std::vector<hsize_t> dims = {0}, maxDims = {H5S_UNLIMITED};
  chunk.resize(inner.size() + 1, H5S_UNLIMITED);
  chunk[0] = std::max<hsize_t>(1, chunk[0]);
  for (size_t i = 0; i < inner.size(); ++i) {
    dims.push_back(inner[i]);
    // A dimension of zero (one task, no pairs) cannot be chunked at a fixed size.
    maxDims.push_back(inner[i] == 0 ? H5S_UNLIMITED : inner[i]);
    chunk[i + 1] = std::max<hsize_t>(1, std::min(chunk[i + 1], inner[i]));
  }
  Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), maxDims.data()), context));
  Handle properties(check(H5Pcreate(H5P_DATASET_CREATE), context));
  check(H5Pset_chunk(properties, static_cast<int>(chunk.size()), chunk.data()), context);
  if (deflate) {
    check(H5Pset_shuffle(properties), context);
    check(H5Pset_deflate(properties, 1), context);
  }
  check(H5Pset_fletcher32(properties), context);
  Series s;
  s.dataset_ = Handle(check(H5Dcreate2(parent, name.c_str(), fileType, space, H5P_DEFAULT, properties, H5P_DEFAULT), context));
  s.memType_ = memType;
  s.inner_ = std::move(inner);
  s.rowElements_ = product(s.inner_);
  s.name_ = name;
  return s;
}

Series Series::open(hid_t parent, const std::string& name, hid_t fileType, hid_t memType, const std::vector<hsize_t>& inner)
{
  const std::string context = "dataset " + name;
  Series s;
  s.dataset_ = Handle(check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), context));
  checkDatasetType(s.dataset_, fileType, context);
  Handle space(check(H5Dget_space(s.dataset_), context));
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank != static_cast<int>(inner.size()) + 1) throw Error(context + ": has rank " + std::to_string(rank) + ", expected " + std::to_string(inner.size() + 1));
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  check(H5Sget_simple_extent_dims(space, dims.data(), nullptr), context);
  for (size_t i = 0; i < inner.size(); ++i)
    if (dims[i + 1] != inner[i])
      throw Error(context + ": dimension " + std::to_string(i + 1) + " is " + std::to_string(dims[i + 1]) + ", expected " + std::to_string(inner[i]));
  // Every writer of the format checksums the series' chunks; a dataset without (one replaced by
  // hand) could hold anything unnoticed.
  Handle properties(check(H5Dget_create_plist(s.dataset_), context));
  unsigned flags = 0;
  size_t values = 0;
  if (H5Pget_filter_by_id2(properties, H5Z_FILTER_FLETCHER32, &flags, &values, nullptr, 0, nullptr, nullptr) < 0) {
    H5Eclear2(H5E_DEFAULT);
    throw Error(context + ": its chunks carry no Fletcher-32 checksum, which the format requires");
  }
  s.memType_ = memType;
  s.inner_ = inner;
  s.rowElements_ = product(inner);
  s.name_ = name;
  s.rows_ = dims[0];
  return s;
}

hsize_t Series::rows() const { return rows_; }

void Series::append(const void* data, hsize_t count)
{
  if (count == 0) return;
  const std::string context = "appending to " + name_;
  std::vector<hsize_t> dims = {rows_ + count};
  dims.insert(dims.end(), inner_.begin(), inner_.end());
  check(H5Dset_extent(dataset_, dims.data()), context);
  Handle fileSpace(check(H5Dget_space(dataset_), context));
  selectRows(fileSpace, rows_, count, inner_, context);
  std::vector<hsize_t> memDims = {count};
  memDims.insert(memDims.end(), inner_.begin(), inner_.end());
  Handle memSpace(check(H5Screate_simple(static_cast<int>(memDims.size()), memDims.data(), nullptr), context));
  if (rowElements_ > 0) check(H5Dwrite(dataset_, memType_, memSpace, fileSpace, H5P_DEFAULT, data), context);
  rows_ += count;
}

void Series::refresh()
{
  const std::string context = "refreshing " + name_;
  check(H5Drefresh(dataset_), context);
  Handle space(check(H5Dget_space(dataset_), context));
  hsize_t dims[H5S_MAX_RANK];
  check(H5Sget_simple_extent_dims(space, dims, nullptr), context);
  rows_ = dims[0];
}

void Series::read(hsize_t first, hsize_t count, void* out) const { readSelection(first, count, std::nullopt, out); }

void Series::readEntry(hsize_t first, hsize_t count, hsize_t entry, void* out) const
{
  if (inner_.empty() || entry >= inner_[0])
    throw Error("reading " + name_ + ": entry " + std::to_string(entry) + " out of range (" + std::to_string(inner_.empty() ? 0 : inner_[0]) + ")");
  readSelection(first, count, entry, out);
}

void Series::readSelection(hsize_t first, hsize_t count, std::optional<hsize_t> entry, void* out) const
{
  if (count == 0 || rowElements_ == 0) return;
  const std::string context = "reading " + name_;
  if (first + count > rows_)
    throw Error(context + ": rows " + std::to_string(first) + ".." + std::to_string(first + count) + " past its " + std::to_string(rows_) + " rows");
  Handle fileSpace(check(H5Dget_space(dataset_), context));
  selectRows(fileSpace, first, count, inner_, context, entry);
  std::vector<hsize_t> memDims = {count};
  memDims.insert(memDims.end(), inner_.begin(), inner_.end());
  if (entry) memDims[1] = 1;
  Handle memSpace(check(H5Screate_simple(static_cast<int>(memDims.size()), memDims.data(), nullptr), context));
  check(H5Dread(dataset_, memType_, memSpace, fileSpace, H5P_DEFAULT, out), context);
}

}  // namespace seesaw::h5
