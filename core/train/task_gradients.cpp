#include "train/task_gradients.h"

#include <torch/autograd.h>

#include <map>
#include <stdexcept>

#include "train/losses.h"

namespace seesaw {

TaskGradients::TaskGradients(MultiTaskModel& model, const SharedLayout& layout, std::vector<TaskType> taskTypes)
    : model_(model), layout_(layout), trunkPass_(model.trunk()), taskTypes_(std::move(taskTypes)), headTaskParameters_(taskTypes_.size())
{
  std::map<const void*, int64_t> slotOf;
  for (size_t i = 0; i < layout.slots().size(); ++i) slotOf[layout.slots()[i].parameter.unsafeGetTensorImpl()] = static_cast<int64_t>(i);
  std::map<const void*, int> taskOf;
  for (const auto& p : model.parameterInfo()) taskOf[p.tensor.unsafeGetTensorImpl()] = p.task;

  std::map<const void*, bool> outsideHead;
  for (const auto& table : model.embedding()->tables()) {
    tableSlots_.push_back(slotOf.at(table->weight.unsafeGetTensorImpl()));
    outsideHead[table->weight.unsafeGetTensorImpl()] = true;
  }
  for (const auto& mlp : model.trunk()) {
    trunk_.emplace_back();
    for (const auto& layer : mlp->layers()) {
      for (const at::Tensor& t : {layer->weight, layer->bias}) {
        const void* key = t.unsafeGetTensorImpl();
        const int task = taskOf.at(key);
        trunk_.back().push_back({t, task < 0 ? slotOf.at(key) : -1, task});
        outsideHead[key] = true;
      }
    }
  }
  for (const auto& p : model.parameterInfo()) {
    const void* key = p.tensor.unsafeGetTensorImpl();
    if (outsideHead.count(key)) continue;
    if (p.task < 0) headSlots_.push_back(slotOf.at(key));
    else headTaskParameters_[p.task].push_back(p.tensor);
  }
}

at::Tensor TaskGradients::compute(const Batch& batch, at::Tensor& shared, const std::vector<double>& lossWeights)
{
  const auto K = static_cast<int64_t>(taskTypes_.size());
  const auto& slots = layout_.slots();

  at::Tensor x;
  std::vector<at::Tensor> trunkOutputs;
  {
    torch::NoGradGuard noGrad;
    x = model_.embedding()->forward(batch);
    trunkOutputs = trunkPass_.forward(x);
  }
  for (auto& t : trunkOutputs) t.requires_grad_(true);
  x.requires_grad_(true);
  const at::Tensor losses = taskLosses(model_.head(x, trunkOutputs), batch.labels, taskTypes_);

  shared = at::zeros({K, layout_.size()}, x.options().requires_grad(false));
  std::vector<at::Tensor> inputs = {x};
  inputs.insert(inputs.end(), trunkOutputs.begin(), trunkOutputs.end());
  for (int64_t s : headSlots_) inputs.push_back(slots[s].parameter);
  const size_t fixedInputs = inputs.size();

  std::vector<at::Tensor> inputGrads, outputGrads(trunk_.size() * K);
  for (int64_t k = 0; k < K; ++k) {
    std::vector<at::Tensor> wanted = inputs;
    wanted.insert(wanted.end(), headTaskParameters_[k].begin(), headTaskParameters_[k].end());
    auto grads = torch::autograd::grad({losses[k]}, wanted, {}, /*retain_graph=*/k + 1 < K, /*create_graph=*/false,
                                       /*allow_unused=*/true);
    auto orZeros = [&](size_t i) { return grads[i].defined() ? grads[i] : at::zeros_like(wanted[i]); };
    inputGrads.push_back(orZeros(0));
    for (size_t j = 0; j < trunk_.size(); ++j) outputGrads[j * K + k] = orZeros(1 + j);
    for (size_t h = 0; h < headSlots_.size(); ++h) {
      const auto& slot = slots[headSlots_[h]];
      if (grads[1 + trunk_.size() + h].defined())
        shared[k].narrow(0, slot.offset, slot.numel).copy_(grads[1 + trunk_.size() + h].reshape(-1));
    }
    for (size_t i = 0; i < headTaskParameters_[k].size(); ++i) {
      at::Tensor& p = headTaskParameters_[k][i];
      p.mutable_grad() = (orZeros(fixedInputs + i) * lossWeights[k]).detach();
    }
  }

  torch::NoGradGuard noGrad;
  std::vector<at::Tensor> trunkGrads;
  for (size_t j = 0; j < trunk_.size(); ++j)
    trunkGrads.push_back(at::stack(std::vector<at::Tensor>(outputGrads.begin() + j * K, outputGrads.begin() + (j + 1) * K), 1));
  const TrunkPass::Gradients g = trunkPass_.backward(trunkGrads);
  const at::Tensor inputGrad = g.input + at::stack(inputGrads, 1);  // [B, K, in]
  for (size_t j = 0; j < trunk_.size(); ++j) {
    for (size_t i = 0; i < trunk_[j].size(); ++i) {
      const TrunkParameter& p = trunk_[j][i];
      const at::Tensor& perTask = i % 2 == 0 ? g.weight[j][i / 2] : g.bias[j][i / 2];  // [K, ...]
      if (p.slot >= 0) {
        shared.narrow(1, slots[p.slot].offset, slots[p.slot].numel).copy_(perTask.reshape({K, -1}));
      } else {
        at::Tensor param = p.tensor;
        param.mutable_grad() = perTask[p.task] * lossWeights[p.task];
      }
    }
  }
  const auto& tables = model_.embedding()->tables();
  for (size_t f = 0; f < tables.size(); ++f) {
    const auto& slot = slots[tableSlots_[f]];
    const int64_t rows = tables[f]->weight.size(0), dim = tables[f]->weight.size(1);
    shared.narrow(1, slot.offset, slot.numel)
        .view({K, rows, dim})
        .index_add_(1, batch.categorical.select(1, static_cast<int64_t>(f)),
                    inputGrad.narrow(2, static_cast<int64_t>(f) * dim, dim).permute({1, 0, 2}));
  }
  return losses.detach();
}

}  // namespace seesaw
