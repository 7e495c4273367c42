#pragma once
// Arithmetic on combinations of task gradients through their Gram matrix M (M_kl = <g_k, g_l>):
// a vector a of K coefficients stands for sum_k a_k g_k, so inner products and norms of such
// vectors need no pass over the P parameters.

#include <algorithm>
#include <cmath>
#include <vector>

namespace seesaw {

// Two zero-gradient rules, each shared by the methods named (not one rule: 1e-20 on squared norms
// is 1e-10 on norms).
//
// Methods that scale a gradient up to the largest norm (GradNorm, GradVac, GradCraft, DB-MTL's
// buffers) treat a task whose norm is at most 1e-12 of the largest as zero: the rescaling would
// multiply its rounding noise by 1e12.
constexpr double kNegligibleNormRatio = 1e-12;

// Which of these norms are negligible by that rule: all of them where the largest is not positive.
inline std::vector<bool> negligibleNorms(const std::vector<double>& norms)
{
  double largest = 0;
  for (double n : norms) largest = std::max(largest, n);
  std::vector<bool> negligible(norms.size());
  for (size_t k = 0; k < norms.size(); ++k) negligible[k] = !(largest > 0 && norms[k] > kNegligibleNormRatio * largest);
  return negligible;
}

// The solvers on the Gram matrix (MGDA, IMTL-G, Nash-MTL) treat a task whose squared norm is at
// most 1e-20 of the largest as zero: float32 gradients carry no direction that far down.
constexpr double kZeroSquaredNormRatio = 1e-20;

// Below this largest squared norm every task gradient is zero: dividing by it would overflow.
constexpr double kAllZeroSquaredNorm = 1e-300;

class Gram
{
public:
  Gram(const std::vector<double>& values, int tasks) : m_(values), k_(tasks) {}
  int tasks() const { return k_; }
  double operator()(int i, int j) const { return m_[static_cast<size_t>(i * k_ + j)]; }
  // <sum_i a_i g_i, sum_j b_j g_j>
  double inner(const std::vector<double>& a, const std::vector<double>& b) const
  {
    double s = 0;
    for (int i = 0; i < k_; ++i)
      for (int j = 0; j < k_; ++j) s += a[i] * m_[static_cast<size_t>(i * k_ + j)] * b[j];
    return s;
  }
  // <sum_i a_i g_i, g_j>
  double innerWith(const std::vector<double>& a, int j) const
  {
    double s = 0;
    for (int i = 0; i < k_; ++i) s += a[i] * m_[static_cast<size_t>(i * k_ + j)];
    return s;
  }
  double norm(const std::vector<double>& a) const { return std::sqrt(std::max(0.0, inner(a, a))); }
  double norm(int k) const { return std::sqrt(std::max(0.0, (*this)(k, k))); }
  double largestSquaredNorm() const
  {
    double largest = 0;
    for (int k = 0; k < k_; ++k) largest = std::max(largest, (*this)(k, k));
    return largest;
  }
  bool allZero() const { return !(largestSquaredNorm() > kAllZeroSquaredNorm); }
  // The tasks whose gradient is zero by the solvers' rule (kZeroSquaredNormRatio).
  std::vector<bool> zeroTasks() const
  {
    const double largest = largestSquaredNorm();
    std::vector<bool> zero(static_cast<size_t>(k_));
    for (int k = 0; k < k_; ++k) zero[k] = !((*this)(k, k) > kZeroSquaredNormRatio * largest);
    return zero;
  }
  // The tasks whose gradient is negligible by the rescaling methods' rule (negligibleNorms).
  std::vector<bool> negligibleTasks() const
  {
    std::vector<double> norms(static_cast<size_t>(k_));
    for (int k = 0; k < k_; ++k) norms[k] = norm(k);
    return negligibleNorms(norms);
  }

private:
  const std::vector<double>& m_;
  int k_;
};

// The unit vector e_k of K coefficients: task k's own gradient.
inline std::vector<double> unitCoefficients(int tasks, int k)
{
  std::vector<double> e(static_cast<size_t>(tasks), 0.0);
  e[static_cast<size_t>(k)] = 1.0;
  return e;
}

}  // namespace seesaw
