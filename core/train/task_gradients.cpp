#include "train/task_gradients.h"

#include <torch/autograd.h>

#include <map>
#include <set>
#include <stdexcept>

#include "train/losses.h"
#include "util/parallel.h"

namespace seesaw {
namespace {

// tables[f][k][rows[b][f]] += samples[b][k][f * dim, (f + 1) * dim) for every field f, with
// tables[f] [K, n_f, dim], rows [B, F] and samples [B, K, F * dim]. On the CPU a loop: index_add_
// there runs its add kernel once per index, which cost W1 more than the sums.
void addRows(const std::vector<at::Tensor>& tables, const at::Tensor& rows, const at::Tensor& samples)
{
  const auto F = static_cast<int64_t>(tables.size());
  const int64_t dim = tables.front().size(2);
  bool loop = samples.is_cpu() && samples.scalar_type() == at::kFloat && samples.stride(2) == 1;
  for (const auto& t : tables) loop = loop && t.is_cpu() && t.scalar_type() == at::kFloat && t.stride(2) == 1 && t.stride(1) == dim;
  if (!loop) {
    for (int64_t f = 0; f < F; ++f)
      tables[static_cast<size_t>(f)].index_add_(1, rows.select(1, f), samples.narrow(2, f * dim, dim).permute({1, 0, 2}));
    return;
  }
  const at::Tensor index = rows.contiguous();
  const int64_t B = samples.size(0), K = samples.size(1);
  const int64_t* row = index.data_ptr<int64_t>();
  const float* in = samples.data_ptr<float>();
  const int64_t sampleStride = samples.stride(0), taskStride = samples.stride(1);
  std::vector<float*> out;  // each field's table of task 0
  std::vector<int64_t> tableStride;  // from one task's table to the next
  for (const auto& t : tables) {
    out.push_back(t.data_ptr<float>());
    tableStride.push_back(t.stride(0));
  }
  // One (task, field) table per unit of work: no two threads write the same row.
  parallelFor(0, K * F, 1, [&](int64_t begin, int64_t end) {
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t k = unit / F, f = unit % F;
      float* table = out[static_cast<size_t>(f)] + k * tableStride[static_cast<size_t>(f)];
      for (int64_t b = 0; b < B; ++b) {
        float* o = table + row[b * F + f] * dim;
        const float* i = in + b * sampleStride + k * taskStride + f * dim;
        for (int64_t d = 0; d < dim; ++d) o[d] += i[d];
      }
    }
  });
}

}  // namespace

TaskGradients::TaskGradients(MultiTaskModel& model, const SharedLayout& layout, std::vector<TaskType> taskTypes)
    : model_(model), layout_(layout), trunkPass_(model.trunk()), taskTypes_(std::move(taskTypes)), headTaskParameters_(taskTypes_.size())
{
  if (model.taskSpecificBottoms()) {
    // perTaskAutograd reads the shared parameters from the layout and needs only these.
    taskParameters_.resize(taskTypes_.size());
    for (const auto& p : model.parameterInfo())
      if (p.task >= 0) taskParameters_[p.task].push_back(p.tensor);
    return;
  }
  std::map<const void*, int64_t> slotOf;
  for (size_t i = 0; i < layout.slots().size(); ++i) slotOf[layout.slots()[i].parameter.unsafeGetTensorImpl()] = static_cast<int64_t>(i);
  std::map<const void*, int> taskOf;
  for (const auto& p : model.parameterInfo()) taskOf[p.tensor.unsafeGetTensorImpl()] = p.task;

  std::set<const void*> outsideHead;  // embedding tables and trunk parameters
  for (const auto& table : model.embedding()->tables()) {
    tableSlots_.push_back(slotOf.at(table->weight.unsafeGetTensorImpl()));
    outsideHead.insert(table->weight.unsafeGetTensorImpl());
  }
  for (const auto& mlp : model.trunk()) {
    trunk_.emplace_back();
    for (const auto& layer : mlp->layers()) {
      for (const at::Tensor& t : {layer->weight, layer->bias}) {
        const void* key = t.unsafeGetTensorImpl();
        const int task = taskOf.at(key);
        trunk_.back().push_back({t, task < 0 ? slotOf.at(key) : -1, task});
        outsideHead.insert(key);
      }
    }
  }
  for (const auto& p : model.parameterInfo()) {
    const void* key = p.tensor.unsafeGetTensorImpl();
    if (outsideHead.count(key)) continue;
    if (p.task < 0) headSlots_.push_back(slotOf.at(key));
    else headTaskParameters_[p.task].push_back(p.tensor);
  }
  if (model.separableHead() && !headSlots_.empty())
    throw std::logic_error("a separable head must not hold shared parameters");
}

