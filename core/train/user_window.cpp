#include "train/user_window.h"

#include <cmath>
#include <limits>

#include "train/gradient_geometry.h"

namespace seesaw {

UserWindow::UserWindow(int64_t users, int tasks, c10::Device device)
    : UserWindow(users, tasks, device, device.is_cpu() ? Accumulate::HostLoop : Accumulate::Tensors)
{
}

UserWindow::UserWindow(int64_t users, int tasks, c10::Device device, Accumulate accumulate)
    : users_(users), tasks_(tasks), accumulate_(accumulate), width_(tasks * tasks + tasks + 2)
{
  state_ = at::zeros({users, width_}, at::TensorOptions(at::kDouble).device(device));
  columns_ = at::arange(width_, at::TensorOptions(at::kLong).device(device));
}

void UserWindow::add(int64_t step, const at::Tensor& userRows, const at::Tensor& users, const at::Tensor& weights)
{
  if (windowStart_ == 0) windowStart_ = step;
  if (accumulate_ == Accumulate::HostLoop) addOnHost(step, userRows, users, weights);
  else addWithTensors(userRows, users, weights);
}

void UserWindow::addWithTensors(const at::Tensor& userRows, const at::Tensor& users, const at::Tensor& weights)
{
  // A count per user code and its non-zeros: linear in U, and far cheaper than at::unique's
  // hashing or sorting for the U of recommender data (10^4 to 10^6).
  const at::Tensor countsAll = at::bincount(users, {}, users_);
  const at::Tensor seen = countsAll.nonzero().squeeze(1);
  const auto n = seen.size(0);
  const at::Tensor rows = userRows.index_select(1, seen).transpose(0, 1).contiguous();  // [n, K, dim]
  // One step's products in float32 (as exact as the gradients themselves); the window sums them
  // in float64, where thousands of steps add up.
  const at::Tensor values = at::cat({at::bmm(rows, rows.transpose(1, 2)).view({n, tasks_ * tasks_}).to(at::kDouble),
                                     weights.dim() == 2 ? weights.index_select(0, seen).to(at::kDouble)
                                                        : weights.to(at::kDouble).unsqueeze(0).expand({n, tasks_}),
                                     at::ones({n, 1}, state_.options()),
                                     countsAll.index_select(0, seen).to(at::kDouble).unsqueeze(1)},
                                    1);
  // One scatter into the flattened state: on the CPU a 1-D index_add_ is a plain loop, while a
  // row-wise one dispatches a tensor add per row.
  const at::Tensor flatIndex = (seen.unsqueeze(1) * width_ + columns_).view(-1);
  state_.view(-1).index_add_(0, flatIndex, values.view(-1));
}

void UserWindow::addOnHost(int64_t step, const at::Tensor& userRows, const at::Tensor& users, const at::Tensor& weights)
{
  const int K = tasks_;
  const auto rows = userRows.accessor<float, 3>();  // [K, U, dim]
  const int64_t dim = userRows.size(2);
  const at::Tensor w = weights.to(at::kDouble).contiguous();
  const double* wv = w.data_ptr<double>();
  const int64_t weightStride = weights.dim() == 2 ? K : 0;  // per user, or one row for all
  const at::Tensor u = users.contiguous();
  const int64_t* uv = u.data_ptr<int64_t>();
  double* state = state_.data_ptr<double>();
  if (lastSeen_.empty()) lastSeen_.assign(users_, 0);  // steps start at 1
  for (int64_t i = 0; i < u.numel(); ++i) {
    const int64_t user = uv[i];
    double* row = state + user * width_;
    row[K * K + K + 1] += 1;
    if (lastSeen_[user] == step) continue;
    lastSeen_[user] = step;
    for (int k = 0; k < K; ++k) {
      for (int l = k; l < K; ++l) {
        double dot = 0;
        for (int64_t d = 0; d < dim; ++d) dot += static_cast<double>(rows[k][user][d]) * rows[l][user][d];
        row[k * K + l] += dot;
        if (l != k) row[l * K + k] += dot;
      }
      row[K * K + k] += wv[user * weightStride + k];
    }
    row[K * K + K] += 1;
  }
}

UserSnapshot UserWindow::take(int64_t step)
{
  const int K = tasks_;
  const at::Tensor host = state_.cpu().contiguous();
  const double* v = host.data_ptr<double>();
  const auto nan = std::numeric_limits<float>::quiet_NaN();
  const int pairs = K * (K - 1) / 2;

  UserSnapshot s;
  s.step = step;
  s.windowStart = windowStart_;
  s.cosine.assign(users_ * pairs, nan);
  s.gradNorm.assign(users_ * K, nan);
  s.weight.assign(users_ * K, nan);
  s.count.assign(users_, 0);
  for (int64_t u = 0; u < users_; ++u) {
    const double* row = v + u * width_;
    const double steps = row[K * K + K], count = row[K * K + K + 1];
    if (steps == 0) continue;
    s.count[u] = static_cast<int32_t>(count);
    const GradientGeometry geo = geometryFromGram(row, K);
    std::copy(geo.norm.begin(), geo.norm.end(), s.gradNorm.begin() + u * K);
    int64_t pair = u * pairs;
    for (int k = 0; k < K; ++k)
      for (int l = k + 1; l < K; ++l) s.cosine[pair++] = geo.cosine[k * K + l];
    for (int k = 0; k < K; ++k) s.weight[u * K + k] = static_cast<float>(row[K * K + k] / steps);
  }
  state_.zero_();
  windowStart_ = 0;
  return s;
}

}  // namespace seesaw
