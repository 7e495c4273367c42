#pragma once
// Every task's gradient on the shared parameters, without one full backward pass per task:
// one forward; a pass through the head only (gates, deeper levels, towers) down to the embedded
// input and the trunk's outputs, written by hand for all tasks where the head is separable
// (MMoE, Shared-Bottom), else one autograd pass per task; one task-batched backward through the
// trunk (TrunkPass); and each task's embedding rows added into its copy of the tables. The result
// equals K separate autograd passes (tests/core/tst_task_gradients.cpp checks it). Models whose
// tasks run the trunk on inputs of their own (DTRN) take K autograd passes through the whole
// model instead.

#include <ATen/ATen.h>

#include <vector>

#include "model/multitask_model.h"
#include "train/geometry_levels.h"
#include "train/shared_layout.h"
#include "train/trunk_pass.h"

namespace seesaw {

class TaskGradients
{
public:
  TaskGradients(MultiTaskModel& model, const SharedLayout& layout, std::vector<TaskType> taskTypes);

  // Runs the batch. Writes each task's shared gradient into shared [K, P] (zeroed here) and gives
  // every task-specific parameter its task's gradient as .grad. Returns the per-task losses [K].
  // With representationGram, also the [K, K] Gram matrix of the tasks' gradients on the trunk's
  // outputs over the batch (MGDA-UB's shared representation); with perSample, the per-sample
  // gradients the per-entity geometry levels read. Neither for task-specific bottoms.
  at::Tensor compute(const Batch& batch, at::Tensor& shared, at::Tensor* representationGram = nullptr,
                     PerSampleGradients* perSample = nullptr);

private:
  // One forward, then one autograd pass per task through the whole model (task-specific bottoms).
  at::Tensor perTaskAutograd(const Batch& batch, at::Tensor& shared);
  // One autograd pass per task (heads with shared parameters, PLE); fills their rows of shared.
  HeadGradients headPerTask(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs, const Batch& batch,
                            at::Tensor& shared, at::Tensor& losses);
  // The model's pass written by hand, for all tasks at once.
  HeadGradients headSeparable(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs, const Batch& batch,
                              at::Tensor& losses);
  void fillPerSample(const HeadGradients& head, const TrunkPass::Gradients& trunk, const at::Tensor& embedded,
                     const Batch& batch, PerSampleGradients& out) const;

  struct TrunkParameter
  {
    at::Tensor tensor;
    int64_t slot;  // index in layout.slots(), or -1 when task-specific
    int task;
  };
  MultiTaskModel& model_;
  const SharedLayout& layout_;
  TrunkPass trunkPass_;
  std::vector<TaskType> taskTypes_;
  std::vector<std::vector<TrunkParameter>> trunk_;  // [mlp][layer * 2 + (0 weight, 1 bias)]
  std::vector<int64_t> tableSlots_;                 // slot of each embedding table
  std::vector<int64_t> headSlots_;                  // shared parameters inside the head
  std::vector<std::vector<at::Tensor>> headTaskParameters_;  // [K] task-specific head parameters
  std::vector<std::vector<at::Tensor>> taskParameters_;      // [K] all task-specific parameters (perTaskAutograd)
};

}  // namespace seesaw
