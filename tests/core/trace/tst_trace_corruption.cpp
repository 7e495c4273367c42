// The corruption test of the trace readers: damaged variants of a real trace (truncations, byte
// flips, zeroed blocks, every dataset with another type or shape, counts and attributes with
// wrong values), made with a fixed seed. Each is read by TraceReader in this process and checked
// by `seesaw-trace validate`; each must be refused with a message naming the file, or read as
// part of what the original holds: the same description and, up to the counts the damaged file
// commits, the same records. (The status datasets are rewritten in place at every commit and carry
// no checksum, so a damaged count may shorten what is read: a prefix, never other values.)

#include <QtTest>

#include <hdf5.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <random>

#include "trace/trace_reader.h"
#include "trace_checks.h"
#include "util/error.h"

using namespace seesaw;
using namespace seesaw::testing;

namespace {

constexpr int kSeed = 20261206;
constexpr double kReadLimitS = 20;  // a bound on a hang, not a speed target

// Appends the bytes of values, so that records compare bit for bit (NaN included).
template <typename T>
void put(std::string& out, const std::vector<T>& values)
{
  out += std::to_string(values.size()) + ':';
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}
void put(std::string& out, const std::string& text) { out += std::to_string(text.size()) + ':' + text; }
void put(std::string& out, const std::vector<std::string>& texts)
{
  for (const auto& t : texts) put(out, t);
  out += ';';
}
template <typename T>
void putScalar(std::string& out, T value)
{
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

// The run's description, field by field, as bytes.
std::vector<std::pair<std::string, std::string>> description(const RunInfo& i)
{
  std::vector<std::pair<std::string, std::string>> out;
  const auto add = [&](const char* name, auto&& fill) {
    std::string bytes;
    fill(bytes);
    out.emplace_back(name, std::move(bytes));
  };
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"task names", &i.taskNames}, {"module names", &i.moduleNames}, {"method state names", &i.methodStateNames},
      {"levels", &i.geometryLevels}, {"user ids", &i.userIds},        {"item ids", &i.itemIds}};
  for (const auto& [name, texts] : lists) add(name, [&](std::string& b) { put(b, *texts); });
  const std::pair<const char*, const std::string*> texts[] = {
      {"device", &i.device}, {"method", &i.method}, {"config", &i.configJson}, {"software version", &i.softwareVersion},
      {"start time", &i.startTime}, {"branch parent", &i.branch.parentTrace}, {"branch checkpoint", &i.branch.checkpoint}};
  for (const auto& [name, text] : texts) add(name, [&](std::string& b) { put(b, *text); });
  add("task types", [&](std::string& b) {
    for (TaskType t : i.taskTypes) putScalar(b, static_cast<int>(t));
  });
  add("counts", [&](std::string& b) {
    for (int64_t n : {i.totalSteps, i.stepsPerEpoch, i.batchSize, i.sharedParameters, i.totalParameters, i.userSnapshotEvery, i.branch.step,
                      static_cast<int64_t>(i.trainRows), static_cast<int64_t>(i.validRows), static_cast<int64_t>(i.testRows),
                      static_cast<int64_t>(i.data.rows), static_cast<int64_t>(i.data.users), static_cast<int64_t>(i.data.items),
                      static_cast<int64_t>(i.analyze), static_cast<int64_t>(i.itemGeometry)})
      putScalar(b, n);
  });
  add("label means", [&](std::string& b) { put(b, i.data.labelMeans); });
  add("user groups", [&](std::string& b) { put(b, i.userGroups); });
  return out;
}

std::string bytesOf(const StepRecord& r)
{
  std::string out;
  putScalar(out, r.step), putScalar(out, r.epoch), putScalar(out, r.wallTime), putScalar(out, r.lr), putScalar(out, r.flags);
  for (const auto* v : {&r.loss, &r.gradNorm, &r.cosine, &r.magnitudeRatio, &r.weight, &r.moduleCosine, &r.methodState}) put(out, *v);
  return out;
}

std::string bytesOf(const EvalRecord& r)
{
  std::string out;
  putScalar(out, r.step);
  put(out, r.split);
  for (const auto* v : {&r.auc, &r.gauc, &r.logloss, &r.mse}) put(out, *v);
  return out;
}

