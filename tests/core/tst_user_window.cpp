#include <QtTest>

#include <ATen/ATen.h>

#include <cmath>
#include <map>
#include <set>

#include "train/user_window.h"

using namespace seesaw;

namespace {

constexpr int K = 3;
constexpr int64_t kUsers = 40, kDim = 5;

struct StepInput
{
  at::Tensor rows;     // [K, U, dim]
  at::Tensor users;    // [B]
  at::Tensor weights;  // [K]
};

std::vector<StepInput> randomSteps(int steps)
{
  at::manual_seed(11);
  std::vector<StepInput> out;
  for (int s = 0; s < steps; ++s) {
    // Users 30..39 are never in a batch; duplicates within a batch are common.
    out.push_back({at::randn({K, kUsers, kDim}), at::randint(0, 30, {24}, at::kLong), at::rand({K}) + 0.5});
  }
  return out;
}

// The definition, one user and one step at a time.
struct Expected
{
  double gram[K][K] = {};
  double weight[K] = {};
  int steps = 0, count = 0;
};

std::map<int64_t, Expected> bruteForce(const std::vector<StepInput>& steps, size_t begin, size_t end)
{
  std::map<int64_t, Expected> out;
  for (size_t s = begin; s < end; ++s) {
    const auto users = steps[s].users.accessor<int64_t, 1>();
    const auto rows = steps[s].rows.accessor<float, 3>();
    std::set<int64_t> seen;
    for (int64_t i = 0; i < users.size(0); ++i) {
      out[users[i]].count += 1;
      seen.insert(users[i]);
    }
    for (int64_t u : seen) {
      Expected& e = out[u];
      e.steps += 1;
      for (int k = 0; k < K; ++k) {
        e.weight[k] += steps[s].weights[k].item<double>();
        for (int l = 0; l < K; ++l)
          for (int64_t d = 0; d < kDim; ++d) e.gram[k][l] += double(rows[k][u][d]) * double(rows[l][u][d]);
      }
    }
  }
  return out;
}

void compare(const UserSnapshot& got, const std::map<int64_t, Expected>& expected)
{
  for (int64_t u = 0; u < kUsers; ++u) {
    const auto it = expected.find(u);
    if (it == expected.end()) {
      QCOMPARE(got.count[u], 0);
      for (int p = 0; p < 3; ++p) QVERIFY(std::isnan(got.cosine[u * 3 + p]));
      for (int k = 0; k < K; ++k) QVERIFY(std::isnan(got.gradNorm[u * K + k]));
      continue;
    }
    const Expected& e = it->second;
    QCOMPARE(got.count[u], e.count);
    int pair = 0;
    for (int k = 0; k < K; ++k) {
      QVERIFY(std::abs(got.gradNorm[u * K + k] - std::sqrt(e.gram[k][k])) <= 1e-5 * std::sqrt(e.gram[k][k]));
      QVERIFY(std::abs(got.weight[u * K + k] - e.weight[k] / e.steps) <= 1e-6);
      for (int l = k + 1; l < K; ++l, ++pair) {
        const double cosine = e.gram[k][l] / std::sqrt(e.gram[k][k] * e.gram[l][l]);
        const float c = got.cosine[u * 3 + pair];
        QVERIFY2(std::abs(c - cosine) <= 1e-5, qPrintable(QString("user %1 pair %2: %3 vs %4").arg(u).arg(pair).arg(c).arg(cosine)));
        QVERIFY(c >= -1.0f && c <= 1.0f);
      }
    }
  }
}

}  // namespace

class TestUserWindow : public QObject
{
  Q_OBJECT
private Q_SLOTS:
  void windowsEqualTheDefinitionAcrossBoundaries_data()
  {
    QTest::addColumn<int>("accumulate");
    QTest::newRow("host loop") << int(UserWindow::Accumulate::HostLoop);
    QTest::newRow("tensors") << int(UserWindow::Accumulate::Tensors);
  }
  void windowsEqualTheDefinitionAcrossBoundaries()
  {
    QFETCH(int, accumulate);
    const auto steps = randomSteps(7);
    UserWindow window(kUsers, K, c10::kCPU, UserWindow::Accumulate(accumulate));
    QVERIFY(window.empty());
    for (int s = 0; s < 3; ++s) window.add(s + 1, steps[s].rows, steps[s].users, steps[s].weights);
    const UserSnapshot first = window.take(3);
    QCOMPARE(first.windowStart, int64_t(1));
    QCOMPARE(first.step, int64_t(3));
    compare(first, bruteForce(steps, 0, 3));
    QVERIFY(window.empty());
    // The next window starts from zero: nothing of the first leaks into it.
    for (int s = 3; s < 7; ++s) window.add(s + 1, steps[s].rows, steps[s].users, steps[s].weights);
    const UserSnapshot second = window.take(7);
    QCOMPARE(second.windowStart, int64_t(4));
    compare(second, bruteForce(steps, 3, 7));
  }
  void oppositeRowsGiveMinusOneAndZeroRowsGiveNaN()
  {
    at::Tensor rows = at::zeros({K, kUsers, kDim});
    rows[0][5] = at::arange(kDim).to(at::kFloat) + 1;
    rows[1][5] = -2 * rows[0][5];
    rows[2][5] = rows[0][5];
    for (auto accumulate : {UserWindow::Accumulate::HostLoop, UserWindow::Accumulate::Tensors}) {
      UserWindow window(kUsers, K, c10::kCPU, accumulate);
      window.add(1, rows, at::tensor({5, 5, 6}, at::kLong), at::ones({K}));
      const UserSnapshot s = window.take(1);
      QCOMPARE(s.count[5], 2);
      QCOMPARE(s.cosine[5 * 3 + 0], -1.0f);  // (0, 1)
      QCOMPARE(s.cosine[5 * 3 + 1], 1.0f);   // (0, 2)
      QCOMPARE(s.cosine[5 * 3 + 2], -1.0f);  // (1, 2)
      // User 6 was seen but its rows are zero: its norms are 0 and its directions undefined.
      QCOMPARE(s.count[6], 1);
      QCOMPARE(s.gradNorm[6 * K], 0.0f);
      QVERIFY(std::isnan(s.cosine[6 * 3]));
    }
  }
};

QTEST_APPLESS_MAIN(TestUserWindow)
#include "tst_user_window.moc"
