#include "data/load_table.h"

#include "data/delimited_loader.h"
#include "data/presets.h"

namespace seesaw {

InteractionTable loadTable(const DataConfig& c)
{
  if (c.source == "synthetic") return generateSynthetic(c.synthetic);
  if (c.source == "census") return loadDelimited(c.path, censusMapping());
  if (c.source == "file") return loadDelimited(c.path, c.columns);
  LineReader reader = c.source == "demo" ? openDemoData() : LineReader::openFile(c.path);
  return loadDelimited(reader, kuairandMapping(c.tasks));
}

}  // namespace seesaw
