#pragma once
// Hand-made inputs for gradient-method tests: task gradients as a [K, P] matrix, the rest derived.

#include <ATen/ATen.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "methods/gradient_method.h"
#include "methods/registry.h"

namespace seesaw::test {

// rows: one gradient per task, all of one length.
inline MethodInput methodInput(const std::vector<std::vector<double>>& rows, std::vector<double> losses = {},
                               int64_t step = 1, int64_t epoch = 1)
{
  const auto K = static_cast<int64_t>(rows.size());
  std::vector<double> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  MethodInput in;
  in.taskGradients = at::tensor(flat, at::kDouble).view({K, -1}).clone();
  const at::Tensor gram = at::mm(in.taskGradients, in.taskGradients.t()).contiguous();
  in.gram.assign(gram.data_ptr<double>(), gram.data_ptr<double>() + K * K);
  in.losses = losses.empty() ? std::vector<double>(K, 1.0) : std::move(losses);
  in.step = step;
  in.epoch = epoch;
  return in;
}

inline std::unique_ptr<GradientMethod> makeMethod(const std::string& name, int tasks,
                                                  const std::map<std::string, double>& params = {}, uint64_t seed = 1)
{
  return methodRegistry().make(name, params, tasks, std::vector<double>(tasks, 1.0), seed);
}

inline std::vector<double> values(const at::Tensor& t)
{
  const at::Tensor c = t.to(at::kDouble).contiguous().cpu();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

inline bool allFinite(const std::vector<double>& v)
{
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

}  // namespace seesaw::test
