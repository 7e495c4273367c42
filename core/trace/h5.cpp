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

bool isVariableString(hid_t type) { return type >= 0 && H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0; }

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

// Strings side by side, each NUL-padded to the longest (at least one byte, HDF5's smallest string).
struct Packed
{
  std::string bytes;
  size_t width = 1;
};

Packed pack(const std::vector<std::string>& values)
{
  Packed p;
  for (const auto& v : values) p.width = std::max(p.width, v.size());
  p.bytes.assign(values.size() * p.width, '\0');
  for (size_t i = 0; i < values.size(); ++i) p.bytes.replace(i * p.width, values[i].size(), values[i]);
  return p;
}

// Reads n fixed-length strings of an attribute or a dataset of string type `type`.
std::vector<std::string> readFixedStrings(hid_t object, hid_t type, size_t n, const std::string& context, bool isAttribute)
{
  const size_t width = H5Tget_size(type);
  if (width == 0) throw Error(context + ": unreadable string type");
  // HDF5 converts no character set into another: read in the file's own.
  Handle memory = fixedStringType(width, H5T_STR_NULLPAD, H5Tget_cset(type));
  std::string packed(n * width, '\0');
  if (isAttribute) check(H5Aread(object, memory, packed.data()), context);
  else check(H5Dread(object, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, packed.data()), context);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    const char* first = packed.data() + i * width;
    out.emplace_back(first, strnlen(first, width));
  }
  return out;
}

Handle variableStringType()
{
  Handle type(check(H5Tcopy(H5T_C_S1), "HDF5 string type"));
  check(H5Tset_size(type, H5T_VARIABLE), "HDF5 string type");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "HDF5 string type");
  return type;
}

// Reads n variable-length strings (trace format versions 1 and 2). The caller has checked the
// file's global heap (checkGlobalHeaps): HDF5 1.10 can loop forever on a damaged one.
std::vector<std::string> readVariableStrings(hid_t object, size_t n, const std::string& context, bool isAttribute)
{
  Handle type = variableStringType();
  std::vector<char*> raw(n, nullptr);
  if (isAttribute) check(H5Aread(object, type, raw.data()), context);
  else check(H5Dread(object, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), context);
  std::vector<std::string> out;
  for (char* s : raw) out.emplace_back(s ? s : "");
  Handle space(isAttribute ? H5Aget_space(object) : H5Dget_space(object));
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw.data());
  return out;
}

// The strings of an attribute or a one-dimensional dataset, fixed or variable in length.
std::vector<std::string> readStrings(hid_t object, size_t n, const std::string& context, bool isAttribute)
{
  Handle type(check(isAttribute ? H5Aget_type(object) : H5Dget_type(object), context));
  if (H5Tget_class(type) != H5T_STRING) throw Error(context + ": not strings");
  if (n == 0) return {};
  // Checked before anything is allocated: a damaged extent may claim any count.
  constexpr size_t kMaxStringBytes = size_t(1) << 32;
  const size_t width = isVariableString(type) ? sizeof(char*) : H5Tget_size(type);
  if (width == 0 || n > kMaxStringBytes / width)
    throw Error(context + ": " + std::to_string(n) + " strings of " + std::to_string(width) + " bytes, more than a trace holds (4 GiB)");
  if (isVariableString(type)) return readVariableStrings(object, n, context, isAttribute);
  return readFixedStrings(object, type, n, context, isAttribute);
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

Handle fixedStringType(size_t width, H5T_str_t padding, H5T_cset_t characterSet)
{
  Handle type(check(H5Tcopy(H5T_C_S1), "HDF5 string type"));
  check(H5Tset_size(type, width), "HDF5 string type");
  check(H5Tset_strpad(type, padding), "HDF5 string type");
  check(H5Tset_cset(type, characterSet), "HDF5 string type");
  return type;
}

std::string typeName(hid_t type)
{
  const std::string bits = std::to_string(8 * H5Tget_size(type));
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + bits;
    case H5T_FLOAT: return "float" + bits;
    case H5T_STRING: return H5Tis_variable_str(type) > 0 ? "variable-length string" : "string";
    default: return "a type of HDF5 class " + std::to_string(static_cast<int>(H5Tget_class(type)));
  }
}

