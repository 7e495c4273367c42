#pragma once
// Which columns of a delimited file hold what. Part of the run config (data.columns).

#include <string>
#include <vector>

#include "data/table.h"

namespace seesaw {

struct TaskMapping
{
  std::string name;
  std::string column;
  TaskType type = TaskType::Binary;
  // When non-empty, the label is 1 where the column's value is one of these, else 0
  // (Census: income_50k is "50000+."). Otherwise the column must hold numbers.
  std::vector<std::string> positiveValues;
  // Columns to use, in order, when `column` is missing (KuaiRand: is_like, else label).
  std::vector<std::string> alternatives;
  // Where the task came from, for error messages; empty: data.columns.tasks[i].column.
  std::string configField;
};

struct ColumnMapping
{
  char delimiter = 0;  // 0: tab for *.tsv*, comma for *.csv*, else guessed from the first line
  bool header = true;  // false: columnNames gives the names
  std::vector<std::string> columnNames;
  bool trim = false;   // strip spaces around values (Census writes " Never married")
  std::string user;
  std::string item;
  std::vector<std::string> categorical;
  std::vector<std::string> dense;
  std::string timestamp;  // empty: no timestamp; the column must hold integers
  std::vector<TaskMapping> tasks;
  // Who asked for these columns, for error messages: empty for data.columns, else a preset's name.
  std::string preset;
};

}  // namespace seesaw
