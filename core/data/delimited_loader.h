#pragma once
// Loads CSV/TSV (plain or gzip) into an InteractionTable in one streaming pass. Only mapped
// columns are kept, so memory stays near the table's own size. Every error names the source,
// the line and the column.

#include <string>
#include <vector>

#include "data/column_mapping.h"
#include "data/line_reader.h"
#include "data/table.h"

namespace seesaw {

InteractionTable loadDelimited(const std::string& path, const ColumnMapping& mapping);
InteractionTable loadDelimited(LineReader& reader, const ColumnMapping& mapping);

// The first rows of a file as loadDelimited would split them (same delimiter choice, quoting and
// trimming), for a column-mapping preview. Without a header the columns are named 1, 2, ...
struct DelimitedPreview
{
  char delimiter = ',';
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};
DelimitedPreview previewDelimited(const std::string& path, const ColumnMapping& mapping, size_t rows);

}  // namespace seesaw
