#pragma once
// Arithmetic on the host for the methods' K-sized numbers (weights, norms, Gram matrices): K is a
// handful of tasks, so plain loops and one LAPACK call on a tiny CPU tensor beat any device work.

#include <ATen/ATen.h>

#include <vector>

namespace seesaw {

// A tensor's values as doubles on the host, detached from autograd.
std::vector<double> hostValues(const at::Tensor& t);

bool allFinite(const std::vector<double>& v);

// Shifted by its maximum, so that no exp overflows.
std::vector<double> softmax(const std::vector<double>& x);

// A = V diag(values) V' for a symmetric n x n A (row-major), by LAPACK's eigh on a CPU double
// tensor (the same call in LibTorch 1.13 and 2.x). values ascend; vectors(r, k) is row r of
// eigenvector k.
struct SymmetricEigen
{
  int n = 0;
  std::vector<double> values;   // [n]
  std::vector<double> vectors;  // [n*n], row-major, eigenvectors in columns
  double vector(int row, int k) const { return vectors[static_cast<size_t>(row * n + k)]; }
};
SymmetricEigen symmetricEigen(const std::vector<double>& a, int n);

// The least-norm least-squares solution of A x = b for a symmetric n x n A (row-major): the
// pseudo-inverse that drops eigenvalues with |lambda| <= cut * max |lambda|. Returns false where
// it dropped one (A singular, or all zero), i.e. x only meets the conditions that can be met.
bool pseudoInverseSolve(const std::vector<double>& a, int n, const std::vector<double>& b, double cut, std::vector<double>& x);

}  // namespace seesaw
