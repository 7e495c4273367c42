#include <QtTest>

#include <cmath>
#include <limits>

#include "train/gradient_geometry.h"
#include "train/metrics.h"

using namespace seesaw;

class TestMetrics : public QObject
{
  Q_OBJECT
private Q_SLOTS:
  void aucWithoutTies()
  {
    // Pairs (pos, neg): 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4 -> 3 of 4.
    QCOMPARE(auc({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1}), 0.75);
  }
  void aucCountsTiesAsHalf()
  {
    // Positive 0.5 ties both negatives (2 x 0.5), positive 0.9 beats both: 3 of 4.
    QCOMPARE(auc({0.5f, 0.5f, 0.5f, 0.9f}, {0, 1, 0, 1}), 0.75);
    // Everything tied: exactly chance.
    QCOMPARE(auc({0.3f, 0.3f, 0.3f, 0.3f}, {0, 1, 0, 1}), 0.5);
  }
  void aucOfOneClassIsNaN() { QVERIFY(std::isnan(auc({0.2f, 0.7f}, {1, 1}))); }
  void nanScoresGiveNaNMetricsAndNoHang()
  {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    QVERIFY(std::isnan(auc({0.1f, nan, 0.3f, nan}, {0, 1, 0, 1})));
    QVERIFY(std::isnan(gauc({0.1f, nan, 0.3f, 0.2f}, {0, 1, 0, 1}, {1, 1, 2, 2})));
  }
  void aucIsPerfectAndReversed()
  {
    QCOMPARE(auc({0.1f, 0.2f, 0.8f, 0.9f}, {0, 0, 1, 1}), 1.0);
    QCOMPARE(auc({0.9f, 0.8f, 0.2f, 0.1f}, {0, 0, 1, 1}), 0.0);
  }
  void gaucWeightsUsersBySamplesAndSkipsOneClassUsers()
  {
    // User 1: AUC 1 over 2 samples. User 2: positives 0.2 and 0.5 lose to negative 0.8, AUC 0 over
    // 3 samples. User 3 has positives only and is skipped. (1*2 + 0*3) / 5 = 0.4.
    const std::vector<float> scores = {0.1f, 0.9f, 0.8f, 0.2f, 0.5f, 0.3f, 0.6f};
    const std::vector<float> labels = {0, 1, 0, 1, 1, 1, 1};
    const std::vector<int32_t> users = {1, 1, 2, 2, 2, 3, 3};
    QCOMPARE(gauc(scores, labels, users), 0.4);
  }
  void gaucWithTies()
  {
    // User 7: tie between its positive and one negative (0.5), win over the other: (0.5 + 1) / 2.
    QCOMPARE(gauc({0.5f, 0.5f, 0.1f}, {1, 0, 0}, {7, 7, 7}), 0.75);
  }
  void gaucWithoutQualifyingUsersIsNaN() { QVERIFY(std::isnan(gauc({0.1f, 0.2f}, {1, 0}, {1, 2}))); }
  void logloss()
  {
    // -(ln 0.9 + ln 0.8) / 2
    QVERIFY(std::abs(seesaw::logloss({0.9f, 0.2f}, {1, 0}) - 0.1642520) < 1e-6);
    // Clipping keeps a confident mistake finite: -ln(1e-7).
    QVERIFY(std::abs(seesaw::logloss({0.0f}, {1}) - 16.1180957) < 1e-5);
  }
  void meanSquaredError() { QCOMPARE(seesaw::meanSquaredError({1.0f, 3.0f}, {0.0f, 1.0f}), 2.5); }

  void geometryFromGram()
  {
    // g0 = (3, 4), g1 = (-4, 3) (orthogonal), g2 = (-3, -4) (opposite g0).
    const double gram[9] = {25, 0, -25, 0, 25, 0, -25, 0, 25};
    const GradientGeometry g = seesaw::geometryFromGram(gram, 3);
    QCOMPARE(g.norm, (std::vector<float>{5, 5, 5}));
    QCOMPARE(g.cosine[1], 0.0f);
    QCOMPARE(g.cosine[2], -1.0f);
    QCOMPARE(g.cosine[4], 1.0f);
    QCOMPARE(g.magnitudeRatio, (std::vector<float>{1, 1, 1}));
    QVERIFY(!g.anyZero);
    QCOMPARE(pairCosines(gram, 3), (std::vector<float>{0, -1, 0}));
  }
  void nanGradientIsNotMistakenForAZeroOne()
  {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double gram[4] = {nan, nan, nan, 9};
    const GradientGeometry g = seesaw::geometryFromGram(gram, 2);
    QVERIFY(!g.anyZero);
    QVERIFY(std::isnan(g.norm[0]));
    QCOMPARE(g.norm[1], 3.0f);
    QVERIFY(std::isnan(g.cosine[1]));
    QVERIFY(std::isnan(g.magnitudeRatio[0]));
    QCOMPARE(g.magnitudeRatio[1], 1.0f);
  }
  void zeroGradientGivesNaNCosinesNotZero()
  {
    // g0 = (2, 0), g1 = 0.
    const double gram[4] = {4, 0, 0, 0};
    const GradientGeometry g = seesaw::geometryFromGram(gram, 2);
    QVERIFY(g.anyZero);
    QVERIFY(std::isnan(g.cosine[1]));
    QCOMPARE(g.cosine[0], 1.0f);
    QCOMPARE(g.magnitudeRatio, (std::vector<float>{1, 0}));
  }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
