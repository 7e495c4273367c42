#pragma once
// Inner products of matrix rows, many small ones at once: what the per-entity geometry levels
// and MMoE's mixture gradient are made of.

#include <ATen/ATen.h>

#include <vector>

namespace seesaw {

// out[i, k, l] = <a[k][rowsA[i]], b[l][rowsB[i]]> for [rows, W] matrices a[k] and b[l], [n, |a|, |b|];
// undefined row indices read rows 0..n-1 of each. On the CPU (float32, unit column stride) a
// loop: bmm there hands each of the n tiny products to BLAS one call at a time, which cost more
// than the products themselves; elsewhere, gathers and bmm.
at::Tensor rowProducts(const std::vector<at::Tensor>& a, const at::Tensor& rowsA, const std::vector<at::Tensor>& b,
                       const at::Tensor& rowsB);

}  // namespace seesaw
