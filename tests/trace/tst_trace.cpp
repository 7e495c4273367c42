// The trace: records round-trip exactly; a growing file is read while it is written; a writer
// killed at random moments leaves a file holding every committed record; bad and damaged files
// are refused with a message and never crash the reader; an independent reader (h5dump) reads it.
#include <QtTest>

#include <hdf5.h>
#include <signal.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "synthetic_records.h"
#include "trace/trace_reader.h"
#include "trace/trace_writer.h"
#include "util/error.h"

using namespace seesaw;
using namespace seesaw::testing;

namespace {

bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

template <typename T>
bool sameVector(const std::vector<T>& a, const std::vector<T>& b)
{
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same(static_cast<float>(a[i]), static_cast<float>(b[i]))) return false;
  return true;
}

void checkStep(const StepRecord& got, int64_t step)
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

void checkLevel(const LevelGeometry& got, const LevelGeometry& want)
{
  QVERIFY(sameVector(got.cosine, want.cosine));
  QVERIFY(sameVector(got.gradNorm, want.gradNorm));
  QVERIFY(sameVector(got.magnitudeRatio, want.magnitudeRatio));
}

void checkEntity(const EntityGeometry& got, const EntityGeometry& want)
{
  QCOMPARE(got.count, want.count);
  QVERIFY(sameVector(got.weight, want.weight));
  QCOMPARE(got.levels.size(), want.levels.size());
  for (size_t l = 0; l < want.levels.size(); ++l) checkLevel(got.levels[l], want.levels[l]);
}

void checkSnapshot(const GeometrySnapshot& got, int64_t step, bool items = true)
{
  const GeometrySnapshot want = syntheticSnapshot(step, items);
  QCOMPARE(got.step, want.step);
  QCOMPARE(got.windowStart, want.windowStart);
  checkEntity(got.users, want.users);
  QCOMPARE(got.items.empty(), !items);
  if (items) checkEntity(got.items, want.items);
}

