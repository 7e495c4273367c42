#pragma once
// What the trace tests check records against: the synthetic records (synthetic_records.h) read
// back exactly, NaN for NaN, and a finished trace of them written in this process.

#include <QtTest>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "synthetic_records.h"
#include "trace/h5.h"
#include "trace/trace_writer.h"

namespace seesaw::testing {

inline bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

template <typename T>
inline bool sameVector(const std::vector<T>& a, const std::vector<T>& b)
{
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same(static_cast<float>(a[i]), static_cast<float>(b[i]))) return false;
  return true;
}

inline void checkStep(const StepRecord& got, int64_t step)
{
  const StepRecord want = syntheticStep(step);
  QCOMPARE(got.step, want.step);
  QCOMPARE(got.epoch, want.epoch);
  QCOMPARE(got.wallTime, want.wallTime);
  QCOMPARE(got.lr, want.lr);
  QCOMPARE(got.flags, want.flags);
  QVERIFY(sameVector(got.loss, want.loss));
  QVERIFY(sameVector(got.gradNorm, want.gradNorm));
  QVERIFY(sameVector(got.cosine, want.cosine));
  QVERIFY(sameVector(got.magnitudeRatio, want.magnitudeRatio));
  QVERIFY(sameVector(got.weight, want.weight));
  QVERIFY(sameVector(got.moduleCosine, want.moduleCosine));
  QVERIFY(sameVector(got.methodState, want.methodState));
}

inline void checkLevel(const LevelGeometry& got, const LevelGeometry& want)
{
  QVERIFY(sameVector(got.cosine, want.cosine));
  QVERIFY(sameVector(got.gradNorm, want.gradNorm));
  QVERIFY(sameVector(got.magnitudeRatio, want.magnitudeRatio));
}

inline void checkEntity(const EntityGeometry& got, const EntityGeometry& want)
{
  QCOMPARE(got.count, want.count);
  QVERIFY(sameVector(got.weight, want.weight));
  QCOMPARE(got.levels.size(), want.levels.size());
  for (size_t l = 0; l < want.levels.size(); ++l) checkLevel(got.levels[l], want.levels[l]);
}

inline void checkSnapshot(const GeometrySnapshot& got, int64_t step, bool items = true)
{
  const GeometrySnapshot want = syntheticSnapshot(step, items);
  QCOMPARE(got.step, want.step);
  QCOMPARE(got.windowStart, want.windowStart);
  checkEntity(got.users, want.users);
  QCOMPARE(got.items.empty(), !items);
  if (items) checkEntity(got.items, want.items);
}

inline EvalRecord evalAt(int64_t step, const char* split)
{
  EvalRecord r;
  r.step = step;
  r.split = split;
  r.auc = {0.7, 0.8, std::nan("")};
  r.gauc = {0.6, 0.65, std::nan("")};
  r.logloss = {0.5, 0.4, std::nan("")};
  r.mse = {std::nan(""), std::nan(""), 1.25 + static_cast<double>(step)};
  return r;
}

// Writes a finished trace of `steps` steps in this process.
inline void writeTrace(const std::string& path, int64_t steps, trace::Compression compression = trace::Compression::None, bool items = true)
{
  TraceOptions options;
  options.path = path;
  options.compression = compression;
  TraceWriter writer(options);
  writer.begin(syntheticRunInfo(items));
  for (int64_t s = 1; s <= steps; ++s) {
    writer.step(syntheticStep(s));
    if (s % kSnapshotEvery == 0) writer.geometry(readyGeometry(syntheticSnapshot(s, items)));
    if (s % 25 == 0) writer.eval(evalAt(s, "valid"));
  }
  writer.eval(evalAt(steps, "test"));
  RunEnd end;
  end.steps = steps;
  writer.end(end);
}

inline std::string contents(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void writeFile(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes; }

// Replaces the dataset at `name` by one of another type or shape, zero-filled (dims empty: a scalar).
inline bool replaceDataset(const std::string& path, const char* name, hid_t type, const std::vector<hsize_t>& dims)
{
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!file.valid() || H5Ldelete(file, name, H5P_DEFAULT) < 0) return false;
  h5::Handle space(dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  h5::Handle dataset(H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  size_t n = 1;
  for (hsize_t d : dims) n *= d;
  const std::vector<char> zeros(n * H5Tget_size(type), 0);
  return dataset.valid() && H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data()) >= 0;
}

// Rewrites a trace's string attributes as variable-length strings, which HDF5 keeps in its global
// heap, and says format version 2: the root of a version 2 (or 1) file.
inline bool toVersion2Attributes(const std::string& path)
{
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!file.valid()) return false;
  h5::Handle type(H5Tcopy(H5T_C_S1));
  bool done = H5Tset_size(type, H5T_VARIABLE) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0;
  for (const char* name : {"format", "software_version", "start_time", "device", "method", "config", "task_names", "task_types"}) {
    const std::vector<std::string> values = h5::readStringListAttribute(file, name);
    h5::Handle space;
    {
      h5::Handle attribute(H5Aopen(file, name, H5P_DEFAULT));
      space = h5::Handle(H5Aget_space(attribute));
    }
    std::vector<const char*> raw;
    for (const auto& v : values) raw.push_back(v.c_str());
    done = done && H5Adelete(file, name) >= 0;
    h5::Handle attribute(H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
    done = done && attribute.valid() && H5Awrite(attribute, type, raw.data()) >= 0;
  }
  const int64_t two = 2;
  h5::Handle version(H5Aopen(file, "format_version", H5P_DEFAULT));
  return done && H5Awrite(version, H5T_NATIVE_INT64, &two) >= 0;
}

}  // namespace seesaw::testing