std::string bytesOf(const GeometrySnapshot& s)
{
  std::string out;
  putScalar(out, s.step), putScalar(out, s.windowStart);
  for (const EntityGeometry* e : {&s.users, &s.items}) {
    for (const LevelGeometry& l : e->levels) put(out, l.cosine), put(out, l.gradNorm), put(out, l.magnitudeRatio);
    put(out, e->weight);
    put(out, e->count);
  }
  return out;
}

std::string bytesOf(const ChangeRecord& c)
{
  std::string out;
  putScalar(out, c.step);
  for (const auto* text : {&c.field, &c.oldValue, &c.newValue, &c.refused}) put(out, *text);
  return out;
}

// Everything a reader gives of a trace, each record as bytes.
struct Whole
{
  std::vector<std::pair<std::string, std::string>> description;
  std::vector<std::string> steps, valid, test, snapshots, changes;
};

Whole readWhole(const std::string& path)
{
  TraceReader r(path);
  r.readAll();
  Whole w;
  w.description = description(r.info());
  for (const StepRecord& s : r.steps(0, r.stepCount())) w.steps.push_back(bytesOf(s));
  for (const EvalRecord& e : r.evals()) (e.split == "valid" ? w.valid : w.test).push_back(bytesOf(e));
  for (int64_t i = 0; i < r.snapshotCount(); ++i) w.snapshots.push_back(bytesOf(r.snapshot(i)));
  for (const ChangeRecord& c : r.changes()) w.changes.push_back(bytesOf(c));
  return w;
}

// Empty when `got` is part of `original` (see the top of the file), else what differs.
QString difference(const Whole& got, const Whole& original)
{
  for (size_t i = 0; i < original.description.size(); ++i)
    if (got.description[i] != original.description[i]) return QString("the run's %1").arg(original.description[i].first.c_str());
  const std::pair<const char*, std::vector<std::string> Whole::*> lists[] = {
      {"step record", &Whole::steps}, {"validation", &Whole::valid}, {"test evaluation", &Whole::test},
      {"snapshot", &Whole::snapshots}, {"change", &Whole::changes}};
  for (const auto& [name, list] : lists) {
    const auto &a = got.*list, &b = original.*list;
    if (a.size() > b.size()) return QString("%1 %2 records, the original %3").arg(a.size()).arg(name).arg(b.size());
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) return QString("%1 %2").arg(name).arg(i);
  }
  return {};
}

// Writes an integer into a scalar dataset or attribute of the file, as its own type.
bool setInt(const std::string& path, const char* object, int64_t value, bool attribute)
{
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!file.valid()) return false;
  if (attribute) {
    h5::Handle a(H5Aopen(file, object, H5P_DEFAULT));
    return a.valid() && H5Awrite(a, H5T_NATIVE_INT64, &value) >= 0;
  }
  h5::Handle d(H5Dopen2(file, object, H5P_DEFAULT));
  return d.valid() && H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) >= 0;
}

bool replaceStringListAttribute(const std::string& path, const char* name, const std::vector<std::string>& values)
{
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!file.valid() || H5Adelete(file, name) < 0) return false;
  h5::writeStringListAttribute(file, name, values);
  return true;
}

bool replaceWithInt(const std::string& path, const char* name)
{
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!file.valid() || H5Adelete(file, name) < 0) return false;
  h5::writeIntAttribute(file, name, 7);
  return true;
}

// A dataset of the file: its path, type class and dimensions.
struct DatasetShape
{
  std::string path;
  H5T_class_t kind;
  std::vector<hsize_t> dims;
};

herr_t collect(hid_t, const char* name, const H5O_info_t* info, void* out)
{
  if (info->type != H5O_TYPE_DATASET) return 0;
  static_cast<std::vector<DatasetShape>*>(out)->push_back({std::string("/") + name, H5T_NO_CLASS, {}});
  return 0;
}

