#pragma once
// The three levels at which per-entity task gradients are measured (docs/per-user-geometry.md),
// each giving every entity of a batch its K x K Gram matrix of task gradients for this step.
//   embedding:      the entity's row of each task's embedding-table gradient;
//   representation: each task's per-sample gradient on the shared trunk's outputs, summed per entity;
//   exact:          the entity's gradient on every shared parameter below the head (embedding
//                   tables and shared trunk layers), from per-sample outer products, never formed.

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "train/batch_groups.h"

namespace seesaw {

enum class GeometryLevel { Embedding, Representation, Exact };

const std::vector<std::string>& geometryLevelNames();  // in enum order
GeometryLevel geometryLevel(const std::string& name);  // a name of geometryLevelNames()
std::string geometryLevelName(GeometryLevel level);
// Refuses a level list (train.geometry_levels) with an unknown name or a name listed twice.
void checkGeometryLevels(const std::vector<std::string>& levels);

// The per-sample task gradients of a step that the representation and exact levels read
// (TaskGradients::compute fills them on request).
struct PerSampleGradients
{
  // Every task's per-sample gradient on each shared trunk MLP's output, [output] -> [B, K, width],
  // where the head pass left them.
  std::vector<at::Tensor> representation;
  struct Layer
  {
    at::Tensor input;       // [B, in]
    at::Tensor outputGrad;  // [B, K, out] before the activation: the weight gradient is outputGrad x input
  };
  std::vector<Layer> layers;  // the shared trunk layers; layers reading one input share an entry
  at::Tensor embedded;        // [B, K, F * dim] on the embedded categorical fields
  at::Tensor categorical;     // [B, F] the codes those fields looked up
};

// tableGradient: each task's gradient on an embedding table, [K, rows, dim]; entity: the rows of
// the batch's entities [n]. The entities' K x K Gram matrices [n, K, K], and the fit's
// <g_k(u), combined(u)> [n, K] against the combined gradient on the same table, [rows, dim].
at::Tensor embeddingGrams(const at::Tensor& tableGradient, const at::Tensor& entity);
at::Tensor embeddingFit(const at::Tensor& tableGradient, const at::Tensor& combined, const at::Tensor& entity);
at::Tensor representationGrams(const PerSampleGradients& samples, const BatchGroups& groups);
// Needs groups built with pairs.
at::Tensor exactGrams(const PerSampleGradients& samples, const BatchGroups& groups);

}  // namespace seesaw
