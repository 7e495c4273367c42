#include "train/trainer.h"

#include <torch/autograd.h>
#include <torch/optim/sgd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <thread>

#include "methods/registry.h"
#include "model/model_factory.h"
#include "train/batch_groups.h"
#include "train/device.h"
#include "train/fused_adam.h"
#include "train/gradient_geometry.h"
#include "train/losses.h"
#include "train/trainer_impl.h"
#include "util/error.h"
#include "util/fnv1a.h"

namespace seesaw {
namespace {

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainConfig& t, std::vector<at::Tensor> params)
{
  switch (t.optimizer) {
    case OptimizerType::Adam:
      return std::make_unique<FusedAdam>(params, torch::optim::AdamOptions(t.lr).weight_decay(t.weightDecay));
    case OptimizerType::AdamW:
      return std::make_unique<FusedAdamW>(params, torch::optim::AdamWOptions(t.lr).weight_decay(t.weightDecay));
    case OptimizerType::SGD:
      return std::make_unique<torch::optim::SGD>(
          params, torch::optim::SGDOptions(t.lr).momentum(t.momentum).weight_decay(t.weightDecay));
  }
  return nullptr;
}

// Steps between the data-parallel ranks' comparisons of their parameters (and at the end).
constexpr int64_t kReplicaCheckEvery = 100;

}  // namespace

Trainer::Impl::Impl(const RunConfig& c, std::shared_ptr<const PreparedData> d, DataParallel* group)
    : config(c), data(std::move(d)), parallel(group), order(data->split.train, c.train.seed)
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
  if (parallel && device.is_cuda())
    throw Error("config field train.device: data parallelism runs on the CPU (Gloo) in this build; use cpu, or one process on the GPU");
  // Every level the model has, the exact one the default: task-specific bottoms (DTRN) share no
  // representation, so they have the embedding rows only; nor has an item's geometry in a
  // data-parallel run, whose ranks hold the per-sample gradients of their users' samples only
  // (an item's samples are spread over the ranks).
  const bool itemsAcrossRanks = parallel && t.analyze && t.userSnapshotEvery > 0 && t.itemGeometry;
  if (config.train.geometryLevels.empty())
    config.train.geometryLevels = model->taskSpecificBottoms() || itemsAcrossRanks
                                      ? std::vector<std::string>{"embedding"}
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
  evaluator = std::make_unique<Evaluator>(*model, *data, categorical, dense, labels, parallel);

  const auto nTrain = static_cast<int64_t>(data->split.train.size());
  info.taskNames = data->spec.taskNames;
  info.taskTypes = taskTypes;
  info.moduleNames = layout->moduleNames();
  info.methodStateNames = method->stateNames();
  info.device = device.str();
  if (parallel) {
    info.worldSize = parallel->worldSize();
    info.backend = parallel->backend();
  }
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
    if (perSampleLevels && itemsAcrossRanks)
      throw Error("config field train.geometry_levels: a data-parallel run shares its samples by user, so an item's per-sample "
                  "gradients are spread over the ranks: with train.item_geometry it records the embedding level only (use "
                  "[\"embedding\"], or item_geometry false)");
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

Batch Trainer::Impl::nextBatch()
{
  batchRows = order.next(static_cast<size_t>(config.train.batchSize));
  const at::Tensor rows =
      at::from_blob(batchRows.data(), {static_cast<int64_t>(batchRows.size())}, at::kLong).to(device, at::kLong, false, /*copy=*/true);
  return {categorical.index_select(0, rows), dense.index_select(0, rows), labels.index_select(0, rows)};
}

Batch Trainer::Impl::localShare(const Batch& global)
{
  localPositions.clear();
  if (parallel == nullptr) {
    for (size_t i = 0; i < batchRows.size(); ++i) localPositions.push_back(static_cast<int64_t>(i));
    return global;
  }
  const int world = parallel->worldSize();
  const auto codes = data->categorical.accessor<int64_t, 2>();
  // By user where the data has users, so that a user's rows meet on one rank; else by position.
  const bool users = data->categorical.size(1) > 0 && userRows.rows > 0;
  for (size_t i = 0; i < batchRows.size(); ++i)
    if ((users ? rankOfUser(codes[batchRows[i]][0], world) : static_cast<int>(i % static_cast<size_t>(world))) == parallel->rank())
      localPositions.push_back(static_cast<int64_t>(i));
  const at::Tensor rows = at::tensor(localPositions, at::kLong).to(device);
  return {global.categorical.index_select(0, rows), global.dense.index_select(0, rows), global.labels.index_select(0, rows)};
}

