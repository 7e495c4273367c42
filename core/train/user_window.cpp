#include "train/user_window.h"

#include <cmath>
#include <limits>

#include "train/gradient_geometry.h"

namespace seesaw {

UserWindow::UserWindow(int64_t users, int tasks, c10::Device device) : users_(users), tasks_(tasks)
{
  const auto options = at::TensorOptions(at::kDouble).device(device);
  gram_ = at::zeros({users, tasks * tasks}, options);
  weightSum_ = at::zeros({users, tasks}, options);
  stepsSeen_ = at::zeros({users}, options);
  count_ = at::zeros({users}, options);
}

void UserWindow::add(int64_t step, const at::Tensor& userRows, const at::Tensor& users, const at::Tensor& weights)
{
  if (windowStart_ == 0) windowStart_ = step;
  const at::Tensor seen = std::get<0>(at::_unique(users, /*sorted=*/false));
  const at::Tensor rows = userRows.index_select(1, seen).transpose(0, 1).to(at::kDouble);  // [n, K, dim]
  const auto n = seen.size(0);
  // Thousands of 3 x 3 products: one broadcast multiply beats a batched GEMM call per user.
  gram_.index_add_(0, seen, (rows.unsqueeze(2) * rows.unsqueeze(1)).sum(-1).view({n, tasks_ * tasks_}));
  weightSum_.index_add_(0, seen, weights.to(at::kDouble).unsqueeze(0).expand({n, tasks_}));
  stepsSeen_.index_add_(0, seen, at::ones({n}, stepsSeen_.options()));
  count_.index_add_(0, users, at::ones({users.size(0)}, count_.options()));
}

UserSnapshot UserWindow::take(int64_t step)
{
  const int K = tasks_;
  const at::Tensor host = at::cat({gram_, weightSum_, stepsSeen_.unsqueeze(1), count_.unsqueeze(1)}, 1).cpu().contiguous();
  const double* v = host.data_ptr<double>();
  const int64_t width = host.size(1);
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
    const double* row = v + u * width;
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
  gram_.zero_();
  weightSum_.zero_();
  stepsSeen_.zero_();
  count_.zero_();
  windowStart_ = 0;
  return s;
}

}  // namespace seesaw
