#include "trace/h5.h"

#include <algorithm>
#include <cstring>

namespace seesaw::h5 {
namespace {

// After a failed write (a full disk) HDF5 cannot close the file's datasets, and its exit-time
// cleanup then crashes closing them again (1.10). Seesaw closes every file itself, so the cleanup
// has nothing to do; this must run before the first HDF5 call, hence a static initialiser.
const bool kNoExitCleanup = H5dont_atexit() >= 0;

herr_t keepInnermost(unsigned position, const H5E_error2_t* error, void* out)
{
  if (position == 0 && error->desc) *static_cast<std::string*>(out) = error->desc;
  return 0;
}

Handle scalarSpace() { return Handle(check(H5Screate(H5S_SCALAR), "HDF5 dataspace")); }

Handle listSpace(size_t n)
{
  const hsize_t dims[1] = {n};
  return Handle(check(H5Screate_simple(1, dims, nullptr), "HDF5 dataspace"));
}

void writeAttribute(hid_t object, const char* name, hid_t type, hid_t space, const void* data)
{
  const std::string context = std::string("attribute ") + name;
  Handle attribute(check(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), context));
  check(H5Awrite(attribute, type, data), context);
}

// The number of elements of an attribute's dataspace.
size_t attributeSize(hid_t attribute, const std::string& context)
{
  Handle space(check(H5Aget_space(attribute), context));
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) throw Error(context + ": unreadable dataspace");
  return static_cast<size_t>(n);
}

std::vector<std::string> readStrings(hid_t object, size_t n, const std::string& context, bool isAttribute)
{
  Handle type = stringType();
  std::vector<char*> raw(n, nullptr);
  if (isAttribute) check(H5Aread(object, type, raw.data()), context);
  else check(H5Dread(object, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), context);
  std::vector<std::string> out;
  for (char* s : raw) out.emplace_back(s ? s : "");
  Handle space(isAttribute ? H5Aget_space(object) : H5Dget_space(object));
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw.data());
  return out;
}

}  // namespace

void silenceErrorStack() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string lastErrorMessage()
{
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keepInnermost, &message);
  H5Eclear2(H5E_DEFAULT);
  return message.empty() ? "HDF5 call failed" : message;
}

hid_t check(hid_t id, const std::string& context)
{
  if (id < 0) throw Error(context + ": " + lastErrorMessage());
  return id;
}

void check(herr_t status, const std::string& context)
{
  if (status < 0) throw Error(context + ": " + lastErrorMessage());
}

Handle stringType()
{
  Handle type(check(H5Tcopy(H5T_C_S1), "HDF5 string type"));
  check(H5Tset_size(type, H5T_VARIABLE), "HDF5 string type");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "HDF5 string type");
  return type;
}

void writeStringAttribute(hid_t object, const char* name, const std::string& value)
{
  const char* data = value.c_str();
  writeAttribute(object, name, stringType(), scalarSpace(), &data);
}

void writeStringListAttribute(hid_t object, const char* name, const std::vector<std::string>& values)
{
  std::vector<const char*> data;
  for (const auto& v : values) data.push_back(v.c_str());
  writeAttribute(object, name, stringType(), listSpace(values.size()), data.data());
}

void writeIntAttribute(hid_t object, const char* name, int64_t value)
{
  writeAttribute(object, name, H5T_NATIVE_INT64, scalarSpace(), &value);
}

void writeDoubleListAttribute(hid_t object, const char* name, const std::vector<double>& values)
{
  writeAttribute(object, name, H5T_NATIVE_DOUBLE, listSpace(values.size()), values.data());
}

bool hasAttribute(hid_t object, const char* name) { return H5Aexists(object, name) > 0; }

bool hasLink(hid_t file, const char* path)
{
  const htri_t found = H5Lexists(file, path, H5P_DEFAULT);
  check(found, std::string("looking up ") + path);
  return found > 0;
}

std::string readStringAttribute(hid_t object, const char* name)
{
  const auto values = readStringListAttribute(object, name);
  if (values.size() != 1) throw Error(std::string("attribute ") + name + ": expected one string");
  return values.front();
}

