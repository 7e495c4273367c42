#include "train/trainer.h"

#include <torch/autograd.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <cmath>
#include <ctime>
#include <map>
#include <optional>
#include <thread>
#include <type_traits>

#include "methods/gradient_method.h"
#include "methods/registry.h"
#include "model/model_factory.h"
#include "train/device.h"
#include "train/evaluator.h"
#include "train/fused_adam.h"
#include "train/gradient_geometry.h"
#include "train/losses.h"
#include "train/prepared_data.h"
#include "train/shared_layout.h"
#include "train/task_gradients.h"
#include "train/batch_groups.h"
#include "train/branch.h"
#include "train/checkpoint.h"
#include "train/data_order.h"
#include "train/geometry_window.h"
#include "train/optimizer_state.h"
#include "util/error.h"

namespace seesaw {
namespace {

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainConfig& t, std::vector<at::Tensor> params)
{
  switch (t.optimizer) {
    case OptimizerType::Adam:
      return std::make_unique<FusedAdam>(params, torch::optim::AdamOptions(t.lr).weight_decay(t.weightDecay));
    case OptimizerType::AdamW:
      return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(t.lr).weight_decay(t.weightDecay));
    case OptimizerType::SGD:
      return std::make_unique<torch::optim::SGD>(
          params, torch::optim::SGDOptions(t.lr).momentum(t.momentum).weight_decay(t.weightDecay));
  }
  return nullptr;
}

