#pragma once
// Column mappings of the datasets Seesaw knows by name, and the embedded demo data.

#include <string>
#include <vector>

#include "data/column_mapping.h"
#include "data/line_reader.h"

namespace seesaw {

// KuaiRand logs (Pure, 1K, 27K and the shipped like/hate subset share column names).
// Default tasks: is_click, long_view and is_like, or `label` (like vs hate) where the file has
// no is_like. taskColumns (data.tasks), when given, replaces the default tasks (all binary).
ColumnMapping kuairandMapping(const std::vector<std::string>& taskColumns);

// UCI Census-Income (KDD), 42 columns without a header, with the MMoE paper's tasks
// income > 50K and never married. Census has no users or items: `det_hh_summ` (household
// summary) stands in for the user and `det_occ_code` (occupation) for the item.
ColumnMapping censusMapping();

// The embedded KuaiRand like/hate subset (resources/data/kuairand-27k-likehate-subset).
LineReader openDemoData();

}  // namespace seesaw
