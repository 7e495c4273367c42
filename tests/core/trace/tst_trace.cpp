// The trace format: records round-trip exactly, older layouts read as documented, records of the
// wrong shape are refused, and the run's end is recorded. tst_trace_robustness: growing, killed,
// bad and damaged files.
#include <QtTest>

#include <hdf5.h>

#include <cmath>
#include <functional>

#include "trace/trace_reader.h"
#include "trace/trace_writer.h"
#include "trace_checks.h"
#include "util/error.h"

using namespace seesaw;
using namespace seesaw::testing;

namespace {

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
// magnitude ratio, the string attributes variable-length.
bool toSingleLevelLayout(const std::string& path)
{
  if (!toVersion2Attributes(path)) return false;
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

};

QTEST_GUILESS_MAIN(TestTrace)
#include "tst_trace.moc"