void Trainer::Impl::sumShares(int64_t localRows, int64_t globalRows, at::Tensor& losses, at::Tensor* shared, at::Tensor* representationGram)
{
  // What the ranks sum: views into the step's tensors, each whole or, for the user and item
  // tables (dim -2 of the view: their rows), only the rows the global batch touched. Every other
  // row's gradient is zero on every rank, so it needs no sending: a step moves K x (rows touched)
  // of a table, not K x (all of its rows).
  std::vector<std::pair<at::Tensor, at::Tensor>> parts;
  losses = losses.detach().clone();
  parts.emplace_back(losses, at::Tensor());
  struct TouchedTable
  {
    const RowBlock* block;  // its place in the shared gradients
    at::Tensor weight;      // the table itself, whose .grad is summed without analyze
    at::Tensor rows;        // the rows the global batch read, sorted, once each
  };
  std::vector<TouchedTable> tables;
  const auto codes = data->categorical.accessor<int64_t, 2>();
  const auto& modelTables = model->embedding()->tables();
  for (const int64_t column : {0, 1}) {  // the user table, then the item table
    const RowBlock* block = column == 0 ? &userRows : &itemRows;
    if (block->rows == 0) continue;
    std::vector<int64_t> touched;
    touched.reserve(batchRows.size());
    for (int64_t row : batchRows) touched.push_back(codes[row][column]);
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    tables.push_back({block, modelTables[static_cast<size_t>(column)]->weight, at::tensor(touched, at::kLong).to(device)});
  }
  std::sort(tables.begin(), tables.end(), [](const auto& a, const auto& b) { return a.block->offset < b.block->offset; });
  if (shared) {
    const int64_t K = shared->size(0);
    int64_t column = 0;
    for (const TouchedTable& t : tables) {
      if (t.block->offset > column) parts.emplace_back(shared->narrow(1, column, t.block->offset - column), at::Tensor());
      parts.emplace_back(shared->narrow(1, t.block->offset, t.block->rows * t.block->dim).view({K, t.block->rows, t.block->dim}), t.rows);
      column = t.block->offset + t.block->rows * t.block->dim;
    }
    if (shared->size(1) > column) parts.emplace_back(shared->narrow(1, column, shared->size(1) - column), at::Tensor());
  }
  // Without analyze every parameter's .grad is the step's; with it, the task-specific ones.
  std::vector<at::Tensor> owners;
  if (shared) {
    for (const auto& task : taskParameters) owners.insert(owners.end(), task.begin(), task.end());
  } else {
    owners = trained;
  }
  for (auto& p : owners) {
    if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
    at::Tensor touched;
    for (const TouchedTable& t : tables)
      if (!shared && p.is_same(t.weight)) touched = t.rows;
    parts.emplace_back(p.mutable_grad(), touched);
  }
  const double share = static_cast<double>(localRows) / static_cast<double>(globalRows);
  std::vector<at::Tensor> flat;
  for (const auto& [view, rows] : parts) {
    const at::Tensor values = rows.defined() ? view.index_select(view.dim() - 2, rows) : view;
    flat.push_back(values.reshape(-1).to(at::kFloat) * share);
  }
  // MGDA-UB's Gram matrix is quadratic in the gradients: its share counts twice.
  if (representationGram && representationGram->defined()) {
    parts.emplace_back(*representationGram, at::Tensor());
    flat.push_back(representationGram->reshape(-1).to(at::kFloat) * (share * share));
  }
  at::Tensor stops = at::full({1}, stopAsked ? 1.0 : 0.0, at::TensorOptions(device).dtype(at::kFloat));
  parts.emplace_back(stops, at::Tensor());
  flat.push_back(stops);
  at::Tensor sum = at::cat(flat).to(at::kCPU).contiguous();
  parallel->sum(sum, "the step's gradient all-reduce");
  sum = sum.to(device);
  int64_t offset = 0;
  for (auto& [view, rows] : parts) {
    std::vector<int64_t> shape = view.sizes().vec();
    if (rows.defined()) shape[shape.size() - 2] = rows.numel();
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    const at::Tensor values = sum.narrow(0, offset, n).view(shape).to(view.scalar_type());
    offset += n;
    if (rows.defined()) view.index_copy_(view.dim() - 2, rows, values);
    else view.copy_(values);
  }
  stopAgreed = stops.item<float>() > 0;
}

