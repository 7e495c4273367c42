#include "train/geometry_window.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "records/task_pairs.h"
#include "train/gradient_geometry.h"
#include "util/error.h"

namespace seesaw {
namespace {

// w with (G + ridge I) w = b by Gaussian elimination with partial pivoting, K x K. The ridge
// (1e-9 of G's mean diagonal) keeps exactly parallel task gradients solvable; it moves a
// well-conditioned solution by about 1e-9 relative. NaN where G or b is not finite.
std::vector<double> leastSquaresWeights(std::vector<double> G, std::vector<double> b, int K)
{
  double trace = 0;
  for (int k = 0; k < K; ++k) trace += G[k * K + k];
  const double ridge = 1e-9 * trace / K;
  for (int k = 0; k < K; ++k) G[k * K + k] += ridge;
  for (int c = 0; c < K; ++c) {
    int pivot = c;
    for (int r = c + 1; r < K; ++r)
      if (std::abs(G[r * K + c]) > std::abs(G[pivot * K + c])) pivot = r;
    if (!(std::abs(G[pivot * K + c]) > 0)) return std::vector<double>(K, std::numeric_limits<double>::quiet_NaN());
    for (int i = 0; i < K; ++i) std::swap(G[c * K + i], G[pivot * K + i]);
    std::swap(b[c], b[pivot]);
    for (int r = c + 1; r < K; ++r) {
      const double f = G[r * K + c] / G[c * K + c];
      for (int i = c; i < K; ++i) G[r * K + i] -= f * G[c * K + i];
      b[r] -= f * b[c];
    }
  }
  std::vector<double> w(K);
  for (int r = K - 1; r >= 0; --r) {
    double s = b[r];
    for (int i = r + 1; i < K; ++i) s -= G[r * K + i] * w[i];
    w[r] = s / G[r * K + r];
  }
  return w;
}

}  // namespace

GeometryWindow::GeometryWindow(int64_t entities, int tasks, std::vector<GeometryLevel> levels)
    : entities_(entities), tasks_(tasks), levels_(std::move(levels)), rowOf_(static_cast<size_t>(entities), -1)
{
  const auto recorded = std::find(levels_.begin(), levels_.end(), GeometryLevel::Embedding);
  embeddingBlock_ = static_cast<int>(recorded - levels_.begin());  // levels_.size(): a block of its own
  const int blocks = static_cast<int>(levels_.size()) + (recorded == levels_.end() ? 1 : 0);
  width_ = blocks * tasks * (tasks + 1) / 2 + tasks + 1;
  state_ = at::zeros({std::min<int64_t>(entities, 1024), width_}, at::kFloat);
}

void GeometryWindow::add(int64_t step, const BatchGroups& groups, const std::vector<at::Tensor>& grams,
                         const at::Tensor& embeddingGram, const at::Tensor& fit)
{
  if (windowStart_ == 0) windowStart_ = step;
  const int64_t n = groups.size();
  if (n == 0) return;
  assignRows(groups.codes.data(), n);
  // The step's values come over in one transfer: [n, blocks * K * K + K].
  std::vector<at::Tensor> parts;
  for (const auto& g : grams) parts.push_back(g.reshape({n, -1}));
  if (embeddingBlock_ == static_cast<int>(levels_.size())) parts.push_back(embeddingGram.reshape({n, -1}));
  parts.push_back(fit);
  const at::Tensor values = at::cat(parts, 1).to(at::kCPU, at::kFloat).contiguous();
  const int K = tasks_, blocks = static_cast<int>(parts.size()) - 1, columns = static_cast<int>(values.size(1));
  const float* v = values.data_ptr<float>();
  float* sums = state_.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    const float* in = v + i * columns;
    float* out = sums + static_cast<int64_t>(rowOf_[static_cast<size_t>(groups.codes[i])]) * width_;
    for (int b = 0; b < blocks; ++b, in += K * K)  // each Gram block's upper triangle
      for (int k = 0; k < K; ++k)
        for (int l = k; l < K; ++l) *out++ += in[k * K + l];
    for (int k = 0; k < K; ++k) *out++ += in[k];
    *out += static_cast<float>(groups.counts[i]);
  }
}

