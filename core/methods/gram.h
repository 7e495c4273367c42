#pragma once
// Arithmetic on combinations of task gradients through their Gram matrix M (M_kl = <g_k, g_l>):
// a vector a of K coefficients stands for sum_k a_k g_k, so inner products and norms of such
// vectors need no pass over the P parameters.

#include <cmath>
#include <vector>

namespace seesaw {

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