std::vector<std::string> readStringListAttribute(hid_t object, const char* name)
{
  const std::string context = std::string("attribute ") + name;
  Handle attribute(check(H5Aopen(object, name, H5P_DEFAULT), context));
  Handle type(check(H5Aget_type(attribute), context));
  if (H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) <= 0) throw Error(context + ": not a variable-length string");
  return readStrings(attribute, attributeSize(attribute, context), context, true);
}

int64_t readIntAttribute(hid_t object, const char* name)
{
  const std::string context = std::string("attribute ") + name;
  Handle attribute(check(H5Aopen(object, name, H5P_DEFAULT), context));
  Handle type(check(H5Aget_type(attribute), context));
  if (H5Tget_class(type) != H5T_INTEGER || attributeSize(attribute, context) != 1) throw Error(context + ": not one integer");
  int64_t value = 0;
  check(H5Aread(attribute, H5T_NATIVE_INT64, &value), context);
  return value;
}

std::vector<double> readDoubleListAttribute(hid_t object, const char* name)
{
  const std::string context = std::string("attribute ") + name;
  Handle attribute(check(H5Aopen(object, name, H5P_DEFAULT), context));
  Handle type(check(H5Aget_type(attribute), context));
  if (H5Tget_class(type) != H5T_FLOAT) throw Error(context + ": not floating point");
  std::vector<double> values(attributeSize(attribute, context));
  if (!values.empty()) check(H5Aread(attribute, H5T_NATIVE_DOUBLE, values.data()), context);
  return values;
}

void writeStringDataset(hid_t parent, const char* name, const std::vector<std::string>& values)
{
  // Fixed-length strings in checksummed chunks: HDF5 cannot checksum variable-length strings, and
  // it reads a damaged one's heap index unchecked, out of bounds (1.10). Here damage is refused.
  const std::string context = std::string("dataset ") + name;
  size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::string packed(values.size() * width, '\0');
  for (size_t i = 0; i < values.size(); ++i) packed.replace(i * width, values[i].size(), values[i]);
  Handle type(check(H5Tcopy(H5T_C_S1), context));
  check(H5Tset_size(type, width), context);
  check(H5Tset_strpad(type, H5T_STR_NULLPAD), context);
  check(H5Tset_cset(type, H5T_CSET_UTF8), context);
  Handle properties(check(H5Pcreate(H5P_DATASET_CREATE), context));
  if (!values.empty()) {
    const hsize_t chunk[1] = {std::min<hsize_t>(values.size(), std::max<hsize_t>(1, (1 << 20) / width))};
    check(H5Pset_chunk(properties, 1, chunk), context);
    check(H5Pset_deflate(properties, 1), context);
    check(H5Pset_fletcher32(properties), context);
  }
  Handle dataset(check(H5Dcreate2(parent, name, type, listSpace(values.size()), H5P_DEFAULT, properties, H5P_DEFAULT), context));
  if (!values.empty()) check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, packed.data()), context);
}

std::vector<std::string> readStringDataset(hid_t parent, const char* name)
{
  const std::string context = std::string("dataset ") + name;
  Handle dataset(check(H5Dopen2(parent, name, H5P_DEFAULT), context));
  Handle type(check(H5Dget_type(dataset), context));
  if (H5Tget_class(type) != H5T_STRING) throw Error(context + ": not strings");
  Handle space(check(H5Dget_space(dataset), context));
  if (H5Sget_simple_extent_ndims(space) != 1) throw Error(context + ": not one-dimensional");
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) throw Error(context + ": unreadable dataspace");
  if (n == 0) return {};
  // Variable-length strings: traces of format version 1.
  if (H5Tis_variable_str(type) > 0) return readStrings(dataset, static_cast<size_t>(n), context, false);
  const size_t width = H5Tget_size(type);
  if (width == 0) throw Error(context + ": unreadable string type");
  Handle memory(check(H5Tcopy(H5T_C_S1), context));
  check(H5Tset_size(memory, width), context);
  check(H5Tset_strpad(memory, H5T_STR_NULLPAD), context);
  check(H5Tset_cset(memory, H5Tget_cset(type)), context);  // HDF5 converts no character set into another
  std::string packed(static_cast<size_t>(n) * width, '\0');
  check(H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, packed.data()), context);
  std::vector<std::string> out;
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
    const char* first = packed.data() + i * width;
    out.emplace_back(first, strnlen(first, width));
  }
  return out;
}

}  // namespace seesaw::h5