void GeometryWindow::assignRows(const int64_t* codes, int64_t n)
{
  for (int64_t i = 0; i < n; ++i) {
    int32_t& row = rowOf_[static_cast<size_t>(codes[i])];
    if (row < 0) row = static_cast<int32_t>(rows_++);
  }
  if (rows_ > state_.size(0)) {
    // Grow by half: a doubling could hold twice the memory the entities need.
    const int64_t capacity = std::min(entities_, std::max(rows_, state_.size(0) + state_.size(0) / 2));
    at::Tensor grown = at::zeros({capacity, width_}, state_.options());
    grown.narrow(0, 0, state_.size(0)).copy_(state_);
    state_ = grown;
  }
}

GeometryWindow::EntitySums GeometryWindow::drain()
{
  std::vector<int64_t> codes;
  std::vector<int64_t> rows;
  const float* sums = state_.data_ptr<float>();
  for (int64_t code = 0; code < entities_; ++code) {
    const int32_t row = rowOf_[static_cast<size_t>(code)];
    if (row >= 0 && sums[static_cast<int64_t>(row) * width_ + width_ - 1] > 0) {  // counted in this window
      codes.push_back(code);
      rows.push_back(row);
    }
  }
  const at::Tensor index = at::tensor(rows, at::kLong);
  EntitySums out{at::tensor(codes, at::kLong), state_.index_select(0, index)};
  state_.index_fill_(0, index, 0);
  return out;
}

void GeometryWindow::addSums(const EntitySums& entities)
{
  const at::Tensor codes = entities.codes.to(at::kLong).contiguous();
  const at::Tensor sums = entities.sums.to(at::kFloat).contiguous();
  if (sums.dim() != 2 || sums.size(0) != codes.numel() || sums.size(1) != width_)
    throw Error("per-entity sums of another shape than this window's");
  const int64_t n = codes.numel();
  const int64_t* c = codes.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    if (c[i] < 0 || c[i] >= entities_) throw Error("per-entity sums name entity " + std::to_string(c[i]) + " of " + std::to_string(entities_));
  assignRows(c, n);
  std::vector<int64_t> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = rowOf_[static_cast<size_t>(c[i])];
  state_.index_add_(0, at::tensor(rows, at::kLong), sums);
}

WindowSums GeometryWindow::take()
{
  WindowSums out;
  out.buffer_ = state_;
  out.spare_ = spare_;
  out.rowOf_ = rowOf_;
  out.tasks_ = tasks_;
  out.levels_ = static_cast<int>(levels_.size());
  out.embeddingBlock_ = embeddingBlock_;
  out.width_ = width_;
  // The next window keeps the rows and their capacity, in the buffer an earlier window's consumer
  // zeroed and handed back where there is one.
  at::Tensor spare;
  {
    std::lock_guard<std::mutex> lock(spare_->mutex);
    spare = std::exchange(spare_->buffer, at::Tensor());
  }
  state_ = spare.defined() && spare.size(0) >= state_.size(0) ? spare : at::zeros_like(state_);
  windowStart_ = 0;
  return out;
}

WindowSums::~WindowSums()
{
  if (!spare_ || !buffer_.defined()) return;     // moved from
  if (buffer_.storage().use_count() > 1) return;  // someone still reads it
  std::memset(buffer_.data_ptr(), 0, buffer_.nbytes());
  std::lock_guard<std::mutex> lock(spare_->mutex);
  spare_->buffer = std::move(buffer_);
}