// ISO 8601, UTC, to the second: when a run started, when a checkpoint was saved.
std::string utcNow()
{
  char text[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

}  // namespace

struct Trainer::Impl
{
  RunConfig config;
  std::shared_ptr<const PreparedData> data;
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
  int64_t firstStep = 1;           // after a checkpoint's step when restored
  std::vector<ChangeRecord> branchChanges;  // a restored run's changes, recorded when it begins
  std::string checkpointDirectory, checkpointTrace;

  Impl(const RunConfig& c, std::shared_ptr<const PreparedData> d);
  Batch nextBatch();
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

Trainer::Impl::Impl(const RunConfig& c, std::shared_ptr<const PreparedData> d)
    : config(c), data(std::move(d)), order(data->split.train, c.train.seed)
{
  // Every hyperparameter explicit, defaults included, so that the trace's config says exactly what ran.
  config.method.params = methodRegistry().resolve(config.method.name, config.method.params).values();
  const auto K = static_cast<int64_t>(data->table.taskCount());
  if (K == 0) throw Error("config field data.columns.tasks: the data has no tasks (K = 0)");
  if (data->split.train.empty()) throw Error("data: the training split is empty");
  const auto& t = config.train;
  checkTaskWeightCount(t.taskWeights);
  const std::vector<double> lossWeightsHost = lossWeightsOf(t.taskWeights);

  device = chooseDevice(t.device);
  if (t.threads > 0) at::set_num_threads(t.threads);
  torch::manual_seed(t.seed);
  model = makeModel(data->spec, config.model);
  model->to(device);
  // Every level the model has, the exact one the default: task-specific bottoms (DTRN) share no
  // representation, so they have the embedding rows only.
  if (config.train.geometryLevels.empty())
    config.train.geometryLevels = model->taskSpecificBottoms() ? std::vector<std::string>{"embedding"}
                                                               : std::vector<std::string>{"exact", "embedding", "representation"};
  trained = model->parameters();
  for (const auto& p : trained)
    if (p.dim() >= 2) l2Parameters.push_back(p);
  optimizer = makeOptimizer(t, trained);
  method = makeMethod(config);
  trainMethodParameters(*method);
  layout = std::make_unique<SharedLayout>(model->parameterInfo());
  taskParameters.resize(K);
  for (const auto& p : model->parameterInfo())
    if (p.task >= 0) taskParameters[p.task].push_back(p.tensor);
  const auto& tables = model->embedding()->tables();
  for (const auto& slot : layout->slots()) {
    for (size_t f = 0; f < std::min<size_t>(2, tables.size()); ++f) {
      if (!slot.parameter.is_same(tables[f]->weight)) continue;
      RowBlock& block = f == 0 ? userRows : itemRows;
      block = {slot.offset, slot.parameter.size(0), slot.parameter.size(1), at::Tensor()};
    }
  }
  for (const auto& task : data->table.tasks) taskTypes.push_back(task.type);
  taskGradients = std::make_unique<TaskGradients>(*model, *layout, taskTypes);

  categorical = data->categorical.to(device);
  dense = data->dense.to(device);
  labels = data->labels.to(device);
  lossWeights = at::tensor(lossWeightsHost, at::kFloat).to(device);
  evaluator = std::make_unique<Evaluator>(*model, *data, categorical, dense, labels);

  const auto nTrain = static_cast<int64_t>(data->split.train.size());
  info.taskNames = data->spec.taskNames;
  info.taskTypes = taskTypes;
  info.moduleNames = layout->moduleNames();
  info.methodStateNames = method->stateNames();
  info.device = device.str();
  info.method = config.method.name;
  info.batchSize = t.batchSize;
  info.stepsPerEpoch = (nTrain + t.batchSize - 1) / t.batchSize;
  info.totalSteps = t.steps > 0 ? t.steps
                                : std::max<int64_t>(1, static_cast<int64_t>(std::ceil(t.epochs * static_cast<double>(info.stepsPerEpoch))));
  info.sharedParameters = layout->size();
  for (const auto& p : model->parameters()) info.totalParameters += p.numel();
  info.data = summarize(data->table);
  info.trainRows = data->split.train.size();
  info.validRows = data->split.valid.size();
  info.testRows = data->split.test.size();
  info.analyze = t.analyze;
  info.userIds = data->table.user.vocabulary;
  info.userGroups = data->table.userGroup.empty() ? std::vector<int32_t>(info.userIds.size(), -1) : data->table.userGroup;
  info.configJson = toJsonString(config);
  info.softwareVersion = SEESAW_VERSION;

  if (t.analyze && t.userSnapshotEvery > 0) {
    info.userSnapshotEvery = t.userSnapshotEvery;
    info.geometryLevels = config.train.geometryLevels;
    for (const auto& name : config.train.geometryLevels) {
      geometryLevels.push_back(geometryLevel(name));
      perSampleLevels = perSampleLevels || geometryLevels.back() != GeometryLevel::Embedding;
    }
    if (perSampleLevels && model->taskSpecificBottoms())
      throw Error("config field train.geometry_levels: the representation and exact levels need a representation every "
                  "task shares, and with model.dtrn each task runs the trunk on its own bottom (use [\"embedding\"])");
    trackers.push_back({0, &userRows, GeometryWindow(userRows.rows, static_cast<int>(K), geometryLevels)});
    if (t.itemGeometry) {
      info.itemGeometry = true;
      info.itemIds = data->table.item.vocabulary;
      trackers.push_back({1, &itemRows, GeometryWindow(itemRows.rows, static_cast<int>(K), geometryLevels)});
    }
  }
}

std::unique_ptr<GradientMethod> Trainer::Impl::makeMethod(const RunConfig& c) const
{
  MethodSetup setup;
  setup.taskNames = data->spec.taskNames;
  setup.taskWeights = lossWeightsOf(c.train.taskWeights);
  setup.seed = c.train.seed;
  setup.split = model->splitTowers();
  auto m = methodRegistry().make(c.method.name, c.method.params, std::move(setup));
  if (m->needsRepresentationGram() && model->taskSpecificBottoms())
    throw Error("config field method.params.ub: MGDA-UB needs a representation that every task shares, and with "
                "model.dtrn each task runs the trunk on its own bottom representation");
  return m;
}

void Trainer::Impl::checkTaskWeightCount(const std::vector<double>& weights) const
{
  const size_t K = data->table.taskCount();
  if (!weights.empty() && weights.size() != K)
    throw Error("config field train.task_weights: has " + std::to_string(weights.size()) + " entries, but the data has " +
                std::to_string(K) + " tasks");
}

std::vector<double> Trainer::Impl::lossWeightsOf(const std::vector<double>& weights) const
{
  return weights.empty() ? std::vector<double>(data->table.taskCount(), 1.0) : weights;
}

void Trainer::Impl::trainMethodParameters(GradientMethod& m)
{
  std::vector<at::Tensor> own = m.parameters();
  if (own.empty()) return;
  for (auto& p : own) {
    p.set_data(p.data().to(device));  // in place: the method keeps writing to the tensor the optimizer trains
    trained.push_back(p);
  }
  torch::optim::OptimizerParamGroup group(own);
  optimizer->add_param_group(group);  // the optimizer's options, as every other parameter
  optimizer->param_groups().back().options().set_lr(config.train.lr);
}

void Trainer::Impl::untrainMethodParameters(GradientMethod& m)
{
  const std::vector<at::Tensor> own = m.parameters();
  if (own.empty()) return;
  optimizer->param_groups().pop_back();  // the method's group is the last one
  trained.resize(trained.size() - own.size());
  // Its state goes too: a later tensor at a freed address would inherit it.
  auto& state = optimizer->state();
  for (const auto& p : own) state.erase(optimizerStateKey<std::remove_reference_t<decltype(state)>>(p));
}

std::vector<ChangeRecord> Trainer::Impl::steer(const Steering& s, int64_t stepIndex, bool begun)
{
  std::vector<ChangeRecord> records;
  const auto json = [](const auto& value) { return nlohmann::json(value).dump(); };
  const auto record = [&](const std::string& field, std::string before, std::string after, const std::string& refused) {
    records.push_back(ChangeRecord{stepIndex, field, std::move(before), std::move(after), refused});
  };
  // A change is the run config it would make, checked by the validation every config passes.
  const auto refusal = [](const RunConfig& candidate) -> std::string {
    try {
      validate(candidate);
    } catch (const Error& e) {
      return e.what();
    }
    return {};
  };
  if (s.lr) {
    RunConfig candidate = config;
    candidate.train.lr = *s.lr;
    const std::string refused = refusal(candidate);
    record("train.lr", json(config.train.lr), json(*s.lr), refused);
    if (refused.empty()) {
      for (auto& group : optimizer->param_groups()) group.options().set_lr(*s.lr);
      config.train.lr = *s.lr;
    }
  }
  if (!s.method && s.params.empty() && !s.taskWeights) return records;

  // The method, its parameters and the task weights depend on each other (only `fixed` takes
  // weights): they are checked, and applied, together.
  RunConfig candidate = config;
  if (s.method) {
    candidate.method.name = *s.method;
    candidate.method.params.clear();
    const bool takesWeights = methodRegistry().contains(*s.method) && methodRegistry().info(*s.method).usesTaskWeights;
    if (!takesWeights) candidate.train.taskWeights.clear();  // the weights belonged to the method replaced
  }
  for (const auto& [name, value] : s.params) candidate.method.params[name] = value;
  if (s.taskWeights) candidate.train.taskWeights = *s.taskWeights;
  std::string refused = refusal(candidate);
  std::unique_ptr<GradientMethod> replacement;
  if (refused.empty()) {
    try {
      checkTaskWeightCount(candidate.train.taskWeights);
      candidate.method.params = methodRegistry().resolve(candidate.method.name, candidate.method.params).values();
      // The same method with the same parameters and weights keeps its state (GradNorm's weights,
      // DWA's history).
      const bool same = candidate.method.name == config.method.name && candidate.method.params == config.method.params &&
                        candidate.train.taskWeights == config.train.taskWeights;
      if (same) return records;
      replacement = makeMethod(candidate);
      // The trace's method-state columns are fixed when it begins.
      if (begun && replacement->stateNames() != info.methodStateNames)
        throw Error("method " + candidate.method.name + " records other per-step state than the run's method; start a new run for it");
    } catch (const Error& e) {
      refused = e.what();
    }
  }
  if (s.method) record("method.name", json(config.method.name), json(*s.method), refused);
  if (s.taskWeights) record("train.task_weights", json(config.train.taskWeights), json(*s.taskWeights), refused);
  if (!refused.empty()) {
    for (const auto& [name, value] : s.params) {
      const auto old = config.method.params.find(name);
      record("method.params." + name, old == config.method.params.end() ? "null" : json(old->second), json(value), refused);
    }
    return records;
  }
  // Applied: every parameter of a new method (its old value null), else the ones that changed.
  for (const auto& [name, value] : candidate.method.params) {
    const auto old = config.method.params.find(name);
    if (!s.method && old != config.method.params.end() && old->second == value) continue;
    record("method.params." + name, old == config.method.params.end() || s.method ? "null" : json(old->second), json(value), "");
  }
  untrainMethodParameters(*method);
  trainMethodParameters(*replacement);
  method = std::move(replacement);
  config.method = candidate.method;
  config.train.taskWeights = candidate.train.taskWeights;
  lossWeights = at::tensor(lossWeightsOf(config.train.taskWeights), at::kFloat).to(device);
  if (!begun) {
    info.method = config.method.name;
    info.methodStateNames = method->stateNames();
  }
  return records;
}

Batch Trainer::Impl::nextBatch()
{
  batchRows = order.next(static_cast<size_t>(config.train.batchSize));
  const at::Tensor rows =
      at::from_blob(batchRows.data(), {static_cast<int64_t>(batchRows.size())}, at::kLong).to(device, at::kLong, false, /*copy=*/true);
  return {categorical.index_select(0, rows), dense.index_select(0, rows), labels.index_select(0, rows)};
}

MethodOutput Trainer::Impl::combine(int64_t stepIndex, int64_t epochIndex, const Batch& batch, MethodInput in)
{
  const auto K = static_cast<int64_t>(taskTypes.size());
  in.userRows = userRows;
  in.itemRows = itemRows;
  if (userRows.rows > 0) in.userRows.batchRows = batch.categorical.select(1, 0);
  if (itemRows.rows > 0) in.itemRows.batchRows = batch.categorical.select(1, 1);
  in.step = stepIndex;
  in.epoch = epochIndex;
  MethodOutput out = method->combine(in);
  for (const auto& s : layout->slots()) s.parameter.mutable_grad() = out.combined.narrow(0, s.offset, s.numel).view_as(s.parameter);
  for (int64_t k = 0; k < K && !out.taskScale.empty(); ++k)
    if (out.taskScale[k] != 1.0)
      for (auto& p : taskParameters[k]) p.mutable_grad().mul_(out.taskScale[k]);
  return out;
}

bool Trainer::Impl::step(int64_t stepIndex, bool recordDue, StepRecord& record, RunEnd& end)
{
  const int K = static_cast<int>(taskTypes.size());
  const int64_t epochIndex = order.epochIndex();
  const Batch batch = nextBatch();
  at::Tensor packed;  // everything the record needs, on the host in float64
  at::Tensor losses;
  if (config.train.analyze) {
    at::Tensor g, representationGram;
    PerSampleGradients samples;
    const bool tracking = !trackers.empty();
    losses = taskGradients->compute(batch, g, method->needsRepresentationGram() ? &representationGram : nullptr,
                                    tracking && perSampleLevels ? &samples : nullptr);
    // The method needs the losses and the Gram matrix on the host, the record also every module's
    // Gram matrix: the modules partition the shared parameters, so their sum is the Gram matrix,
    // and all of it comes over in one small transfer per step (with MGDA-UB's Gram matrix last).
    const at::Tensor moduleGrams = layout->moduleGrams(g);
    std::vector<at::Tensor> parts = {losses, moduleGrams.sum(0).reshape(-1), moduleGrams.reshape(-1)};
    if (representationGram.defined()) parts.push_back(representationGram.reshape(-1));
    const at::Tensor host = at::cat(parts).to(at::kCPU, at::kDouble).contiguous();
    const double* lg = host.data_ptr<double>();
    const int64_t recorded = K + K * K + moduleGrams.numel();  // what the record reads of `host`
    MethodInput in;
    in.taskGradients = g;
    in.losses.assign(lg, lg + K);
    in.gram.assign(lg + K, lg + K + K * K);
    if (representationGram.defined()) in.representationGram.assign(lg + recorded, lg + recorded + K * K);
    const MethodOutput out = combine(stepIndex, epochIndex, batch, std::move(in));
    if (out.flags & kMethodFallback) record.flags |= kStepMethodFallback;
    if (tracking) trackGeometry(stepIndex, g, out.combined, samples);
    if (recordDue) {
      // Losses, the Gram matrix, every module's Gram matrix, the weights.
      packed = at::cat({host.narrow(0, 0, recorded), at::tensor(out.weights, at::kDouble)});
      record.methodState.assign(out.state.begin(), out.state.end());
    }
  } else {
    optimizer->zero_grad();
    losses = taskLosses(model->forward(batch), batch.labels, taskTypes);
    (losses * lossWeights).sum().backward();
    if (recordDue) {
      // The squared norm of every gradient, so that a non-finite gradient is caught like a loss.
      std::vector<at::Tensor> squares;
      for (const auto& p : model->parameters())
        if (p.grad().defined()) squares.push_back(p.grad().pow(2).sum());
      packed = at::cat({losses.detach(), lossWeights, at::stack(squares).sum().unsqueeze(0)});
    }
  }

  if (recordDue) {
    const at::Tensor host = packed.to(at::kCPU, at::kDouble);
    const double* v = host.data_ptr<double>();
    bool finite = true;
    for (int64_t i = 0; i < host.numel(); ++i) finite = finite && std::isfinite(v[i]);
    record.loss.assign(v, v + K);
    v += K;
    if (config.train.analyze) {
      const GradientGeometry geo = geometryFromGram(v, K);
      record.gradNorm = geo.norm;
      record.cosine = geo.cosine;
      record.magnitudeRatio = geo.magnitudeRatio;
      if (geo.anyZero) record.flags |= kStepZeroGradient;
      v += K * K;
      record.moduleCosine.clear();
      for (size_t m = 0; m < layout->modules().size(); ++m, v += K * K) {
        const auto pairs = pairCosines(v, K);
        record.moduleCosine.insert(record.moduleCosine.end(), pairs.begin(), pairs.end());
      }
    }
    record.weight.assign(v, v + K);
    if (!finite) {
      record.flags |= kStepNonFinite;
      if (config.train.onNonFinite == NonFinitePolicy::Stop) {
        std::string which;
        for (int k = 0; k < K; ++k)
          if (!std::isfinite(record.loss[k])) which += (which.empty() ? "" : ", ") + info.taskNames[k];
        end.error = "step " + std::to_string(stepIndex) + ": non-finite " +
                    (which.empty() ? std::string("gradient") : "loss for task " + which) +
                    " (train.on_non_finite is 'stop'; 'skip' skips such steps)";
        return false;
      }
      record.flags |= kStepSkipped;
      return true;
    }
  }
  optimizer->step();
  if (config.train.l2Step > 0) l2Step();
  return true;
}

void Trainer::Impl::trackGeometry(int64_t stepIndex, const at::Tensor& gradients, const at::Tensor& combined,
                                  const PerSampleGradients& samples)
{
  const int64_t K = gradients.size(0);
  const auto codes = data->categorical.accessor<int64_t, 2>();
  for (auto& tracker : trackers) {
    std::vector<int64_t> batchCodes;
    batchCodes.reserve(batchRows.size());
    for (int64_t row : batchRows) batchCodes.push_back(codes[row][tracker.column]);
    const BatchGroups groups = groupBatch(batchCodes, perSampleLevels, device);
    const RowBlock& table = *tracker.table;
    const int64_t numel = table.rows * table.dim;
    const at::Tensor tableGradient = gradients.narrow(1, table.offset, numel).view({K, table.rows, table.dim});
    const at::Tensor embeddingGram = embeddingGrams(tableGradient, groups.entity);  // [n, K, K]
    const at::Tensor fit = embeddingFit(tableGradient, combined.narrow(0, table.offset, numel).view({table.rows, table.dim}), groups.entity);
    std::vector<at::Tensor> grams;
    for (GeometryLevel level : geometryLevels) {
      switch (level) {
        case GeometryLevel::Embedding: grams.push_back(embeddingGram); break;
        case GeometryLevel::Representation: grams.push_back(representationGrams(samples, groups)); break;
        case GeometryLevel::Exact: grams.push_back(exactGrams(samples, groups)); break;
      }
    }
    tracker.window.add(stepIndex, groups, grams, embeddingGram, fit);
  }
}

PendingGeometry Trainer::Impl::takeGeometry(int64_t stepIndex)
{
  const int64_t windowStart = trackers.front().window.windowStart();
  WindowSums users = trackers.front().window.take();
  std::optional<WindowSums> items;
  if (trackers.size() > 1) items = trackers[1].window.take();
  return std::async(std::launch::deferred, [stepIndex, windowStart, users = std::move(users), items = std::move(items)] {
           GeometrySnapshot s;
           s.step = stepIndex;
           s.windowStart = windowStart;
           s.users = users.geometry();
           if (items) s.items = items->geometry();
           return s;
         })
      .share();
}

TrainingState Trainer::Impl::trainingState()
{
  TrainingState state{*model, *optimizer, *method, order, {}};
  for (auto& tracker : trackers) state.windows.push_back(&tracker.window);
  return state;
}

ChangeRecord Trainer::Impl::saveCheckpoint(int64_t step)
{
  ChangeRecord record{step, "checkpoint", "null", "null", ""};
  if (checkpointDirectory.empty()) {
    record.refused = "no checkpoint directory was given for this run";
    return record;
  }
  const std::string path = checkpointFile(checkpointDirectory, step);
  CheckpointHeader header;
  header.step = step;
  header.config = config;
  header.trace = checkpointTrace;
  header.softwareVersion = SEESAW_VERSION;
  header.savedAt = utcNow();
  try {
    std::filesystem::create_directories(checkpointDirectory);
    writeCheckpoint(path, header, trainingState());
    record.newValue = nlohmann::json(path).dump();
  } catch (const std::exception& e) {
    record.refused = e.what();
  }
  return record;
}

void Trainer::Impl::l2Step()
{
  // Parameters without a gradient are skipped by every optimizer, so only the regularized ones
  // move (and only their Adam moments see the L2 gradient).
  for (auto& p : trained) p.mutable_grad() = at::Tensor();
  torch::NoGradGuard noGrad;
  for (auto& p : l2Parameters) p.mutable_grad() = p.detach() * (2 * config.train.l2Step);
  optimizer->step();
}

Trainer::Trainer(const RunConfig& config, std::shared_ptr<const PreparedData> data)
    : impl_(std::make_unique<Impl>(config, std::move(data)))
{
}

Trainer::~Trainer() = default;

const RunInfo& Trainer::info() const { return impl_->info; }

void Trainer::setCheckpointDirectory(std::string directory, std::string tracePath)
{
  // Absolute, so that a branch finds its parent from wherever it runs.
  impl_->checkpointDirectory = directory.empty() ? "" : std::filesystem::absolute(directory).string();
  impl_->checkpointTrace = tracePath.empty() ? "" : std::filesystem::absolute(tracePath).string();
}

void Trainer::restore(const std::string& checkpointPath, const Steering& changes)
{
  Impl& s = *impl_;
  const std::string context = "checkpoint " + checkpointPath;
  const auto accept = [&](const CheckpointHeader& header) {
    try {
      // Built from planBranch(saved, ...).start: the saved state's settings, only the plumbing new.
      if (!planBranch(header.config, s.config).changes.empty())
        throw Error("this trainer was built with other method settings than the checkpoint's; steer to them instead");
    } catch (const Error& e) {
      throw Error(context + ": " + e.what());
    }
    if (header.step >= s.info.totalSteps)
      throw Error(context + " is at step " + std::to_string(header.step) + ", where this run ends (" +
                  std::to_string(s.info.totalSteps) + " steps): give it more steps (train.steps)");
  };
  const CheckpointHeader header = readCheckpoint(checkpointPath, s.trainingState(), s.device, accept);
  s.firstStep = header.step + 1;
  s.info.branch = {header.trace, std::filesystem::absolute(checkpointPath).string(), header.step};
  s.branchChanges = s.steer(changes, s.firstStep, false);
  for (const ChangeRecord& c : s.branchChanges)
    if (!c.refused.empty()) throw Error("branch from " + context + ": " + c.field + ": " + c.refused);
  s.info.configJson = toJsonString(s.config);
}

RunEnd Trainer::run(RecordSink& sink)
{
  RunControl unsteered;
  return run(sink, unsteered);
}

RunEnd Trainer::run(RecordSink& sink, RunControl& control)
{
  Impl& s = *impl_;
  const int K = static_cast<int>(s.taskTypes.size());
  const auto start = std::chrono::steady_clock::now();
  s.info.startTime = utcNow();
  sink.begin(s.info);
  for (const ChangeRecord& change : s.branchChanges) sink.change(change);
  RunEnd end;
  end.steps = s.firstStep - 1;
  StepRecord record;
  int64_t lastValidStep = -1;
  const auto nan = std::numeric_limits<float>::quiet_NaN();
  // A checkpoint asked for while paused is saved at once, of the steps done so far.
  const auto checkpointIfAsked = [&](int64_t done) {
    if (control.checkpoint.exchange(false)) sink.change(s.saveCheckpoint(done));
  };
  for (int64_t stepIndex = s.firstStep; stepIndex <= s.info.totalSteps; ++stepIndex) {
    checkpointIfAsked(stepIndex - 1);
    while (control.pause.load(std::memory_order_relaxed) && !control.stop.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      checkpointIfAsked(stepIndex - 1);
    }
    if (control.stop.load(std::memory_order_relaxed)) {
      end.stopped = true;
      break;
    }
    if (auto steering = control.takeSteering())
      for (const ChangeRecord& change : s.steer(*steering, stepIndex, true)) sink.change(change);
    const bool recordDue = stepIndex % s.config.train.recordEvery == 0 || stepIndex == s.info.totalSteps;
    record.flags = 0;
    if (!s.config.train.analyze) {
      record.gradNorm.assign(K, nan);
      record.cosine.assign(K * K, nan);
      record.magnitudeRatio.assign(K, nan);
    }
    const bool ok = s.step(stepIndex, recordDue, record, end);
    end.steps = stepIndex;
    if (recordDue) {
      record.step = stepIndex;
      record.epoch = s.order.epochsSeen();
      record.wallTime = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      record.lr = s.config.train.lr;
      sink.step(record);
    }
    if (!ok) break;
    if (!s.trackers.empty() && stepIndex % s.config.train.userSnapshotEvery == 0) sink.geometry(s.takeGeometry(stepIndex));
    const int64_t every = s.config.train.evalEvery;
    if (every > 0 && stepIndex % every == 0 && stepIndex != s.info.totalSteps && !s.data->split.valid.empty()) {
      sink.eval(s.evaluator->evaluate(s.data->split.valid, "valid", stepIndex));
      lastValidStep = stepIndex;
    }
    if (s.config.train.checkpointEvery > 0 && stepIndex % s.config.train.checkpointEvery == 0) sink.change(s.saveCheckpoint(stepIndex));
  }
  if (end.error.empty()) checkpointIfAsked(end.steps);
  if (end.error.empty()) {
    if (!s.trackers.empty() && !s.trackers.front().window.empty()) sink.geometry(s.takeGeometry(end.steps));
    if (!s.data->split.valid.empty() && lastValidStep != end.steps)
      sink.eval(s.evaluator->evaluate(s.data->split.valid, "valid", end.steps));
    if (!s.data->split.test.empty()) sink.eval(s.evaluator->evaluate(s.data->split.test, "test", end.steps));
  }
  sink.end(end);
  return end;
}

}  // namespace seesaw
