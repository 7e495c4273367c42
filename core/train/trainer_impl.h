#pragma once
// The trainer's state and the steps of its work, shared by the TUs that implement Trainer:
// trainer.cpp (building, stepping, per-entity tracking, the run loop) and trainer_steering.cpp
// (steering, the method's parameters, checkpoints). Private to core/train.

#include <torch/optim/optimizer.h>

#include <memory>
#include <string>
#include <vector>

#include "methods/gradient_method.h"
#include "model/multitask_model.h"
#include "train/checkpoint.h"
#include "train/data_parallel.h"
#include "train/data_order.h"
#include "train/evaluator.h"
#include "train/geometry_window.h"
#include "train/prepared_data.h"
#include "train/shared_layout.h"
#include "train/task_gradients.h"
#include "train/trainer.h"

namespace seesaw {

// ISO 8601, UTC, to the second: when a run started, when a checkpoint was saved.
std::string utcNow();

struct Trainer::Impl
{
  RunConfig config;
  std::shared_ptr<const PreparedData> data;
  DataParallel* parallel = nullptr;  // this process's group when it is one rank of several
  c10::Device device = c10::kCPU;
  std::shared_ptr<MultiTaskModel> model;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<GradientMethod> method;
  std::unique_ptr<SharedLayout> layout;
  std::unique_ptr<TaskGradients> taskGradients;
  std::unique_ptr<Evaluator> evaluator;
  // Per-entity geometry of the users, then the items (with analyze and train.user_snapshot_every > 0).
  struct EntityGeometryTracker
  {
    int64_t column;      // the entity's categorical column: 0 users, 1 items
    const RowBlock* table;  // its embedding table in the task gradients
    GeometryWindow window;
  };
  std::vector<EntityGeometryTracker> trackers;
  std::vector<GeometryLevel> geometryLevels;
  bool perSampleLevels = false;  // a recorded level needs the per-sample gradients
  std::vector<TaskType> taskTypes;
  at::Tensor categorical, dense, labels;  // on device
  at::Tensor lossWeights;                 // [K] on device: ew's or fixed's weights, for runs without analyze
  std::vector<std::vector<at::Tensor>> taskParameters;  // [K] each task's own parameters
  std::vector<at::Tensor> trained;        // everything the optimizer steps
  std::vector<at::Tensor> l2Parameters;   // weight matrices and embedding tables, for train.l2_step
  RowBlock userRows, itemRows;            // the user and item tables in the task gradients
  RunInfo info;

  DataOrder order;
  std::vector<int64_t> batchRows;  // the rows of the last batch, on the host
  std::vector<int64_t> localPositions;  // this rank's share of them: their places in batchRows
  bool stopAsked = false, stopAgreed = false;  // a data-parallel run's stop, agreed on in the step's all-reduce
  int64_t firstStep = 1;           // after a checkpoint's step when restored
  std::vector<ChangeRecord> branchChanges;  // a restored run's changes, recorded when it begins
  std::string checkpointDirectory, checkpointTrace;

  Impl(const RunConfig& c, std::shared_ptr<const PreparedData> d, DataParallel* group);
  Batch nextBatch();
  // This rank's share of the global batch: the rows of its users (all of it for one process);
  // sets localPositions.
  Batch localShare(const Batch& global);
  // Sums the ranks' shares of a step, each weighted by its rows out of the global batch's: the
  // losses, the shared gradients [K, P] or, without analyze, every parameter's .grad, the
  // task-specific .grads, and MGDA-UB's representation Gram matrix (its samples are disjoint
  // across ranks, so the shares' Gram matrices add up). With them goes whether a rank was asked to
  // stop (stopAsked), so that all stop after the same step (stopAgreed).
  void sumShares(int64_t localRows, int64_t globalRows, at::Tensor& losses, at::Tensor* shared, at::Tensor* representationGram);
  // Every rank's open per-user sums into rank 0's window, the others' emptied: a rank sums only
  // its own users, and a snapshot or a checkpoint needs all of them.
  void gatherUserWindow();
  // The ranks' replicas must hold the same parameters, to the bit (they apply the same summed
  // update); throws seesaw::Error naming the rank that differs.
  void checkReplicas(int64_t stepIndex);
  bool leads() const { return parallel == nullptr || parallel->rank() == 0; }
  // GradCraft's reference run: a second step of the same optimizer on the L2 loss alone.
  void l2Step();
  // Computes the update for one batch; fills the record's gradient fields when due.
  bool step(int64_t stepIndex, bool recordDue, StepRecord& record, RunEnd& end);
  // Adds the step's per-entity Gram matrices and weight fits to the windows.
  void trackGeometry(int64_t stepIndex, const at::Tensor& gradients, const at::Tensor& combined,
                     const PerSampleGradients& samples);
  PendingGeometry takeGeometry(int64_t stepIndex);
  // The method of `c` (its parameters resolved, its task weights), built for this model; throws
  // seesaw::Error when the model cannot serve it.
  std::unique_ptr<GradientMethod> makeMethod(const RunConfig& c) const;
  // train.task_weights must name every task (or none); the data says how many there are.
  void checkTaskWeightCount(const std::vector<double>& weights) const;
  // The loss weights: train.task_weights, or 1 for every task when it is empty.
  std::vector<double> lossWeightsOf(const std::vector<double>& weights) const;
  // Puts a method's own trainable parameters on the device and in the optimizer's hands, in a
  // parameter group of their own after the model's; untrain takes a replaced method's group away,
  // so that the optimizer always has the groups a run of the current method starts with (which
  // its checkpoint needs).
  void trainMethodParameters(GradientMethod& m);
  void untrainMethodParameters(GradientMethod& m);
  // Applies what was steered before step stepIndex; the records say what changed, or why not.
  // Before the run has begun (a branch's changes) the method may record other per-step state.
  std::vector<ChangeRecord> steer(const Steering& s, int64_t stepIndex, bool begun);
  TrainingState trainingState();
  // Saves the state after `step` into the checkpoint directory; the record names the file, or
  // says why there is none (a failed save does not stop the run).
  ChangeRecord saveCheckpoint(int64_t step);
  // Completes `in` (gradients, losses and Gram matrices set) with the batch's table rows, the step
  // and the epoch, combines with the method and sets every parameter's .grad.
  MethodOutput combine(int64_t stepIndex, int64_t epochIndex, const Batch& batch, MethodInput in);
};

}  // namespace seesaw