EntityGeometry WindowSums::geometry() const
{
  const int K = tasks_, P = pairCount(K), T = K * (K + 1) / 2;
  const float* v = buffer_.data_ptr<float>();
  const auto nan = std::numeric_limits<float>::quiet_NaN();
  const auto E = rowOf_.size();

  EntityGeometry out;
  out.levels.resize(static_cast<size_t>(levels_));
  for (auto& level : out.levels) {
    level.cosine.assign(E * P, nan);
    level.gradNorm.assign(E * K, nan);
    level.magnitudeRatio.assign(E * K, nan);
  }
  out.weight.assign(E * K, nan);
  out.count.assign(E, 0);
  std::vector<double> gram(static_cast<size_t>(K * K));
  auto unpack = [&](const float* block) {
    int t = 0;
    for (int k = 0; k < K; ++k)
      for (int l = k; l < K; ++l, ++t) gram[k * K + l] = gram[l * K + k] = block[t];
  };
  for (size_t e = 0; e < E; ++e) {
    if (rowOf_[e] < 0) continue;
    const float* row = v + static_cast<int64_t>(rowOf_[e]) * width_;
    const float count = row[width_ - 1];
    if (count == 0) continue;
    out.count[e] = static_cast<int32_t>(count);
    for (size_t b = 0; b < out.levels.size(); ++b) {
      unpack(row + b * T);
      const GradientGeometry geo = geometryFromGram(gram.data(), K);
      LevelGeometry& level = out.levels[b];
      std::copy(geo.norm.begin(), geo.norm.end(), level.gradNorm.begin() + e * K);
      std::copy(geo.magnitudeRatio.begin(), geo.magnitudeRatio.end(), level.magnitudeRatio.begin() + e * K);
      copyPairEntries(geo.cosine.data(), K, level.cosine.begin() + static_cast<std::ptrdiff_t>(e * P));
    }
    unpack(row + embeddingBlock_ * T);
    const float* fit = row + width_ - 1 - K;
    const auto w = leastSquaresWeights(gram, std::vector<double>(fit, fit + K), K);
    // A task whose rows were zero all window moved nothing: its weight is undefined, not 0.
    for (int k = 0; k < K; ++k) out.weight[e * K + k] = gram[k * K + k] > 0 ? static_cast<float>(w[k]) : nan;
  }
  return out;
}

void GeometryWindow::save(SavedState& state) const
{
  state.put("sums", state_.narrow(0, 0, rows_));
  state.put("row_of", at::tensor(std::vector<int32_t>(rowOf_.begin(), rowOf_.end()), at::kInt));
  state.putNumbers("window_start", {static_cast<double>(windowStart_)});
}

void GeometryWindow::restore(const SavedState& state)
{
  const at::Tensor sums = state.get("sums");
  const at::Tensor rowOf = state.get("row_of").to(at::kCPU, at::kInt).contiguous();
  if (sums.dim() != 2 || sums.size(1) != width_ || rowOf.numel() != entities_)
    throw Error("the per-entity sums are for another model, task count, level set or data");
  const int32_t* r = rowOf.data_ptr<int32_t>();
  rowOf_.assign(r, r + rowOf.numel());
  rows_ = sums.size(0);
  state_ = at::zeros({std::max<int64_t>(rows_, std::min<int64_t>(entities_, 1024)), width_}, state_.options());
  state_.narrow(0, 0, rows_).copy_(sums);  // to float32 on the host, whatever the saved sums were
  windowStart_ = static_cast<int64_t>(state.number("window_start"));
}

int64_t GeometryWindow::bytes() const
{
  int64_t spare = 0;
  {
    std::lock_guard<std::mutex> lock(spare_->mutex);
    if (spare_->buffer.defined()) spare = static_cast<int64_t>(spare_->buffer.nbytes());
  }
  return state_.numel() * static_cast<int64_t>(sizeof(float)) + spare + static_cast<int64_t>(rowOf_.size() * sizeof(int32_t));
}

}  // namespace seesaw
