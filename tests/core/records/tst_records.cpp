// The records layer: the one task-pair order every per-pair value is stored in, and one entity's
// rows cut from a snapshot.

#include <QtTest>

#include <cmath>
#include <vector>

#include "records/geometry_snapshot.h"
#include "records/task_pairs.h"

using namespace seesaw;

class RecordsTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  // (0,1), (0,2), ..., (0,K-1), (1,2), ...: the order forEachPair walks, pairIndex numbers and
  // pairTasks inverts, for every K a run may have.
  void pairsAreNumberedInOneOrder()
  {
    QCOMPARE(pairCount(1), 0);
    QCOMPARE(pairCount(2), 1);
    QCOMPARE(pairCount(5), 10);
    for (int K = 1; K <= 9; ++K) {
      int walked = 0;
      forEachPair(K, [&](int k, int l) {
        QVERIFY(k < l);
        QCOMPARE(pairIndex(k, l, K), walked);
        QCOMPARE(pairIndex(l, k, K), walked);  // either order names the same pair
        QCOMPARE(pairTasks(walked, K), std::make_pair(k, l));
        ++walked;
      });
      QCOMPARE(walked, pairCount(K));
      QCOMPARE(pairTasks(-1, K), std::make_pair(-1, -1));
      QCOMPARE(pairTasks(pairCount(K), K), std::make_pair(-1, -1));
    }
    // Four tasks written out: the third pair is (0, 3), the fourth (1, 2).
    QCOMPARE(pairTasks(2, 4), std::make_pair(0, 3));
    QCOMPARE(pairTasks(3, 4), std::make_pair(1, 2));
    QCOMPARE(pairIndex(2, 3, 4), 5);
  }

  // A step's K x K cosine gives its pairs from the upper triangle; a record without analysis
  // (no matrix) gives none rather than reading past it.
  void pairEntriesComeFromTheUpperTriangle()
  {
    const std::vector<float> matrix = {1, 0.1f, 0.2f, 0.1f, 1, 0.3f, 0.2f, 0.3f, 1};
    QCOMPARE(pairEntries(matrix, 3), (std::vector<float>{0.1f, 0.2f, 0.3f}));
    QVERIFY(pairEntries(std::vector<float>{}, 3).empty());
    QVERIFY(pairEntries(std::vector<float>(4, 0.0f), 3).empty());
    std::vector<double> out(3, -9);
    const std::vector<double> asymmetric = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    copyPairEntries(asymmetric.data(), 3, out.begin());
    QCOMPARE(out, (std::vector<double>{1, 2, 5}));
  }

  // A user's history is made of rows cut from snapshots: every field of every level, and NaN with
  // count 0 for an entity the snapshot does not hold (one read empty after damage).
  void entityRowCutsEveryFieldOfOneEntity()
  {
    const size_t K = 3, P = 3, E = 4;
    EntityGeometry g;
    g.levels.resize(2);
    for (size_t e = 0; e < E; ++e) {
      g.count.push_back(static_cast<int32_t>(10 + e));
      for (size_t k = 0; k < K; ++k) g.weight.push_back(static_cast<float>(100 * e + k));
      for (size_t b = 0; b < 2; ++b) {
        for (size_t p = 0; p < P; ++p) g.levels[b].cosine.push_back(static_cast<float>(b) + 0.1f * static_cast<float>(e) + 0.01f * static_cast<float>(p));
        for (size_t k = 0; k < K; ++k) {
          g.levels[b].gradNorm.push_back(static_cast<float>(1000 * b + 10 * e + k));
          g.levels[b].magnitudeRatio.push_back(static_cast<float>(e + k) / 8);
        }
      }
    }
    const EntityGeometry row = entityRow(g, 2, K);
    QCOMPARE(row.count, (std::vector<int32_t>{12}));
    QCOMPARE(row.weight, (std::vector<float>{200, 201, 202}));
    QCOMPARE(row.levels.size(), size_t(2));
    QCOMPARE(row.levels[1].cosine, (std::vector<float>{1 + 0.2f + 0.0f, 1 + 0.2f + 0.01f, 1 + 0.2f + 0.02f}));
    QCOMPARE(row.levels[1].gradNorm, (std::vector<float>{1020, 1021, 1022}));
    QCOMPARE(row.levels[0].magnitudeRatio, (std::vector<float>{2.0f / 8, 3.0f / 8, 4.0f / 8}));

    const EntityGeometry missing = entityRow(g, E, K);
    QCOMPARE(missing.count, (std::vector<int32_t>{0}));
    QCOMPARE(missing.levels.size(), size_t(2));
    for (float v : missing.weight) QVERIFY(std::isnan(v));
    for (float v : missing.levels[0].cosine) QVERIFY(std::isnan(v));
    QCOMPARE(missing.levels[0].cosine.size(), P);
  }

  // A derived snapshot handed over as a ready pending one reads back unchanged, any number of times.
  void readyGeometryHoldsTheSnapshot()
  {
    GeometrySnapshot s;
    s.step = 40;
    s.windowStart = 31;
    s.users.count = {3, 0};
    const PendingGeometry pending = readyGeometry(s);
    const PendingGeometry copy = pending;
    QCOMPARE(pending.get().step, int64_t(40));
    QCOMPARE(copy.get().windowStart, int64_t(31));
    QCOMPARE(&pending.get(), &copy.get());  // one record, shared
    QCOMPARE(copy.get().users.count, (std::vector<int32_t>{3, 0}));
  }
};

QTEST_MAIN(RecordsTest)
#include "tst_records.moc"