void Trainer::Impl::gatherUserWindow()
{
  GeometryWindow& window = trackers.front().window;
  const GeometryWindow::EntitySums mine = window.drain();
  const std::string what = "gathering the per-user sums";
  const GeometryWindow::EntitySums all{parallel->gatherRows(mine.codes, what), parallel->gatherRows(mine.sums, what)};
  if (leads()) window.addSums(all);
}

void Trainer::Impl::checkReplicas(int64_t stepIndex)
{
  Fnv1a digest;
  for (const auto& p : model->parameters()) {
    const at::Tensor bytes = p.detach().to(at::kCPU).contiguous();
    digest.add(bytes.data_ptr(), static_cast<size_t>(bytes.nbytes()));
  }
  parallel->requireSame(static_cast<int64_t>(digest.value()), "the parameters after step " + std::to_string(stepIndex) + " (the replicas went apart)");
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
  in.batchSize = batch.categorical.size(0);
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
  const Batch local = localShare(batch);
  const int64_t localRows = local.categorical.size(0);
  at::Tensor packed;  // everything the record needs, on the host in float64
  at::Tensor losses;
  if (config.train.analyze) {
    at::Tensor g, representationGram;
    PerSampleGradients samples;
    const bool tracking = !trackers.empty();
    const bool representation = method->needsRepresentationGram();
    if (localRows > 0) {
      losses = taskGradients->compute(local, g, representation ? &representationGram : nullptr,
                                      tracking && perSampleLevels ? &samples : nullptr);
    } else {  // a global batch with none of this rank's users
      losses = at::zeros({K}, at::TensorOptions(device).dtype(at::kFloat));
      g = at::zeros({K, layout->size()}, at::TensorOptions(device).dtype(at::kFloat));
      if (representation) representationGram = at::zeros({K, K}, at::TensorOptions(device).dtype(at::kFloat));
      for (const auto& task : taskParameters)
        for (auto p : task) p.mutable_grad() = at::zeros_like(p);
    }
    if (parallel) sumShares(localRows, batch.categorical.size(0), losses, &g, representation ? &representationGram : nullptr);
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
    if (localRows > 0) {
      losses = taskLosses(model->forward(local), local.labels, taskTypes);
      (losses * lossWeights).sum().backward();
    } else {
      losses = at::zeros({K}, at::TensorOptions(device).dtype(at::kFloat));
    }
    if (parallel) sumShares(localRows, batch.categorical.size(0), losses, nullptr, nullptr);
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
  // A rank's per-sample gradients are of its share, the mean over its rows: the global batch's
  // mean weighs each sample by share = local rows / global rows, and the Gram matrices by share^2.
  const double share = static_cast<double>(localPositions.size()) / static_cast<double>(batchRows.size());
  for (auto& tracker : trackers) {
    // A data-parallel rank sums its own users (every user is one rank's), and every item: items
    // record the embedding level only there, from the gradients the ranks summed.
    const bool own = parallel && tracker.column == 0;
    std::vector<int64_t> batchCodes;
    batchCodes.reserve(batchRows.size());
    if (own) {
      for (int64_t i : localPositions) batchCodes.push_back(codes[batchRows[static_cast<size_t>(i)]][tracker.column]);
    } else {
      for (int64_t row : batchRows) batchCodes.push_back(codes[row][tracker.column]);
    }
    if (batchCodes.empty()) {  // none of this rank's users is in the batch: its window opens all the same
      tracker.window.add(stepIndex, BatchGroups{}, {}, at::Tensor(), at::Tensor());
      continue;
    }
    const BatchGroups groups = groupBatch(batchCodes, perSampleLevels, device);
    const RowBlock& table = *tracker.table;
    const int64_t numel = table.rows * table.dim;
    const at::Tensor tableGradient = gradients.narrow(1, table.offset, numel).view({K, table.rows, table.dim});
    const at::Tensor embeddingGram = embeddingGrams(tableGradient, groups.entity);  // [n, K, K]
    const at::Tensor fit = embeddingFit(tableGradient, combined.narrow(0, table.offset, numel).view({table.rows, table.dim}), groups.entity);
    std::vector<at::Tensor> grams;
    for (GeometryLevel level : geometryLevels) {
      if (level == GeometryLevel::Embedding) {
        grams.push_back(embeddingGram);
      } else {
        at::Tensor gram = level == GeometryLevel::Representation ? representationGrams(samples, groups) : exactGrams(samples, groups);
        grams.push_back(share == 1 ? gram : gram.mul_(share * share));
      }
    }
    tracker.window.add(stepIndex, groups, grams, embeddingGram, fit);
  }
}

PendingGeometry Trainer::Impl::takeGeometry(int64_t stepIndex)
{
  if (parallel) gatherUserWindow();
  const int64_t windowStart = trackers.front().window.windowStart();
  WindowSums users = trackers.front().window.take();
  std::optional<WindowSums> items;
  if (trackers.size() > 1) items.emplace(trackers[1].window.take());
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

void Trainer::Impl::l2Step()
{
  // Parameters without a gradient are skipped by every optimizer, so only the regularized ones
  // move (and only their Adam moments see the L2 gradient).
  for (auto& p : trained) p.mutable_grad() = at::Tensor();
  torch::NoGradGuard noGrad;
  for (auto& p : l2Parameters) p.mutable_grad() = p.detach() * (2 * config.train.l2Step);
  optimizer->step();
}

Trainer::Trainer(const RunConfig& config, std::shared_ptr<const PreparedData> data, DataParallel* parallel)
    : impl_(std::make_unique<Impl>(config, std::move(data), parallel))
{
}

Trainer::~Trainer() = default;

const RunInfo& Trainer::info() const { return impl_->info; }

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
    // Ranks stop together, after the step whose all-reduce first carried a rank's stop.
    if (control.stop.load(std::memory_order_relaxed) && !s.parallel) {
      end.stopped = true;
      break;
    }
    s.stopAsked = control.stop.load(std::memory_order_relaxed);
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
    // Every rank scores its users for an evaluation; rank 0 alone records it and saves
    // checkpoints: the replicas are one model.
    const int64_t every = s.config.train.evalEvery;
    if (every > 0 && stepIndex % every == 0 && stepIndex != s.info.totalSteps && !s.data->split.valid.empty()) {
      const EvalRecord valid = s.evaluator->evaluate(s.data->split.valid, "valid", stepIndex);
      if (s.leads()) sink.eval(valid);
      lastValidStep = stepIndex;
    }
    if (s.config.train.checkpointEvery > 0 && stepIndex % s.config.train.checkpointEvery == 0) {
      if (s.parallel && !s.trackers.empty()) s.gatherUserWindow();
      if (s.leads()) sink.change(s.saveCheckpoint(stepIndex));
    }
    if (s.parallel && stepIndex % kReplicaCheckEvery == 0) s.checkReplicas(stepIndex);
    // (A stop carried by the last step's all-reduce comes after the run's end, as in one process.)
    if (s.stopAgreed && stepIndex < s.info.totalSteps) {
      end.stopped = true;
      break;
    }
  }
  if (end.error.empty()) checkpointIfAsked(end.steps);
  if (end.error.empty()) {
    if (s.parallel) s.checkReplicas(end.steps);
    if (!s.trackers.empty() && !s.trackers.front().window.empty()) sink.geometry(s.takeGeometry(end.steps));
    for (const auto& [split, rows] : {std::pair{"valid", &s.data->split.valid}, std::pair{"test", &s.data->split.test}}) {
      if (rows->empty() || (rows == &s.data->split.valid && lastValidStep == end.steps)) continue;
      const EvalRecord r = s.evaluator->evaluate(*rows, split, end.steps);
      if (s.leads()) sink.eval(r);
    }
  }
  sink.end(end);
  return end;
}

}  // namespace seesaw
