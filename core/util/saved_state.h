#pragma once
// What a part of the trainer remembers between steps (a gradient method's loss history or random
// engine, a per-user window's sums), by name, so that a checkpoint carries it and a resumed run
// goes on exactly as the uninterrupted one would have. Every value is a tensor; numbers and random
// engines have helpers. Messages name the entry; the checkpoint reader adds the file and the part.

#include <ATen/ATen.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace seesaw {

class SavedState
{
public:
  void put(const std::string& name, at::Tensor value) { entries_[name] = std::move(value); }
  void putNumbers(const std::string& name, const std::vector<double>& values);
  void putEngine(const std::string& name, const std::mt19937_64& engine);

  bool has(const std::string& name) const { return entries_.count(name) > 0; }
  // Throw seesaw::Error naming the entry when it is missing or of the wrong kind.
  const at::Tensor& get(const std::string& name) const;
  // count >= 0: the entry must hold that many values.
  std::vector<double> numbers(const std::string& name, int64_t count = -1) const;
  double number(const std::string& name) const;
  void restoreEngine(const std::string& name, std::mt19937_64& engine) const;

  const std::map<std::string, at::Tensor>& entries() const { return entries_; }

private:
  std::map<std::string, at::Tensor> entries_;
};

}  // namespace seesaw