// A whole float dataset, read through its path (links followed) without Seesaw's reader.
std::vector<float> readPath(const std::string& file, const char* path)
{
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  const hid_t space = H5Dget_space(d);
  std::vector<float> values(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
  H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
  return values;
}

// The target of a soft link; empty when the path is not one.
std::string softLinkTarget(const std::string& file, const std::string& path)
{
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  H5L_info_t link;
  std::string target;
  if (H5Lget_info(f, path.c_str(), &link, H5P_DEFAULT) >= 0 && link.type == H5L_TYPE_SOFT) {
    std::vector<char> value(link.u.val_size);
    if (H5Lget_val(f, path.c_str(), value.data(), value.size(), H5P_DEFAULT) >= 0) target = value.data();
  }
  H5Fclose(f);
  return target;
}

// Rewrites a trace into format version 1, from before levels and items: the embedding level's
// cosine and norms as the datasets /users/cosine and /users/grad_norm, no /users/level, no
// magnitude ratio.
bool toSingleLevelLayout(const std::string& path)
{
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  bool done = f >= 0;
  for (const char* link : {"/users/cosine", "/users/grad_norm", "/users/magnitude_ratio", "/users/level", "/users/exact", "/items"})
    done = done && H5Ldelete(f, link, H5P_DEFAULT) >= 0;
  for (const char* name : {"cosine", "grad_norm"}) {
    const std::string from = std::string("/users/embedding/") + name, to = std::string("/users/") + name;
    done = done && H5Lmove(f, from.c_str(), f, to.c_str(), H5P_DEFAULT, H5P_DEFAULT) >= 0;
  }
  done = done && H5Ldelete(f, "/users/embedding", H5P_DEFAULT) >= 0;
  const int64_t one = 1;
  const hid_t version = H5Aopen(f, "format_version", H5P_DEFAULT);
  done = done && version >= 0 && H5Awrite(version, H5T_NATIVE_INT64, &one) >= 0 && H5Aclose(version) >= 0;
  return H5Fclose(f) >= 0 && done;
}

QString writerFailure(const std::string& path, const RunInfo& info, const GeometrySnapshot& snapshot)
{
  TraceWriter writer(TraceOptions{path, trace::Compression::None, 1000, 1.0, nullptr});
  writer.begin(info);
  writer.geometry(readyGeometry(snapshot));
  try {
    writer.end(RunEnd{10, false, ""});
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

EvalRecord evalAt(int64_t step, const char* split)
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
void writeTrace(const std::string& path, int64_t steps, trace::Compression compression = trace::Compression::None, bool items = true)
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

QString refusal(const std::string& path)
{
  try {
    TraceReader reader(path);
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

// The last "committed N" a child writer printed.
int64_t lastCommitted(const QByteArray& output)
{
  int64_t last = 0;
  for (const QByteArray& line : output.split('\n'))
    if (line.startsWith("committed ")) last = line.mid(10).toLongLong();
  return last;
}

}  // namespace

class TestTrace : public QObject
{
  Q_OBJECT

  QTemporaryDir dir_;
  std::string file(const char* name) const { return dir_.filePath(name).toStdString(); }

private Q_SLOTS:
  void recordsRoundTripExactly()
  {
    for (auto compression : {trace::Compression::None, trace::Compression::Deflate}) {
      const std::string path = file(compression == trace::Compression::None ? "plain.h5" : "deflate.h5");
      writeTrace(path, 137, compression);
      TraceReader reader(path);
      const RunInfo want = syntheticRunInfo(), &got = reader.info();
      QCOMPARE(reader.formatVersion(), trace::kFormatVersion);
      QCOMPARE(got.taskNames, want.taskNames);
      QVERIFY(got.taskTypes == want.taskTypes);
      QCOMPARE(got.moduleNames, want.moduleNames);
      QCOMPARE(got.methodStateNames, want.methodStateNames);
      QCOMPARE(got.userIds, want.userIds);
      QCOMPARE(got.userGroups, want.userGroups);
      QCOMPARE(got.geometryLevels, want.geometryLevels);
      QVERIFY(got.itemGeometry);
      QCOMPARE(got.itemIds, want.itemIds);
      QCOMPARE(got.configJson, want.configJson);
      QCOMPARE(got.data.labelMeans, want.data.labelMeans);
      QCOMPARE(got.data.rows, want.data.rows);
      QCOMPARE(got.userSnapshotEvery, want.userSnapshotEvery);
      QCOMPARE(got.startTime, want.startTime);
      QCOMPARE(reader.status().state, trace::RunState::Finished);

      QCOMPARE(reader.stepCount(), int64_t(137));
      const auto steps = reader.steps(0, 137);
      for (int64_t i = 0; i < 137; ++i) checkStep(steps[static_cast<size_t>(i)], i + 1);
      checkStep(reader.step(99), 100);
      QCOMPARE(reader.stepIndexAtOrBefore(50), std::optional<int64_t>(49));
      QCOMPARE(reader.stepIndexAtOrBefore(0), std::optional<int64_t>());
      QCOMPARE(reader.stepIndexAtOrBefore(10000), std::optional<int64_t>(136));

      QCOMPARE(reader.snapshotCount(), int64_t(13));
      QCOMPARE(reader.snapshotSteps().back(), int64_t(130));
      for (int64_t i = 0; i < reader.snapshotCount(); ++i) checkSnapshot(reader.snapshot(i), (i + 1) * kSnapshotEvery);
      QCOMPARE(reader.snapshotIndexAtOrBefore(59), std::optional<int64_t>(4));

      const auto evals = reader.evals();
      QCOMPARE(evals.size(), size_t(6));  // steps 25 .. 125, then the test
      QCOMPARE(evals[2].step, int64_t(75));
      QCOMPARE(evals[2].split, std::string("valid"));
      QCOMPARE(evals[2].auc[1], 0.8);
      QVERIFY(std::isnan(evals[2].auc[2]));
      QCOMPARE(evals.back().split, std::string("test"));
      QCOMPARE(evals.back().mse[2], 138.25);
    }
  }

  void emptyAnalysisFieldsAreStoredAsNaN()
  {
    const std::string path = file("plain-backward.h5");
    {
      TraceWriter writer(TraceOptions{path, trace::Compression::None, 1000, 1.0, nullptr});
      writer.begin(syntheticRunInfo());
      StepRecord r = syntheticStep(1);
      r.moduleCosine.clear();  // a step without per-task gradients
      r.methodState.clear();
      writer.step(r);
      GeometrySnapshot g = syntheticSnapshot(kSnapshotEvery);
      g.users.levels[1].magnitudeRatio.clear();
      g.items.weight.clear();
      writer.geometry(readyGeometry(g));
      writer.end(RunEnd{1, true, ""});
    }
    TraceReader reader(path);
    const GeometrySnapshot snapshot = reader.snapshot(0);
    QCOMPARE(snapshot.users.levels[1].magnitudeRatio.size(), size_t(kUsers * kTasks));
    for (float v : snapshot.users.levels[1].magnitudeRatio) QVERIFY(std::isnan(v));
    QCOMPARE(snapshot.items.weight.size(), size_t(kItems * kTasks));
    for (float v : snapshot.items.weight) QVERIFY(std::isnan(v));
    checkLevel(snapshot.users.levels[0], syntheticSnapshot(kSnapshotEvery).users.levels[0]);
    QCOMPARE(reader.status().state, trace::RunState::Stopped);
    const StepRecord got = reader.step(0);
    QCOMPARE(got.moduleCosine.size(), size_t(kModules * kPairs));
    for (float v : got.moduleCosine) QVERIFY(std::isnan(v));
    QCOMPARE(got.methodState.size(), size_t(kMethodStates));
    for (float v : got.methodState) QVERIFY(std::isnan(v));
  }

  void aMethodThatReportsNothingHasNoState()
  {
    const std::string path = file("stateless.h5");
    {
      RunInfo info = syntheticRunInfo();
      info.methodStateNames.clear();
      TraceWriter writer(TraceOptions{path, trace::Compression::Deflate, 1000, 1.0, nullptr});
      writer.begin(info);
      for (int64_t s = 1; s <= 5; ++s) {
        StepRecord r = syntheticStep(s);
        r.methodState.clear();
        writer.step(r);
      }
      writer.end(RunEnd{5, false, ""});
    }
    TraceReader reader(path);
    QVERIFY(reader.info().methodStateNames.empty());
    QCOMPARE(reader.stepCount(), int64_t(5));
    for (const StepRecord& r : reader.steps(0, 5)) {
      QVERIFY(r.methodState.empty());
      QVERIFY(sameVector(r.loss, syntheticStep(r.step).loss));
    }

    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(f, "/steps/method_state", H5P_DEFAULT);
    const hid_t space = H5Dget_space(d);
    hsize_t dims[2] = {};
    QCOMPARE(H5Sget_simple_extent_ndims(space), 2);
    H5Sget_simple_extent_dims(space, dims, nullptr);
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(f);
    QCOMPARE(dims[0], hsize_t(5));
    QCOMPARE(dims[1], hsize_t(0));
  }

  void aMethodStateOfTheWrongSizeIsRefused()
  {
    for (const bool named : {true, false}) {
      const std::string path = file(named ? "wrong-state.h5" : "unnamed-state.h5");
      RunInfo info = syntheticRunInfo();
      if (!named) info.methodStateNames.clear();
      StepRecord r = syntheticStep(1);
      r.methodState.resize(2);
      TraceWriter writer(TraceOptions{path, trace::Compression::None, 1000, 1.0, nullptr});
      writer.begin(info);
      writer.step(r);
      QString message;
      try {
        writer.end(RunEnd{1, false, ""});
      } catch (const Error& e) {
        message = e.what();
      }
      const QString want = QString("record field method_state has 2 values, expected %1").arg(named ? kMethodStates : 0);
      QVERIFY2(message.contains(want), qPrintable(message));
      QCOMPARE(TraceReader(path).status().state, trace::RunState::Failed);
    }
  }

  void aTraceFromBeforeMethodStateReadsAsNoState()
  {
    const std::string path = file("before-method-state.h5");
    writeTrace(path, 30);
    {
      const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      QVERIFY(H5Ldelete(f, "/steps/method_state", H5P_DEFAULT) >= 0);
      QVERIFY(H5Ldelete(f, "/method", H5P_DEFAULT) >= 0);
      H5Fclose(f);
    }
    TraceReader reader(path);
    QVERIFY(reader.info().methodStateNames.empty());
    QCOMPARE(reader.stepCount(), int64_t(30));
    const auto steps = reader.steps(0, 30);
    for (size_t i = 0; i < steps.size(); ++i) {
      StepRecord got = steps[i];
      QVERIFY(got.methodState.empty());
      got.methodState = syntheticStep(got.step).methodState;  // everything else as written
      checkStep(got, static_cast<int64_t>(i) + 1);
    }
    reader.readAll();
    QVERIFY(!reader.refresh().any());
  }

  void theChangeLogRoundTrips()
  {
    const std::string path = file("changes.h5");
    {
      TraceWriter writer(TraceOptions{path, trace::Compression::Deflate, 1000, 1.0, nullptr});
      writer.begin(syntheticRunInfo(false));
      for (int64_t s = 1; s <= 20; ++s) {
        if (s == 5) writer.change({5, "train.lr", "0.001", "0.0005", ""});
        if (s == 9) writer.change({9, "method.name", "\"ew\"", "\"nope\"", "unknown method 'nope'"});
        if (s == 12) writer.change({12, "train.task_weights", "[1.0,1.0,1.0]", std::string(300, '7'), ""});
        writer.step(syntheticStep(s));
      }
      writer.end(RunEnd{20, false, ""});
    }
    TraceReader reader(path);
    const auto changes = reader.changes();
    QCOMPARE(changes.size(), size_t(3));
    QCOMPARE(changes[0].step, int64_t(5));
    QCOMPARE(changes[0].field, std::string("train.lr"));
    QCOMPARE(changes[0].oldValue, std::string("0.001"));
    QCOMPARE(changes[0].newValue, std::string("0.0005"));
    QVERIFY(changes[0].refused.empty());
    QCOMPARE(changes[1].refused, std::string("unknown method 'nope'"));
    QCOMPARE(changes[2].newValue, std::string(trace::kChangeTextBytes - 3, '7') + "...");  // cut to the stored width, marked
    reader.readAll();
  }

  void aTraceFromBeforeTheChangeLogReadsAsNoChanges()
  {
    const std::string path = file("before-changes.h5");
    writeTrace(path, 30);
    {
      const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      QVERIFY(H5Ldelete(f, "/changes", H5P_DEFAULT) >= 0);
      QVERIFY(H5Ldelete(f, "/status/changes", H5P_DEFAULT) >= 0);
      H5Fclose(f);
    }
    TraceReader reader(path);
    QVERIFY(reader.changes().empty());
    QCOMPARE(reader.stepCount(), int64_t(30));
    reader.readAll();
    QVERIFY(!reader.refresh().any());
  }

  void theDefaultLevelIsLinkedNotCopied()
  {
    const std::string path = file("links.h5");
    writeTrace(path, 30);
    for (const std::string group : {"/users/", "/items/"})
      for (const std::string name : {"cosine", "grad_norm", "magnitude_ratio"})
        QCOMPARE(softLinkTarget(path, group + name), group + "exact/" + name);
    QVERIFY(softLinkTarget(path, "/users/exact/cosine").empty());  // the level's own series is the dataset

    // A reader that knows nothing of levels reads the default level where the single one was.
    TraceReader reader(path);
    const auto cosine = readPath(path, "/users/cosine"), itemRatio = readPath(path, "/items/magnitude_ratio");
    QCOMPARE(cosine.size(), size_t(3 * kUsers * kPairs));
    QCOMPARE(itemRatio.size(), size_t(3 * kItems * kTasks));
    for (int64_t i = 0; i < 3; ++i) {
      const GeometrySnapshot s = reader.snapshot(i);
      const auto row = [&](const std::vector<float>& all, size_t width) {
        return std::vector<float>(all.begin() + static_cast<std::ptrdiff_t>(i) * static_cast<std::ptrdiff_t>(width),
                                  all.begin() + static_cast<std::ptrdiff_t>(i + 1) * static_cast<std::ptrdiff_t>(width));
      };
      QVERIFY(sameVector(row(cosine, kUsers * kPairs), s.users.levels[0].cosine));
      QVERIFY(sameVector(row(itemRatio, kItems * kTasks), s.items.levels[0].magnitudeRatio));
    }
  }

  void aRunWithoutItemGeometryHasNoItems()
  {
    const std::string path = file("no-items.h5");
    writeTrace(path, 30, trace::Compression::Deflate, false);
    TraceReader reader(path);
    QVERIFY(!reader.info().itemGeometry);
    QVERIFY(reader.info().itemIds.empty());
    QCOMPARE(reader.info().geometryLevels, syntheticRunInfo().geometryLevels);
    QCOMPARE(reader.snapshotCount(), int64_t(3));
    for (int64_t i = 0; i < 3; ++i) checkSnapshot(reader.snapshot(i), (i + 1) * kSnapshotEvery, false);
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    QCOMPARE(H5Lexists(f, "/items", H5P_DEFAULT), htri_t(0));
    H5Fclose(f);
  }

  void aRunWithoutLevelsRecordsCountsAndWeights()
  {
    const std::string path = file("no-levels.h5");
    RunInfo info = syntheticRunInfo(false);
    info.geometryLevels.clear();
    GeometrySnapshot g = syntheticSnapshot(kSnapshotEvery, false);
    g.users.levels.clear();
    QCOMPARE(writerFailure(path, info, g), QString());
    TraceReader reader(path);
    QVERIFY(reader.info().geometryLevels.empty());
    const GeometrySnapshot got = reader.snapshot(0);
    QVERIFY(got.users.levels.empty());
    QCOMPARE(got.users.count, g.users.count);
    QVERIFY(sameVector(got.users.weight, g.users.weight));
  }

  void oneLevelOrTheUsersAloneCanBeRead()
  {
    const std::string path = file("one-level.h5");
    writeTrace(path, 20);
    TraceReader reader(path);
    const GeometrySnapshot got = reader.snapshot(1, false, 1), want = syntheticSnapshot(20);
    QCOMPARE(got.step, int64_t(20));
    QVERIFY(got.items.empty());
    QCOMPARE(got.users.levels.size(), size_t(kLevels));
    QVERIFY(got.users.levels[0].cosine.empty());
    checkLevel(got.users.levels[1], want.users.levels[1]);
    QCOMPARE(got.users.count, want.users.count);
    try {
      reader.snapshot(0, true, 2);
      QFAIL("a level past the recorded ones was read");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("geometry level 2 out of range (it records 2)"), e.what());
    }
  }

  void aTraceFromBeforeLevelsReadsAsTheEmbeddingLevel()
  {
    const std::string path = file("before-levels.h5");
    writeTrace(path, 30);
    QVERIFY(toSingleLevelLayout(path));
    TraceReader reader(path);
    QCOMPARE(reader.formatVersion(), int64_t(1));
    QCOMPARE(reader.info().geometryLevels, std::vector<std::string>{"embedding"});
    QVERIFY(!reader.info().itemGeometry);
    QCOMPARE(reader.snapshotCount(), int64_t(3));
    for (int64_t i = 0; i < 3; ++i) {
      const GeometrySnapshot got = reader.snapshot(i), want = syntheticSnapshot((i + 1) * kSnapshotEvery);
      QVERIFY(got.items.empty());
      QCOMPARE(got.users.count, want.users.count);
      QVERIFY(sameVector(got.users.weight, want.users.weight));
      QCOMPARE(got.users.levels.size(), size_t(1));
      const LevelGeometry &level = got.users.levels[0], &embedding = want.users.levels[1];
      QVERIFY(sameVector(level.cosine, embedding.cosine));
      QVERIFY(sameVector(level.gradNorm, embedding.gradNorm));
      // The ratio, not stored then, follows from the norms: each over the user's largest.
      for (size_t u = 0; u < kUsers; ++u) {
        const auto first = embedding.gradNorm.begin() + static_cast<std::ptrdiff_t>(u * kTasks);
        const float largest = *std::max_element(first, first + kTasks);
        for (size_t k = u * kTasks; k < (u + 1) * kTasks; ++k)
          QVERIFY(same(level.magnitudeRatio[k], want.users.count[u] > 0 ? embedding.gradNorm[k] / largest : std::nanf("")));
      }
    }
    reader.readAll();
  }

  void aSnapshotOfTheWrongShapeIsRefused()
  {
    struct Case
    {
      bool items;
      std::function<void(GeometrySnapshot&)> spoil;
      const char* want;
    };
    const std::vector<Case> cases = {
        {true, [](GeometrySnapshot& g) { g.users.levels.pop_back(); }, "record field users levels has 1 levels, expected 2"},
        {true, [](GeometrySnapshot& g) { g.users.levels[1].gradNorm.resize(4); }, "record field users embedding grad_norm has 4 values, expected 21"},
        {true, [](GeometrySnapshot& g) { g.items.levels[0].cosine.resize(2); }, "record field items exact cosine has 2 values, expected 15"},
        {true, [](GeometrySnapshot& g) { g.items.count.pop_back(); }, "record field items count has 4 values, expected 5"},
        {false, [](GeometrySnapshot& g) { g.items = syntheticSnapshot(g.step).items; }, "record field items holds item geometry, but the run info records none"},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
      const std::string path = file(("wrong-snapshot-" + std::to_string(i) + ".h5").c_str());
      GeometrySnapshot g = syntheticSnapshot(kSnapshotEvery, cases[i].items);
      cases[i].spoil(g);
      const QString message = writerFailure(path, syntheticRunInfo(cases[i].items), g);
      QVERIFY2(message.contains(cases[i].want), qPrintable(message));
      TraceReader reader(path);
      QCOMPARE(reader.status().state, trace::RunState::Failed);
      QCOMPARE(reader.snapshotCount(), int64_t(0));
    }
  }

  void runEndIsRecorded()
  {
    const std::string failed = file("failed.h5"), aborted = file("aborted.h5");
    {
      TraceWriter writer(TraceOptions{failed, trace::Compression::None, 1000, 1.0, nullptr});
      writer.begin(syntheticRunInfo());
      writer.step(syntheticStep(1));
      writer.end(RunEnd{1, false, "step 1: non-finite loss for task click"});
    }
    {
      TraceWriter writer(TraceOptions{aborted, trace::Compression::None, 1000, 1.0, nullptr});
      writer.begin(syntheticRunInfo());
      writer.step(syntheticStep(1));
    }  // destroyed without end(), as when an exception unwinds the run
    TraceReader f(failed), a(aborted);
    QCOMPARE(f.status().state, trace::RunState::Failed);
    QCOMPARE(f.status().message, std::string("step 1: non-finite loss for task click"));
    QCOMPARE(a.status().state, trace::RunState::Aborted);
    QCOMPARE(a.stepCount(), int64_t(1));
  }

  void aGrowingTraceIsReadWhileItIsWritten()
  {
    const std::string path = file("growing.h5");
    QProcess child;
    child.start(TRACE_WRITER_CHILD, {QString::fromStdString(path), "400", "5000"});  // about 2 s
    QVERIFY(child.waitForStarted());
    QByteArray output;
    while (lastCommitted(output) < 40 && child.state() == QProcess::Running) {
      child.waitForReadyRead(2000);
      output += child.readAllStandardOutput();
    }
    TraceReader reader(path);
    QCOMPARE(reader.status().state, trace::RunState::Running);
    const int64_t first = reader.stepCount();
    QVERIFY2(first >= 40, qPrintable(QString::number(first)));
    checkStep(reader.step(first - 1), first);

    int64_t grown = 0;
    for (int i = 0; i < 100 && grown == 0; ++i) {
      QThread::msleep(50);
      grown = reader.refresh().steps;
    }
    QVERIFY(grown > 0);
    QCOMPARE(reader.stepCount(), first + grown);
    const auto added = reader.steps(first, grown);
    for (int64_t i = 0; i < grown; ++i) checkStep(added[static_cast<size_t>(i)], first + i + 1);

    QVERIFY(child.waitForFinished(30000));
    QCOMPARE(child.exitCode(), 0);
    const auto growth = reader.refresh();
    QVERIFY(growth.stateChanged);
    QCOMPARE(reader.status().state, trace::RunState::Finished);
    QCOMPARE(reader.stepCount(), int64_t(400));
    QCOMPARE(reader.snapshotCount(), int64_t(40));
    checkSnapshot(reader.snapshot(39), 400);
  }

  void aKilledWriterLeavesEveryCommittedRecord()
  {
    std::mt19937 rng(20261123);
    for (int round = 0; round < 12; ++round) {
      const std::string path = file(("killed-" + std::to_string(round) + ".h5").c_str());
      QProcess child;
      child.start(TRACE_WRITER_CHILD, {QString::fromStdString(path), "1000000", "200"});
      QVERIFY(child.waitForStarted());
      QThread::msleep(std::uniform_int_distribution<int>(30, 600)(rng));
      ::kill(static_cast<pid_t>(child.processId()), SIGKILL);
      QVERIFY(child.waitForFinished(10000));
      const int64_t committed = lastCommitted(child.readAllStandardOutput());

      try {
        TraceReader reader(path);
        QVERIFY2(reader.stepCount() >= committed,
                 qPrintable(QString("round %1: %2 steps, %3 committed").arg(round).arg(reader.stepCount()).arg(committed)));
        QCOMPARE(reader.status().state, trace::RunState::Running);
        const auto steps = reader.steps(0, reader.stepCount());
        for (size_t i = 0; i < steps.size(); ++i) checkStep(steps[i], static_cast<int64_t>(i) + 1);
        for (int64_t i = 0; i < reader.snapshotCount(); ++i) checkSnapshot(reader.snapshot(i), (i + 1) * kSnapshotEvery);
      } catch (const Error& e) {
        // Killed before the file was created and its first commit made: nothing was promised.
        QVERIFY2(committed == 0, qPrintable(QString("round %1, %2 committed: %3").arg(round).arg(committed).arg(e.what())));
      }
    }
  }

  void badFilesAreRefusedWithAMessage()
  {
    QVERIFY(refusal(file("missing.h5")).contains("no such file"));

    const std::string text = file("notes.h5");
    std::ofstream(text) << "step,loss\n1,0.5\n";
    QVERIFY2(refusal(text).contains("not an HDF5 file"), qPrintable(refusal(text)));

    const std::string foreign = file("foreign.h5");
    H5Fclose(H5Fcreate(foreign.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    QVERIFY2(refusal(foreign).contains("not a Seesaw trace"), qPrintable(refusal(foreign)));

    const std::string newer = file("newer.h5");
    writeTrace(newer, 20);
    {
      const hid_t f = H5Fopen(newer.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      const hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
      const int64_t next = trace::kFormatVersion + 1;
      H5Awrite(a, H5T_NATIVE_INT64, &next);
      H5Aclose(a);
      H5Fclose(f);
    }
    QVERIFY2(refusal(newer).contains("newer than this Seesaw reads"), qPrintable(refusal(newer)));

    const std::string truncated = file("truncated.h5");
    writeTrace(truncated, 300);
    std::filesystem::resize_file(truncated, std::filesystem::file_size(truncated) / 2);
    QVERIFY2(refusal(truncated).contains("truncated"), qPrintable(refusal(truncated)));
    QVERIFY(refusal(truncated).contains(QString::fromStdString(truncated)));
  }

  void damagedFilesNeverCrashTheReader()
  {
    const std::string original = file("original.h5");
    writeTrace(original, 300);
    const auto size = static_cast<int64_t>(std::filesystem::file_size(original));
    std::ifstream in(original, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string damaged = file("damaged.h5");
    int refused = 0, read = 0;
    auto attempt = [&](const std::string& content) {
      std::ofstream(damaged, std::ios::binary | std::ios::trunc) << content;
      try {
        TraceReader(damaged).readAll();
        ++read;
      } catch (const Error& e) {
        QVERIFY(QString(e.what()).contains(QString::fromStdString(damaged)));
        ++refused;
      }
    };
    for (int i = 0; i < 60; ++i) attempt(bytes.substr(0, static_cast<size_t>(size * i / 60)));
    std::mt19937 rng(7);
    for (int i = 0; i < 300; ++i) {
      std::string flipped = bytes;
      const auto at = std::uniform_int_distribution<int64_t>(0, size - 1)(rng);
      flipped[static_cast<size_t>(at)] = static_cast<char>(flipped[static_cast<size_t>(at)] ^ (1 << (i % 8)));
      attempt(flipped);
    }
    qInfo("damaged traces: %d refused with a message, %d read", refused, read);
    QVERIFY(refused >= 60);  // every truncation is refused
  }

  void anIndependentReaderReadsTheTrace()
  {
    const std::string path = file("independent.h5");
    writeTrace(path, 30);
    QProcess h5ls;
    h5ls.start("h5ls", {"-r", QString::fromStdString(path)});
    QVERIFY(h5ls.waitForFinished(30000));
    QCOMPARE(h5ls.exitCode(), 0);
    const QString listing = h5ls.readAllStandardOutput();
    QVERIFY2(listing.contains(QRegularExpression(R"(/steps/cosine\s+Dataset \{30/Inf, 3, 3\})")), qPrintable(listing));
    QVERIFY(listing.contains(QRegularExpression(R"(/users/exact/cosine\s+Dataset \{3/Inf, 7, 3\})")));
    QVERIFY(listing.contains(QRegularExpression(R"(/users/cosine\s+Soft Link \{/users/exact/cosine\})")));
    QVERIFY(listing.contains(QRegularExpression(R"(/users/level\s+Dataset \{2\})")));
    QVERIFY(listing.contains(QRegularExpression(R"(/items/embedding/magnitude_ratio\s+Dataset \{3/Inf, 5, 3\})")));
    QVERIFY(listing.contains(QRegularExpression(R"(/steps/method_state\s+Dataset \{30/Inf, 3\})")));
    QVERIFY(listing.contains(QRegularExpression(R"(/method/state_name\s+Dataset \{3\})")));

    QProcess h5dump;
    h5dump.start("h5dump", {"-d", "/steps/loss", "-s", "4,0", "-c", "1,3", "-m", "%.9g", QString::fromStdString(path)});
    QVERIFY(h5dump.waitForFinished(30000));
    QCOMPARE(h5dump.exitCode(), 0);
    const QString dump = h5dump.readAllStandardOutput();
    const StepRecord step5 = syntheticStep(5);
    for (int k = 0; k < kTasks; ++k) {
      const QString want = QString("(4,%1): %2").arg(k).arg(step5.loss[static_cast<size_t>(k)], 0, 'g', 9);
      QVERIFY2(dump.contains(want), qPrintable(dump + "\nwanted " + want));
    }
  }
};

QTEST_GUILESS_MAIN(TestTrace)
#include "tst_trace.moc"