at::Tensor TaskGradients::compute(const Batch& batch, at::Tensor& shared, at::Tensor* representationGram,
                                  PerSampleGradients* perSample)
{
  if (model_.taskSpecificBottoms()) {
    if (representationGram || perSample) throw std::logic_error("task-specific bottoms have no shared representation");
    return perTaskAutograd(batch, shared);
  }
  const auto K = static_cast<int64_t>(taskTypes_.size());
  const auto& slots = layout_.slots();

  at::Tensor x;
  std::vector<at::Tensor> trunkOutputs;
  {
    torch::NoGradGuard noGrad;
    x = model_.embedding()->forward(batch);
    trunkOutputs = trunkPass_.forward(x);
  }
  shared = at::zeros({K, layout_.size()}, x.options());
  at::Tensor losses;
  const HeadGradients head = model_.separableHead() ? headSeparable(x, trunkOutputs, batch, losses)
                                                    : headPerTask(x, trunkOutputs, batch, shared, losses);
  if (representationGram) {
    // <z_k, z_l> summed over every trunk output, each [B, K, out].
    *representationGram = at::zeros({K, K}, x.options());
    for (const auto& z : head.trunk) representationGram->add_(at::tensordot(z, z, {0, 2}, {0, 2}));
  }

  torch::NoGradGuard noGrad;
  const auto& tables = model_.embedding()->tables();
  const int64_t dim = tables.front()->weight.size(1);
  const auto embedded = static_cast<int64_t>(tables.size()) * dim;  // x's embedding columns
  const TrunkPass::Gradients g = trunkPass_.backward(head.trunk, embedded);
  const at::Tensor inputGrad = g.input;  // [B, K, embedded], the trunk's part plus the head's
  for (size_t k = 0; k < head.input.size(); ++k) inputGrad.select(1, static_cast<int64_t>(k)).add_(head.input[k].narrow(1, 0, embedded));
  if (perSample) fillPerSample(head, g, inputGrad, batch, *perSample);
  for (size_t j = 0; j < trunk_.size(); ++j) {
    for (size_t i = 0; i < trunk_[j].size(); ++i) {
      const TrunkParameter& p = trunk_[j][i];
      const at::Tensor& perTask = i % 2 == 0 ? g.weight[j][i / 2] : g.bias[j][i / 2];  // [K, ...]
      if (p.slot >= 0) {
        shared.narrow(1, slots[p.slot].offset, slots[p.slot].numel).view(perTask.sizes()).copy_(perTask);
      } else {
        at::Tensor param = p.tensor;
        param.mutable_grad() = perTask[p.task];
      }
    }
  }
  std::vector<at::Tensor> tableGrads;  // each table's slot of shared, [K, rows, dim]
  for (size_t f = 0; f < tables.size(); ++f) {
    const auto& slot = slots[tableSlots_[f]];
    tableGrads.push_back(shared.narrow(1, slot.offset, slot.numel).view({K, tables[f]->weight.size(0), dim}));
  }
  addRows(tableGrads, batch.categorical, inputGrad);
  return losses;
}

void TaskGradients::fillPerSample(const HeadGradients& head, const TrunkPass::Gradients& trunk, const at::Tensor& embedded,
                                  const Batch& batch, PerSampleGradients& out) const
{
  std::vector<size_t> shared;  // the trunk MLPs every task shares (PLE's task experts are not)
  for (size_t j = 0; j < trunk_.size(); ++j)
    if (trunk_[j].front().slot >= 0) shared.push_back(j);
  out.embedded = embedded;
  out.categorical = batch.categorical;
  std::vector<at::Tensor> firstLayers;
  for (size_t j : shared) {
    out.representation.push_back(head.trunk[j]);
    firstLayers.push_back(trunk.layerGrad[j][0]);
  }
  if (shared.empty()) return;  // a PLE without shared experts: nothing below the head is shared
  // Every first layer reads x: one entry, so that the exact level takes x's products once.
  out.layers = {{trunkPass_.layerInput(0, 0), shared.size() == trunk_.size() ? trunk.firstLayers : at::cat(firstLayers, 2)}};
  for (size_t j : shared)
    for (size_t l = 1; l < trunk.layerGrad[j].size(); ++l) out.layers.push_back({trunkPass_.layerInput(j, l), trunk.layerGrad[j][l]});
}

