#pragma once
// A thin layer over the HDF5 C API for the trace: owned handles, and checks that turn a failed
// call into a seesaw::Error carrying HDF5's own innermost message. The C API is used directly
// because SWMR (H5Fstart_swmr_write, H5Drefresh) has no counterpart in the C++ wrapper.

#include <hdf5.h>

#include <string>
#include <vector>

#include "util/error.h"

namespace seesaw::h5 {

// Owns one HDF5 identifier of any kind and closes it with H5Idec_ref.
class Handle
{
public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(other.release()) {}
  Handle& operator=(Handle&& other) noexcept
  {
    if (this != &other) {
      reset();
      id_ = other.release();
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }
  hid_t release()
  {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }
  void reset()
  {
    if (id_ >= 0) H5Idec_ref(id_);
    id_ = H5I_INVALID_HID;
  }

private:
  hid_t id_ = H5I_INVALID_HID;
};

// Turns HDF5's automatic error printing off for the process (the trace reports errors itself).
void silenceErrorStack();
// The innermost description on HDF5's error stack, e.g. "truncated file: eof = 1024, ...".
std::string lastErrorMessage();

// Throws seesaw::Error("<context>: <HDF5 message>") when id or status is negative.
hid_t check(hid_t id, const std::string& context);
void check(herr_t status, const std::string& context);

// The name of a stored type in messages: "float32", "int8", "uint32", "string", ...
std::string typeName(hid_t type);
// Throws "<context>: stored as <found>, expected <expected>" unless `type` has the class, size
// and sign of `expected` (a fixed-length string of any width passes for a string).
void checkType(hid_t type, hid_t expected, const std::string& context);
void checkDatasetType(hid_t dataset, hid_t expected, const std::string& context);  // of the dataset's type

// A string type of `width` bytes, for the file and for memory.
Handle fixedStringType(size_t width, H5T_str_t padding = H5T_STR_NULLPAD, H5T_cset_t characterSet = H5T_CSET_UTF8);

// Vocabulary the trace uses. Strings are written fixed-length, NUL-padded to the longest, so that
// HDF5 can checksum them (format version 3); readers take variable-length ones too, once the
// global heap that holds them is checked (global_heap.h).
// Whether the root's attributes or any of the datasets (those that exist) hold variable-length strings.
bool holdsVariableLengthStrings(hid_t file, const std::vector<const char*>& datasets);
void writeStringAttribute(hid_t object, const char* name, const std::string& value);
void writeStringListAttribute(hid_t object, const char* name, const std::vector<std::string>& values);
void writeIntAttribute(hid_t object, const char* name, int64_t value);
void writeDoubleListAttribute(hid_t object, const char* name, const std::vector<double>& values);
bool hasAttribute(hid_t object, const char* name);
// Whether a dataset or group exists at path; an error (a damaged file) throws rather than reading as absent.
bool hasLink(hid_t file, const char* path);
std::string readStringAttribute(hid_t object, const char* name);
std::vector<std::string> readStringListAttribute(hid_t object, const char* name);
int64_t readIntAttribute(hid_t object, const char* name);
std::vector<double> readDoubleListAttribute(hid_t object, const char* name);

// A fixed-size one-dimensional dataset of strings, written once before SWMR starts.
void writeStringDataset(hid_t parent, const char* name, const std::vector<std::string>& values);
std::vector<std::string> readStringDataset(hid_t parent, const char* name);

}  // namespace seesaw::h5
