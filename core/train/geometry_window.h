#pragma once
// Per-entity (user or item) task-gradient geometry accumulated over a window of steps
// (docs/per-user-geometry.md). Each step adds every batch entity's K x K Gram matrix, at each
// level, to the entity's running sums; the window's cosine is sum<g_k, g_l> / sqrt(sum|g_k|^2
// sum|g_l|^2). Summing the gradient vectors first would let opposite pulls at different steps cancel.
//
// The weights are the least-squares fit of the entity's combined gradient on its own task
// gradients at the embedding rows, the one level where the method's actual update of the entity
// is known: sum_k w_k g_k(u) ~ c(u), from the window's sums of <g_k(u), g_l(u)> and <g_k(u), c(u)>.
//
// Only entities seen so far take memory: each gets a row of float32 sums on its first step. The
// sums live on the host, whatever the trainer's device: a step's values come over in one small
// transfer, beside the one the analyze step makes anyway for the method's Gram matrix.

#include <ATen/ATen.h>

#include <memory>
#include <mutex>
#include <vector>

#include "train/batch_groups.h"
#include "train/geometry_levels.h"
#include "records/geometry_snapshot.h"
#include "util/saved_state.h"

namespace seesaw {

// Where a consumed window's buffer waits, zeroed, for the window after next: zeroing a million
// users' sums on the trainer's thread would pause it for tens of milliseconds at every snapshot.
struct SpareSums
{
  std::mutex mutex;
  at::Tensor buffer;  // [capacity, width] zeros, or undefined
};

// A closed window's sums as the trainer hands them over. Deriving the records' values from them
// (geometry()) takes most of a second for a million users, so it runs where the snapshot is
// consumed, off the trainer's thread; so does zeroing the buffer when the sums are dropped, which
// then goes back to the window for reuse.
class WindowSums
{
public:
  WindowSums() = default;
  WindowSums(WindowSums&&) = default;
  WindowSums& operator=(WindowSums&&) = delete;
  ~WindowSums();
  EntityGeometry geometry() const;

private:
  friend class GeometryWindow;
  at::Tensor buffer_;           // [capacity, width] on the host: the window's sums, one row per entity seen
  std::shared_ptr<SpareSums> spare_;
  std::vector<int32_t> rowOf_;  // entity code -> row of buffer_, -1 for entities never seen
  int tasks_ = 0;
  int levels_ = 0;              // recorded levels: the first blocks of a row
  int embeddingBlock_ = 0;
  int64_t width_ = 0;
};

class GeometryWindow
{
public:
  // entities: how many codes the entity column has; levels: the recorded ones, in record order.
  GeometryWindow(int64_t entities, int tasks, std::vector<GeometryLevel> levels);

  // grams: [n, K, K] per recorded level, in their order; embeddingGram: [n, K, K] at the
  // embedding rows (the fit's normal matrix); fit: [n, K] <g_k(u), c(u)> at the same rows. With
  // no entities (n = 0) only the window opens, and the tensors are not read.
  void add(int64_t step, const BatchGroups& groups, const std::vector<at::Tensor>& grams, const at::Tensor& embeddingGram,
           const at::Tensor& fit);

  // The open window's sums of the entities it has counts for, taken out (the window stays open, its
  // start kept), and those sums added to a window: a data-parallel run's ranks each sum their own
  // users, and rank 0 adds the others' sums to its own.
  struct EntitySums
  {
    at::Tensor codes;  // [n] int64
    at::Tensor sums;   // [n, width] float32
  };
  EntitySums drain();
  void addSums(const EntitySums& entities);

  bool empty() const { return windowStart_ == 0; }
  int64_t windowStart() const { return windowStart_; }
  // The window so far, its sums moved out as they are; then a fresh window.
  WindowSums take();
  // The open window, for checkpoints: restore(save()) on a window built with the same settings
  // goes on summing where the saved one stood. restore throws seesaw::Error for sums of another shape.
  void save(SavedState& state) const;
  void restore(const SavedState& state);
  // Bytes the accumulators hold now: the sums of the entities seen, a consumed window's buffer
  // waiting for reuse, and the code -> row map.
  int64_t bytes() const;

private:
  // Gives every code a row of state_, growing it where needed.
  void assignRows(const int64_t* codes, int64_t n);

  int64_t entities_;
  int tasks_;
  std::vector<GeometryLevel> levels_;
  int embeddingBlock_;  // which Gram block holds the embedding level (appended when not recorded)
  int64_t width_;       // floats per entity: the Gram blocks' upper triangles, the fit, the count
  std::vector<int32_t> rowOf_;  // entity code -> row of state_, -1 until first seen
  int64_t rows_ = 0;            // rows in use
  at::Tensor state_;            // [capacity, width_] float32 on the host
  std::shared_ptr<SpareSums> spare_ = std::make_shared<SpareSums>();
  int64_t windowStart_ = 0;
};

}  // namespace seesaw