void checkDatasetType(hid_t dataset, hid_t expected, const std::string& context)
{
  checkType(Handle(check(H5Dget_type(dataset), context)), expected, context);
}

void checkType(hid_t type, hid_t expected, const std::string& context)
{
  const H5T_class_t kind = H5Tget_class(expected);
  bool same = H5Tget_class(type) == kind && (H5Tis_variable_str(type) > 0) == (H5Tis_variable_str(expected) > 0);
  if (same && kind != H5T_STRING) same = H5Tget_size(type) == H5Tget_size(expected);
  if (same && kind == H5T_INTEGER) same = H5Tget_sign(type) == H5Tget_sign(expected);
  if (!same) throw Error(context + ": stored as " + typeName(type) + ", expected " + typeName(expected));
}

bool holdsVariableLengthStrings(hid_t file, const std::vector<const char*>& datasets)
{
  bool found = false;
  hsize_t index = 0;
  const auto visit = [](hid_t location, const char* name, const H5A_info_t*, void* out) -> herr_t {
    Handle attribute(H5Aopen(location, name, H5P_DEFAULT));
    if (attribute.valid() && isVariableString(Handle(H5Aget_type(attribute)))) *static_cast<bool*>(out) = true;
    return 0;
  };
  check(H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_NATIVE, &index, visit, &found), "reading the root's attributes");
  for (const char* path : datasets) {
    if (found || !hasLink(file, path)) continue;
    Handle dataset(check(H5Dopen2(file, path, H5P_DEFAULT), std::string("dataset ") + path));
    found = isVariableString(Handle(check(H5Dget_type(dataset), std::string("dataset ") + path)));
  }
  return found;
}

void writeStringAttribute(hid_t object, const char* name, const std::string& value)
{
  const Packed p = pack({value});
  writeAttribute(object, name, fixedStringType(p.width), scalarSpace(), p.bytes.data());
}

void writeStringListAttribute(hid_t object, const char* name, const std::vector<std::string>& values)
{
  const Packed p = pack(values);
  writeAttribute(object, name, fixedStringType(p.width), listSpace(values.size()), p.bytes.data());
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
  // H5Lexists fails, rather than answer no, when a group on the way is missing: ask for each.
  const std::string full = path;
  for (size_t end = full.find('/', 1);; end = full.find('/', end + 1)) {
    const std::string prefix = full.substr(0, end);
    const htri_t found = H5Lexists(file, prefix.c_str(), H5P_DEFAULT);
    check(found, "looking up " + prefix);
    if (found == 0) return false;
    if (end == std::string::npos) return true;
  }
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
  const Packed p = pack(values);
  Handle type = fixedStringType(p.width);
  Handle properties(check(H5Pcreate(H5P_DATASET_CREATE), context));
  if (!values.empty()) {
    const hsize_t chunk[1] = {std::min<hsize_t>(values.size(), std::max<hsize_t>(1, (1 << 20) / p.width))};
    check(H5Pset_chunk(properties, 1, chunk), context);
    check(H5Pset_deflate(properties, 1), context);
    check(H5Pset_fletcher32(properties), context);
  }
  Handle dataset(check(H5Dcreate2(parent, name, type, listSpace(values.size()), H5P_DEFAULT, properties, H5P_DEFAULT), context));
  if (!values.empty()) check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.bytes.data()), context);
}

std::vector<std::string> readStringDataset(hid_t parent, const char* name)
{
  const std::string context = std::string("dataset ") + name;
  Handle dataset(check(H5Dopen2(parent, name, H5P_DEFAULT), context));
  Handle space(check(H5Dget_space(dataset), context));
  if (H5Sget_simple_extent_ndims(space) != 1) throw Error(context + ": not one-dimensional");
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) throw Error(context + ": unreadable dataspace");
  return readStrings(dataset, static_cast<size_t>(n), context, false);
}

}  // namespace seesaw::h5
