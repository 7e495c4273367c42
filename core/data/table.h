#pragma once
// The in-memory columnar interaction table every loader produces and every trainer reads.
// Categorical values (user, item and any categorical field) are remapped to contiguous codes
// 0..n-1 in order of first appearance; the vocabulary keeps the original value of each code.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "records/run_info.h"

namespace seesaw {

struct CategoricalColumn
{
  std::string name;
  std::vector<int32_t> codes;            // one per row
  std::vector<std::string> vocabulary;   // code -> original value
  int32_t cardinality() const { return static_cast<int32_t>(vocabulary.size()); }
};

struct DenseColumn
{
  std::string name;
  std::vector<float> values;  // NaN where the source had no value
};

struct TaskColumn
{
  std::string name;
  TaskType type = TaskType::Binary;
  std::vector<float> labels;  // 0/1 for binary tasks
};

struct InteractionTable
{
  CategoricalColumn user;
  CategoricalColumn item;
  std::vector<CategoricalColumn> categorical;  // further categorical fields
  std::vector<DenseColumn> dense;
  std::vector<TaskColumn> tasks;
  std::optional<std::vector<int64_t>> timestamp;
  // Ground-truth group of each user code where the data has one (synthetic data), else empty.
  std::vector<int32_t> userGroup;

  size_t rows() const { return user.codes.size(); }
  size_t taskCount() const { return tasks.size(); }
  std::vector<std::string> taskNames() const;
  // Checks that every column has rows() entries; throws seesaw::Error otherwise.
  void checkConsistent() const;
};

TableSummary summarize(const InteractionTable& table);

}  // namespace seesaw
