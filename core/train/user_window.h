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
  int64_t width_;  // columns of state_
  // [U, width_] float64 window sums per user: K*K inner products, then K task weights (summed over
  // the steps the user was seen), then those steps, then the user's samples.
  at::Tensor state_;
  at::Tensor columns_;  // 0 .. width_-1, to address a row of state_ in the flattened scatter
  int64_t windowStart_ = 0;
};

}  // namespace seesaw