at::Tensor TaskGradients::perTaskAutograd(const Batch& batch, at::Tensor& shared)
{
  const auto K = static_cast<int64_t>(taskTypes_.size());
  const auto& slots = layout_.slots();
  const at::Tensor losses = taskLosses(model_.forward(batch), batch.labels, taskTypes_);
  shared = at::zeros({K, layout_.size()}, losses.options());
  std::vector<at::Tensor> sharedParameters;
  for (const auto& slot : slots) sharedParameters.push_back(slot.parameter);
  for (int64_t k = 0; k < K; ++k) {
    std::vector<at::Tensor> wanted = sharedParameters;
    wanted.insert(wanted.end(), taskParameters_[k].begin(), taskParameters_[k].end());
    // Unused: a shared parameter that task k's loss does not reach, e.g. another task's gate in a split model.
    const auto grads = torch::autograd::grad({losses[k]}, wanted, {}, /*retain_graph=*/k + 1 < K,
                                             /*create_graph=*/false, /*allow_unused=*/true);
    for (size_t s = 0; s < slots.size(); ++s)
      if (grads[s].defined()) shared[k].narrow(0, slots[s].offset, slots[s].numel).copy_(grads[s].reshape(-1));
    for (size_t i = 0; i < taskParameters_[k].size(); ++i) {
      const at::Tensor& g = grads[slots.size() + i];
      taskParameters_[k][i].mutable_grad() = g.defined() ? g.detach() : at::zeros_like(taskParameters_[k][i]);
    }
  }
  return losses.detach();
}

HeadGradients TaskGradients::headPerTask(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs,
                                         const Batch& batch, at::Tensor& shared, at::Tensor& losses)
{
  const auto K = static_cast<int64_t>(taskTypes_.size());
  const auto& slots = layout_.slots();
  const at::Tensor xLeaf = x.detach().requires_grad_(true);
  std::vector<at::Tensor> inputs = {xLeaf};
  for (const auto& t : trunkOutputs) inputs.push_back(t.detach().requires_grad_(true));
  const at::Tensor allLosses =
      taskLosses(model_.head(xLeaf, std::vector<at::Tensor>(inputs.begin() + 1, inputs.end())), batch.labels, taskTypes_);
  for (int64_t s : headSlots_) inputs.push_back(slots[s].parameter);
  const size_t fixedInputs = inputs.size();

  std::vector<std::vector<at::Tensor>> trunkGrads(trunk_.size());  // [mlp][K] -> [B, out]
  HeadGradients out;
  for (int64_t k = 0; k < K; ++k) {
    std::vector<at::Tensor> wanted = inputs;
    wanted.insert(wanted.end(), headTaskParameters_[k].begin(), headTaskParameters_[k].end());
    auto grads = torch::autograd::grad({allLosses[k]}, wanted, {}, /*retain_graph=*/k + 1 < K, /*create_graph=*/false,
                                       /*allow_unused=*/true);
    auto orZeros = [&](size_t i) { return grads[i].defined() ? grads[i] : at::zeros_like(wanted[i]); };
    out.input.push_back(orZeros(0));
    for (size_t j = 0; j < trunk_.size(); ++j) trunkGrads[j].push_back(orZeros(1 + j));
    for (size_t h = 0; h < headSlots_.size(); ++h) {
      const auto& slot = slots[headSlots_[h]];
      if (grads[1 + trunk_.size() + h].defined())
        shared[k].narrow(0, slot.offset, slot.numel).copy_(grads[1 + trunk_.size() + h].reshape(-1));
    }
    for (size_t i = 0; i < headTaskParameters_[k].size(); ++i)
      headTaskParameters_[k][i].mutable_grad() = orZeros(fixedInputs + i).detach();
  }
  for (const auto& grads : trunkGrads) out.trunk.push_back(at::stack(grads, 1));
  losses = allLosses.detach();
  return out;
}

HeadGradients TaskGradients::headSeparable(const at::Tensor& x, const std::vector<at::Tensor>& trunkOutputs,
                                           const Batch& batch, at::Tensor& losses)
{
  return model_.separableHeadGradients(x, trunkOutputs, [&](const at::Tensor& outputs) {
    losses = taskLosses(outputs, batch.labels, taskTypes_);
    return taskLossGradients(outputs, batch.labels, taskTypes_);
  });
}

}  // namespace seesaw