std::vector<DatasetShape> datasetsOf(const std::string& path)
{
  std::vector<DatasetShape> shapes;
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  H5Ovisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, collect, &shapes);
  for (DatasetShape& s : shapes) {
    h5::Handle d(H5Dopen2(file, s.path.c_str(), H5P_DEFAULT));
    h5::Handle type(H5Dget_type(d)), space(H5Dget_space(d));
    s.kind = H5Tget_class(type);
    s.dims.resize(static_cast<size_t>(std::max(0, H5Sget_simple_extent_ndims(space))));
    H5Sget_simple_extent_dims(space, s.dims.data(), nullptr);
  }
  return shapes;
}

struct Variant
{
  QString what;
  std::function<bool(const std::string& path)> make;  // damages the copy of the original at path
};

}  // namespace

class TestTraceCorruption : public QObject
{
  Q_OBJECT

  QTemporaryDir dir_;
  std::string original_;
  std::string bytes_;
  Whole whole_;

  std::string file(const char* name) const { return dir_.filePath(name).toStdString(); }

  std::vector<Variant> variants() const
  {
    std::vector<Variant> out;
    const auto size = bytes_.size();
    std::mt19937_64 rng(kSeed);
    const auto at = [&](size_t from, size_t to) { return std::uniform_int_distribution<size_t>(from, to - 1)(rng); };
    const auto withBytes = [](std::string bytes) { return [bytes](const std::string& path) { return writeFile(path, bytes), true; }; };

    for (int i = 0; i < 40; ++i) {
      const size_t keep = at(0, size);
      out.push_back({QString("truncated to %1 bytes").arg(keep), withBytes(bytes_.substr(0, keep))});
    }
    for (int i = 0; i < 100; ++i) {
      // Most flips in the first 16 KB, where the metadata lies; the rest anywhere.
      const size_t where = i % 2 == 0 ? at(0, std::min<size_t>(size, 16384)) : at(0, size);
      std::string flipped = bytes_;
      flipped[where] = static_cast<char>(flipped[where] ^ (1 << (i % 8)));
      out.push_back({QString("bit %1 of byte %2 flipped").arg(i % 8).arg(where), withBytes(flipped)});
    }
    for (int i = 0; i < 30; ++i) {
      const size_t length = i == 0 ? 4096 : size_t(512) << (i % 4), first = i == 0 ? 4096 : at(0, size - length);
      std::string zeroed = bytes_;
      std::fill_n(zeroed.begin() + static_cast<std::ptrdiff_t>(first), std::min(length, size - first), '\0');
      out.push_back({QString("bytes %1-%2 zeroed").arg(first).arg(first + length - 1), withBytes(zeroed)});
    }
    for (const DatasetShape& d : datasetsOf(original_)) {
      const char* path = d.path.c_str();
      const hid_t other = d.kind == H5T_FLOAT ? H5T_STD_I8LE : d.kind == H5T_INTEGER ? H5T_IEEE_F64LE : H5T_STD_I32LE;
      out.push_back({QString("%1 of another type").arg(path), [d, other](const std::string& p) { return replaceDataset(p, d.path.c_str(), other, d.dims); }});
      std::vector<hsize_t> wider = d.dims;  // a dimension more, or the last one longer
      if (wider.size() <= 1) wider.push_back(2);
      else wider.back() += 1;
      const hid_t type = d.kind == H5T_FLOAT ? H5T_IEEE_F32LE : d.kind == H5T_INTEGER ? H5T_STD_I64LE : H5T_STD_I8LE;
      out.push_back({QString("%1 of another shape").arg(path), [d, wider, type](const std::string& p) { return replaceDataset(p, d.path.c_str(), type, wider); }});
    }
    const int64_t steps = static_cast<int64_t>(whole_.steps.size()), snapshots = static_cast<int64_t>(whole_.snapshots.size());
    const std::pair<const char*, int64_t> counts[] = {
        {"/status/steps", steps + 1},   {"/status/steps", 100000000},     {"/status/steps", int64_t(1) << 40}, {"/status/steps", -1},
        {"/status/snapshots", snapshots + 1}, {"/status/snapshots", int64_t(1) << 40}, {"/status/valid_evals", 100000000},
        {"/status/test_evals", 5},      {"/status/changes", int64_t(1) << 40}, {"/status/state", 7}, {"/status/state", -3}};
    for (const auto& [dataset, value] : counts)
      out.push_back({QString("%1 = %2").arg(dataset).arg(value), [dataset = dataset, value = value](const std::string& p) { return setInt(p, dataset, value, false); }});
    for (int64_t version : {int64_t(0), int64_t(99)})
      out.push_back({QString("format_version = %1").arg(version), [version](const std::string& p) { return setInt(p, "format_version", version, true); }});
    out.push_back({"task_names one short", [](const std::string& p) { return replaceStringListAttribute(p, "task_names", {"click"}); }});
    out.push_back({"task_types of an unknown type", [](const std::string& p) { return replaceStringListAttribute(p, "task_types", {"binary", "ordinal", "binary"}); }});
    for (const char* name : {"config", "task_names", "format", "device"})
      out.push_back({QString("attribute %1 an integer").arg(name), [name](const std::string& p) { return replaceWithInt(p, name); }});
    return out;
  }

private Q_SLOTS:
  void initTestCase()
  {
    QVERIFY(dir_.isValid());
    original_ = file("real.h5");
    QProcess train;
    train.setWorkingDirectory(dir_.path());
    train.start(SEESAW_TRAIN, {"demo", "--steps", "120", "--snapshot-every", "20", "--eval-every", "40", "--checkpoint-every", "60", "--trace",
                               QString::fromStdString(original_), "--summary", "real.json"});
    QVERIFY(train.waitForFinished(300000));
    QCOMPARE(train.exitCode(), 0);
    bytes_ = contents(original_);
    whole_ = readWhole(original_);
    QCOMPARE(whole_.steps.size(), size_t(120));
    QCOMPARE(whole_.snapshots.size(), size_t(6));
    QVERIFY(!whole_.valid.empty() && !whole_.test.empty() && whole_.changes.size() == 2);
  }

