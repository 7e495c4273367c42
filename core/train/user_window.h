#pragma once
// Per-user task-gradient geometry from the user-embedding rows, accumulated over a window of steps.
// A user's task-k gradient at a step is its row of task k's user-table gradient (the row sums the
// gradients of the user's samples in the batch). Each step adds the rows' K x K inner products to
// the user's running sums; the window's cosine is sum<g_k, g_l> / sqrt(sum|g_k|^2 sum|g_l|^2).
// Summing the gradient vectors first would let opposite pulls at different steps cancel.

#include <ATen/ATen.h>

#include "train/records.h"

namespace seesaw {

class UserWindow
{
public:
  UserWindow(int64_t users, int tasks, c10::Device device);

  // userRows: task gradients of the whole user table, [K, users, dim]; users: the batch's user
  // codes [B]; weights: the task weights the method applied this step [K].
  void add(int64_t step, const at::Tensor& userRows, const at::Tensor& users, const at::Tensor& weights);

  bool empty() const { return windowStart_ == 0; }
  // The window so far as a record (one copy to the host), then a fresh window.
  UserSnapshot take(int64_t step);

private:
  int64_t users_;
  int tasks_;
  at::Tensor gram_;       // [U, K*K] float64 sums of per-step inner products
  at::Tensor weightSum_;  // [U, K] float64 sums of the step weights over the steps a user was seen
  at::Tensor stepsSeen_;  // [U] float64
  at::Tensor count_;      // [U] float64 samples
  int64_t windowStart_ = 0;
};

}  // namespace seesaw
