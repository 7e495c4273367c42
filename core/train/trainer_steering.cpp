// Trainer: steering, the method's trainable parameters, checkpoints (see trainer_impl.h).
#include "train/trainer_impl.h"

#include <nlohmann/json.hpp>

#include <ctime>
#include <filesystem>
#include <type_traits>

#include "methods/registry.h"
#include "train/branch.h"
#include "train/optimizer_state.h"
#include "train/run_validation.h"
#include "util/error.h"

namespace seesaw {

std::string utcNow()
{
  char text[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
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
  // The saved per-user sums go on in rank 0's window alone: the ranks' windows add up at a snapshot.
  if (s.parallel && !s.leads() && !s.trackers.empty()) s.trackers.front().window.drain();
  s.firstStep = header.step + 1;
  s.info.branch = {header.trace, std::filesystem::absolute(checkpointPath).string(), header.step};
  s.branchChanges = s.steer(changes, s.firstStep, false);
  for (const ChangeRecord& c : s.branchChanges)
    if (!c.refused.empty()) throw Error("branch from " + context + ": " + c.field + ": " + c.refused);
  s.info.configJson = toJsonString(s.config);
}

}  // namespace seesaw