  void everyDamagedTraceIsRefusedOrReadAsPartOfTheOriginal()
  {
    const std::vector<Variant> all = variants();
    QVERIFY(all.size() >= 200);
    const std::string damaged = file("damaged.h5");
    int refused = 0, read = 0;
    double slowest = 0;
    for (const Variant& v : all) {
      std::filesystem::copy_file(original_, damaged, std::filesystem::copy_options::overwrite_existing);
      QVERIFY2(v.make(damaged), qPrintable(v.what));
      QElapsedTimer clock;
      clock.start();
      bool readable = false;
      try {
        const QString differs = difference(readWhole(damaged), whole_);
        QVERIFY2(differs.isEmpty(), qPrintable(v.what + ": read, but " + differs + " differs from the original"));
        readable = true;
        ++read;
      } catch (const Error& e) {
        QVERIFY2(QString(e.what()).startsWith(QString::fromStdString("trace " + damaged + ": ")), qPrintable(v.what + ": " + e.what()));
        ++refused;
      }
      const double seconds = static_cast<double>(clock.elapsed()) / 1000;
      slowest = std::max(slowest, seconds);
      QVERIFY2(seconds < kReadLimitS, qPrintable(QString("%1: read for %2 s").arg(v.what).arg(seconds)));

      // The command-line validator agrees, and says why on a refusal.
      QProcess validate;
      validate.start(SEESAW_TRACE, {"validate", QString::fromStdString(damaged)});
      QVERIFY2(validate.waitForFinished(static_cast<int>(kReadLimitS * 1000)), qPrintable(v.what + ": validate did not finish"));
      QCOMPARE(validate.exitStatus(), QProcess::NormalExit);
      const QString err = QString::fromUtf8(validate.readAllStandardError());
      QVERIFY2(validate.exitCode() == (readable ? 0 : 1), qPrintable(v.what + ": validate exited " + QString::number(validate.exitCode()) + ": " + err));
      if (!readable) QVERIFY2(err.contains(QString::fromStdString(damaged)), qPrintable(v.what + ": " + err));
    }
    qInfo("%zu damaged traces: %d refused with a message, %d read as part of the original; the slowest took %.2f s", all.size(), refused, read,
          slowest);
    QVERIFY(refused > 150);  // most damage is refused, not read around
  }
};

QTEST_GUILESS_MAIN(TestTraceCorruption)
#include "tst_trace_corruption.moc"
