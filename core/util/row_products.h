#pragma once
// Inner products and weighted sums of matrix rows, many small ones at once: what the per-entity
// geometry levels and MMoE's mixtures and their gradients are made of.

#include <ATen/ATen.h>

#include <vector>

namespace seesaw {

// out[i, k, l] = <a[k][rowsA[i]], b[l][rowsB[i]]> for [rows, W] matrices a[k] and b[l], [n, |a|, |b|];
// undefined row indices read rows 0..n-1 of each. On the CPU (float32, unit column stride) a
// loop: bmm there hands each of the n tiny products to BLAS one call at a time, which cost more
// than the products themselves; elsewhere, gathers and bmm.
at::Tensor rowProducts(const std::vector<at::Tensor>& a, const at::Tensor& rowsA, const std::vector<at::Tensor>& b,
                       const at::Tensor& rowsB);

// out[k][i] = sum_e weights[i, k, e] rows[e][i] for [n, W] matrices rows[e] and weights [n, K, E]:
// K matrices [n, W]. On the CPU without autograd recording (float32, unit column stride) a loop
// that writes each row once; elsewhere a sum of scaled matrices, which autograd can follow.
std::vector<at::Tensor> rowCombinations(const at::Tensor& weights, const std::vector<at::Tensor>& rows);

}  // namespace seesaw
