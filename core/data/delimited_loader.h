#pragma once
// Loads CSV/TSV (plain or gzip) into an InteractionTable in one streaming pass. Only mapped
// columns are kept, so memory stays near the table's own size. Every error names the source,
// the line and the column.

#include <string>

#include "data/column_mapping.h"
#include "data/line_reader.h"
#include "data/table.h"

namespace seesaw {

InteractionTable loadDelimited(const std::string& path, const ColumnMapping& mapping);
InteractionTable loadDelimited(LineReader& reader, const ColumnMapping& mapping);

}  // namespace seesaw
