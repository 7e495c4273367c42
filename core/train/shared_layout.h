#pragma once
// Lays the shared parameters out as column ranges of one [K, P] matrix, so that a step's
// per-task gradients are one tensor: a Gram matrix is one product, a module's Gram matrix is the
// product of its column range, and a method combines rows.

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "model/multitask_model.h"

namespace seesaw {

class SharedLayout
{
public:
  struct Slot
  {
    at::Tensor parameter;
    int64_t offset;
    int64_t numel;
  };
  struct Module
  {
    std::string name;
    int64_t begin;
    int64_t end;
  };

  explicit SharedLayout(const std::vector<ParameterInfo>& info);
  int64_t size() const { return size_; }
  const std::vector<Slot>& slots() const { return slots_; }
  const std::vector<Module>& modules() const { return modules_; }
  std::vector<std::string> moduleNames() const;

  // Gram matrix of each module's column range, [M, K, K], from task gradients [K, P].
  at::Tensor moduleGrams(const at::Tensor& taskGradients) const;

private:
  std::vector<Slot> slots_;
  std::vector<Module> modules_;
  int64_t size_ = 0;
};

}  // namespace seesaw
