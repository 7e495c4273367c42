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
  // How add() accumulates: on the CPU a plain loop over the batch, which costs a third of the
  // tensor operations' dispatch and parallel-region overhead (W1: 1.9% of a step, against 3.7%);
  // elsewhere tensor operations on the device. Tests run both on the CPU.
  enum class Accumulate { HostLoop, Tensors };
  UserWindow(int64_t users, int tasks, c10::Device device);
  UserWindow(int64_t users, int tasks, c10::Device device, Accumulate accumulate);

  // userRows: task gradients of the whole user table, [K, users, dim]; users: the batch's user
  // codes [B]; weights: the task weights the method applied this step, [K] alike for every user
  // or [users, K] per user (float64).
  void add(int64_t step, const at::Tensor& userRows, const at::Tensor& users, const at::Tensor& weights);

  bool empty() const { return windowStart_ == 0; }
  // The window so far as a record (one copy to the host), then a fresh window.
  UserSnapshot take(int64_t step);

private:
  void addOnHost(int64_t step, const at::Tensor& userRows, const at::Tensor& users, const at::Tensor& weights);
  void addWithTensors(const at::Tensor& userRows, const at::Tensor& users, const at::Tensor& weights);
  int64_t users_;
  int tasks_;
  Accumulate accumulate_;
  int64_t width_;  // columns of state_
  // [U, width_] float64 window sums per user: K*K inner products, then K task weights (summed over
  // the steps the user was seen), then those steps, then the user's samples.
  at::Tensor state_;
  at::Tensor columns_;  // 0 .. width_-1, to address a row of state_ in the flattened scatter
  int64_t windowStart_ = 0;
  std::vector<int64_t> lastSeen_;  // HostLoop: the last step that counted each user
};

}  // namespace seesaw
