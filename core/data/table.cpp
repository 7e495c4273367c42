#include "data/table.h"

#include "util/error.h"

namespace seesaw {

std::vector<std::string> InteractionTable::taskNames() const
{
  std::vector<std::string> names;
  for (const auto& task : tasks) names.push_back(task.name);
  return names;
}

void InteractionTable::checkConsistent() const
{
  const size_t n = rows();
  auto check = [n](const std::string& what, size_t size) {
    if (size != n)
      throw Error("interaction table: column '" + what + "' has " + std::to_string(size) +
                  " rows, expected " + std::to_string(n));
  };
  check(item.name, item.codes.size());
  for (const auto& c : categorical) check(c.name, c.codes.size());
  for (const auto& d : dense) check(d.name, d.values.size());
  for (const auto& t : tasks) check(t.name, t.labels.size());
  if (timestamp) check("timestamp", timestamp->size());
  if (!userGroup.empty() && userGroup.size() != user.vocabulary.size())
    throw Error("interaction table: user groups cover " + std::to_string(userGroup.size()) +
                " users, expected " + std::to_string(user.vocabulary.size()));
}

TableSummary summarize(const InteractionTable& table)
{
  TableSummary s;
  s.rows = table.rows();
  s.users = table.user.cardinality();
  s.items = table.item.cardinality();
  s.taskNames = table.taskNames();
  for (const auto& task : table.tasks) {
    double sum = 0;
    for (float v : task.labels) sum += v;
    s.labelMeans.push_back(task.labels.empty() ? 0.0 : sum / static_cast<double>(task.labels.size()));
  }
  return s;
}

}  // namespace seesaw
