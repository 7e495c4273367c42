#pragma once
// The seam between the trainer and the gradient methods. A method sees each task's gradient on
// the shared parameters (and their Gram matrix, the losses, the step and epoch) and returns one
// combined gradient with the task weights it effectively applied. Task-specific parameters never
// pass through a method: each gets its own task's gradient, times the method's taskScale.
// docs/methods.md defines every method's variant and its effective weights.

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "util/saved_state.h"

namespace seesaw {

// One embedding table's columns in the task-gradient matrix: `rows` x `dim` values from `offset`.
struct RowBlock
{
  int64_t offset = 0;
  int64_t rows = 0;  // 0 where the data has no such table
  int64_t dim = 0;
  at::Tensor batchRows;  // [B] the table rows the batch read, repeats included; undefined: any row
};

struct MethodInput
{
  at::Tensor taskGradients;    // [K, P] each task's gradient on the shared parameters
  std::vector<double> gram;    // [K*K] <g_k, g_l>, row-major
  std::vector<double> losses;  // [K] this batch's task losses (means over the batch)
  // [K*K] the Gram matrix of the task gradients on the shared representation (the trunk's
  // outputs, every sample), for methods whose needsRepresentationGram(); else empty.
  std::vector<double> representationGram;
  RowBlock userRows, itemRows; // the user and item tables inside taskGradients
  int64_t step = 0;            // 1-based
  int64_t epoch = 1;           // 1-based index of the epoch this step belongs to
  int64_t batchSize = 0;       // rows in this batch (an epoch's last may be short); 0: not known
};

enum MethodFlag : uint32_t {
  // The method's rule was undefined here (a zero, tiny or non-finite gradient or loss, a singular
  // system) and it applied its documented fallback instead.
  kMethodFallback = 1u << 0,
};

struct MethodOutput
{
  at::Tensor combined;            // [P]
  std::vector<double> weights;    // [K] effective weight of each task's gradient in `combined`
  std::vector<double> taskScale;  // [K] factor on each task's task-specific gradients; empty: 1
  at::Tensor userWeights;         // [user rows, K] for methods personalized per user, else undefined
  std::vector<double> state;      // the method's own per-step decisions, named by stateNames()
  uint32_t flags = 0;             // MethodFlag
};

class GradientMethod
{
public:
  virtual ~GradientMethod() = default;
  virtual MethodOutput combine(const MethodInput& input) = 0;
  // Learnable weighting parameters (UW, GradNorm). The run's optimizer trains them next to the
  // model's; combine() sets their .grad.
  virtual std::vector<at::Tensor> parameters() { return {}; }
  // Names of the values combine() reports in MethodOutput::state (the trace records them per step).
  virtual std::vector<std::string> stateNames() const { return {}; }
  // Whether combine() reads MethodInput::representationGram (MGDA-UB), which costs the trainer a
  // product per step.
  virtual bool needsRepresentationGram() const { return false; }
  // The method's memory between steps, for checkpoints: loadState(saveState()) on a method built
  // with the same settings makes it combine the next steps exactly as the saved one would have.
  // Learnable parameters() are not part of it (the checkpoint keeps them with the optimizer's).
  // loadState throws seesaw::Error for a state this method cannot take.
  virtual void saveState(SavedState&) const {}
  virtual void loadState(const SavedState&) {}
};

// Whether the Gram matrices and the losses are finite: with a NaN anywhere no rule is defined.
bool finiteInput(const MethodInput& input);

// Where no rule is defined: EW's sum with weights 1, flagged. The trainer flags (and skips or
// stops on) the step; equal weights keep every recorded weight a number.
MethodOutput equalWeightFallback(const MethodInput& input);

// The effective weight of each task in a combination that scales coordinates, sum_k m_k * g_k
// (m: [K, P] or [P]): the coefficient of its contribution along its own gradient,
// <m_k * g_k, g_k> / |g_k|^2. NaN for a zero gradient, which has no direction.
std::vector<double> ownDirectionWeights(const at::Tensor& taskGradients, const at::Tensor& multiplier);

// A method whose combined gradient is sum_k c_k g_k with coefficients c that follow from the Gram
// matrix, the losses and the method's state: PCGrad's projections, MGDA's min-norm point and most
// others are of this kind. The method works on K x K numbers on the host; the one product with
// the [K, P] gradients happens here, and c is also the effective weight.
//
// A learnable method's parameters() have no gradient on a step unless its rule sets one: combine()
// clears their .grad before coefficients(), so that on a fallback step the optimizer skips them
// instead of applying an earlier step's gradient again.
class LinearMethod : public GradientMethod
{
public:
  MethodOutput combine(const MethodInput& input) final;

protected:
  struct Coefficients
  {
    std::vector<double> c;          // [K]
    std::vector<double> taskScale;  // [K]; empty: 1 each
    uint32_t flags = 0;
  };
  // Called with a finite Gram matrix and finite losses only.
  virtual Coefficients coefficients(const MethodInput& input) = 0;
};

}  // namespace seesaw
