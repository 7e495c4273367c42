#include "data/delimited_loader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "util/error.h"

namespace seesaw {
namespace {

std::string_view trimmed(std::string_view s)
{
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits one record; quoted fields may hold the delimiter and doubled quotes. Text after a closing
// quote ("0"7) is refused: dropping it would read a value the file does not hold. `where` names the
// file and line for that error (asked only then, so that the loop over rows builds no string).
class FieldSplitter
{
public:
  FieldSplitter(char delimiter, std::function<std::string()> where) : delimiter_(delimiter), where_(std::move(where)) {}

  const std::vector<std::string_view>& split(std::string_view line, bool trim)
  {
    fields_.clear();
    unquoted_.clear();
    size_t i = 0;
    for (;;) {
      std::string_view field;
      if (i < line.size() && line[i] == '"') {
        std::string value;
        size_t j = i + 1;
        for (; j < line.size(); ++j) {
          if (line[j] == '"') {
            if (j + 1 < line.size() && line[j + 1] == '"') {
              value.push_back('"');
              ++j;
            } else {
              break;
            }
          } else {
            value.push_back(line[j]);
          }
        }
        unquoted_.push_back(std::move(value));
        field = unquoted_.back();
        i = std::min(j + 1, line.size());  // past the closing quote (an unclosed field runs to the end)
        const size_t after = i;
        while (i < line.size() && line[i] != delimiter_) ++i;
        std::string_view rest = trimmed(line.substr(after, i - after));
        while (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);  // a CRLF line end
        if (!rest.empty())
          throw Error(where_() + ", field " + std::to_string(fields_.size() + 1) + ": text after the closing quote: '" + std::string(rest) +
                      "' (a quoted field ends at its quote; double a quote inside one)");
      } else {
        size_t j = line.find(delimiter_, i);
        if (j == std::string_view::npos) j = line.size();
        field = line.substr(i, j - i);
        i = j;
      }
      fields_.push_back(trim ? trimmed(field) : field);
      if (i >= line.size()) break;
      ++i;  // skip the delimiter
      if (i == line.size()) {
        fields_.emplace_back();  // a trailing delimiter ends with an empty field
        break;
      }
    }
    return fields_;
  }

private:
  char delimiter_;
  std::function<std::string()> where_;
  std::vector<std::string_view> fields_;
  std::deque<std::string> unquoted_;  // deque: views into it stay valid while it grows
};

// Remaps values to contiguous codes in order of first appearance without copying known values.
// True when text is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool validUtf8(std::string_view text)
{
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > text.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b >> 6) != 0x2) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

// An id as the message shows it: bytes that are not printable ASCII as \xNN.
std::string escaped(std::string_view text)
{
  static const char* const hex = "0123456789abcdef";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F) out += ch;
    else out += std::string("\\x") + hex[c >> 4] + hex[c & 0xF];
  }
  return out;
}

class CategoricalEncoder
{
public:
  // Ids are stored as UTF-8 text (docs/trace-format.md) and read back as C strings: one holding a
  // NUL byte would merge with another ("u2" and "u2\0x"), one that is not UTF-8 would break every
  // reader that decodes it. Each new value is checked once; `where` names it in the refusal.
  template <typename Where>
  int32_t encode(std::string_view value, const Where& where)
  {
    auto it = codes_.find(value);
    if (it != codes_.end()) return it->second;
    if (value.find('\0') != std::string_view::npos)
      throw Error(where() + ": the value '" + escaped(value) + "' holds a NUL byte; ids are text");
    if (!validUtf8(value)) throw Error(where() + ": the value '" + escaped(value) + "' is not valid UTF-8; ids are stored as UTF-8 text");
    storage_.emplace_back(value);
    auto code = static_cast<int32_t>(codes_.size());
    codes_.emplace(storage_.back(), code);
    return code;
  }
  std::vector<std::string> vocabulary() const { return {storage_.begin(), storage_.end()}; }

private:
  std::deque<std::string> storage_;
  std::unordered_map<std::string_view, int32_t> codes_;
};

char chooseDelimiter(const ColumnMapping& mapping, const std::string& name, std::string_view firstLine)
{
  if (mapping.delimiter) return mapping.delimiter;
  if (name.find(".tsv") != std::string::npos) return '\t';
  if (name.find(".csv") != std::string::npos) return ',';
  size_t tabs = 0, commas = 0;
  for (char c : firstLine) {
    tabs += c == '\t';
    commas += c == ',';
  }
  return tabs > commas ? '\t' : ',';
}

struct Location
{
  const std::string& source;
  size_t line;
  const std::string& column;
  std::string describe() const { return source + ": line " + std::to_string(line) + ", column '" + column + "'"; }
};

float parseFloat(std::string_view text, const Location& at, const char* what)
{
  float value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range)
    throw Error(at.describe() + ": " + what + " '" + std::string(text) + "' is out of the float range");
  if (ec != std::errc() || end != text.data() + text.size())
    throw Error(at.describe() + ": " + what + " '" + std::string(text) + "' is not a number");
  if (!std::isfinite(value)) throw Error(at.describe() + ": " + what + " '" + std::string(text) + "' is not finite");
  return value;
}

struct ColumnSlots
{
  size_t user = 0, item = 0;
  std::vector<size_t> categorical, dense, tasks;
  std::vector<std::string> taskFields;  // the setting that chose each task's column, for its errors
  std::optional<size_t> timestamp;
};

ColumnSlots resolveColumns(const std::vector<std::string>& names, ColumnMapping& m, const std::string& source)
{
  // A mapped name that heads two columns is ambiguous: refused rather than the first one taken.
  auto index = [&](const std::string& column) -> std::optional<size_t> {
    std::optional<size_t> found;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] != column) continue;
      if (found)
        throw Error(source + ": column '" + column + "' appears twice in the header (columns " + std::to_string(*found + 1) + " and " +
                    std::to_string(i + 1) + "): which one is meant is ambiguous; rename one");
      found = i;
    }
    return found;
  };
  auto missing = [&](const std::string& what, const std::string& field) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    const std::string by = m.preset.empty() || field.rfind("data.tasks", 0) == 0 ? "config field " + field
                                                                                   : "needed by the " + m.preset + " preset";
    return Error(source + ": column " + what + " (" + by + ") not found; the columns are: " + known);
  };
  auto find = [&](const std::string& column, const std::string& field) -> size_t {
    if (auto i = index(column)) return *i;
    throw missing("'" + column + "'", field);
  };
  ColumnSlots slots;
  slots.user = find(m.user, "data.columns.user");
  slots.item = find(m.item, "data.columns.item");
  for (size_t i = 0; i < m.categorical.size(); ++i)
    slots.categorical.push_back(find(m.categorical[i], "data.columns.categorical[" + std::to_string(i) + "]"));
  for (size_t i = 0; i < m.dense.size(); ++i)
    slots.dense.push_back(find(m.dense[i], "data.columns.dense[" + std::to_string(i) + "]"));
  for (size_t i = 0; i < m.tasks.size(); ++i) {
    TaskMapping& task = m.tasks[i];
    const std::string field =
        task.configField.empty() ? "data.columns.tasks[" + std::to_string(i) + "].column" : task.configField;
    std::optional<size_t> slot = index(task.column);
    std::string tried = "'" + task.column + "'";
    for (const auto& alternative : task.alternatives) {
      if (slot) break;
      slot = index(alternative);
      if (slot) task.column = alternative;
      tried += " or '" + alternative + "'";
    }
    if (!slot) throw missing(tried, field);
    slots.taskFields.push_back(field);
    if (task.name.empty()) task.name = task.column;
    slots.tasks.push_back(*slot);
  }
  if (!m.timestamp.empty()) slots.timestamp = find(m.timestamp, "data.columns.timestamp");
  return slots;
}

}  // namespace

InteractionTable loadDelimited(const std::string& path, const ColumnMapping& mapping)
{
  LineReader reader = LineReader::openFile(path);
  return loadDelimited(reader, mapping);
}

namespace {

// A file whose lines end in CR alone (classic Mac) reads as one line: said as such, rather than
// the whole file quoted back as a header.
void refuseCarriageReturnLines(std::string_view firstLine, const std::string& source)
{
  const size_t cr = firstLine.find('\r');
  if (cr != std::string_view::npos && cr + 1 < firstLine.size())
    throw Error(source + ": its lines end in CR alone (a classic Mac text file); convert the line ends to LF or CRLF");
}

}  // namespace

InteractionTable loadDelimited(LineReader& reader, const ColumnMapping& mapping)
{
  ColumnMapping m = mapping;  // task columns and names resolve against the header
  const std::string& source = reader.name();
  if (m.tasks.empty()) throw Error(source + ": no tasks are mapped (config field data.columns.tasks is empty)");

  std::string_view line;
  if (!reader.next(line)) throw Error(source + ": empty file");
  refuseCarriageReturnLines(line, source);

  FieldSplitter splitter(chooseDelimiter(m, source, line), [&] { return source + ": line " + std::to_string(reader.lineNumber()); });
  std::vector<std::string> names = m.columnNames;
  bool firstLineIsData = !m.header;
  if (m.header) {
    for (auto f : splitter.split(line, true)) names.emplace_back(f);
  }
  const ColumnSlots slots = resolveColumns(names, m, source);
  const size_t width = names.size();

  InteractionTable table;
  table.user.name = m.user;
  table.item.name = m.item;
  CategoricalEncoder userCodes, itemCodes;
  std::vector<CategoricalEncoder> catCodes(m.categorical.size());
  for (const auto& c : m.categorical) table.categorical.push_back({c, {}, {}});
  for (const auto& d : m.dense) table.dense.push_back({d, {}});
  std::vector<std::unordered_set<std::string>> positives;
  for (const auto& t : m.tasks) {
    table.tasks.push_back({t.name, t.type, {}});  // names resolved above
    positives.emplace_back(t.positiveValues.begin(), t.positiveValues.end());
  }
  if (slots.timestamp) table.timestamp.emplace();

  // What a bad label is called: it names the setting that made the column a task ("data.tasks[1]").
  std::vector<std::string> labelOf;
  for (const std::string& field : slots.taskFields) labelOf.push_back("label of the task set by " + field + ",");
  auto parseRow = [&](std::string_view text) {
    if (text.empty()) return;  // blank lines carry no record
    const auto& fields = splitter.split(text, m.trim);
    if (fields.size() != width)
      throw Error(source + ": line " + std::to_string(reader.lineNumber()) + ": expected " + std::to_string(width) +
                  " fields, found " + std::to_string(fields.size()));
    const size_t lineNumber = reader.lineNumber();
    table.user.codes.push_back(userCodes.encode(fields[slots.user], [&] { return Location{source, lineNumber, m.user}.describe(); }));
    table.item.codes.push_back(itemCodes.encode(fields[slots.item], [&] { return Location{source, lineNumber, m.item}.describe(); }));
    for (size_t c = 0; c < slots.categorical.size(); ++c)
      table.categorical[c].codes.push_back(catCodes[c].encode(fields[slots.categorical[c]], [&] { return Location{source, lineNumber, m.categorical[c]}.describe(); }));
    for (size_t d = 0; d < slots.dense.size(); ++d) {
      std::string_view v = fields[slots.dense[d]];
      table.dense[d].values.push_back(v.empty() ? std::numeric_limits<float>::quiet_NaN()
                                                : parseFloat(v, {source, reader.lineNumber(), m.dense[d]}, "value"));
    }
    for (size_t t = 0; t < slots.tasks.size(); ++t) {
      std::string_view v = fields[slots.tasks[t]];
      const Location at{source, reader.lineNumber(), m.tasks[t].column};
      float label;
      if (!positives[t].empty()) {
        label = positives[t].count(std::string(v)) ? 1.0f : 0.0f;
      } else {
        label = parseFloat(v, at, labelOf[t].c_str());
        if (m.tasks[t].type == TaskType::Binary && label != 0.0f && label != 1.0f)
          throw Error(at.describe() + ": binary label must be 0 or 1, found '" + std::string(v) + "' (the task set by " + slots.taskFields[t] + ")");
      }
      table.tasks[t].labels.push_back(label);
    }
    if (slots.timestamp) {
      std::string_view v = fields[*slots.timestamp];
      int64_t ts = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ts);
      if (ec != std::errc() || end != v.data() + v.size())
        throw Error(Location{source, reader.lineNumber(), m.timestamp}.describe() + ": timestamp '" +
                    std::string(v) + "' is not an integer");
      table.timestamp->push_back(ts);
    }
  };

  if (firstLineIsData) parseRow(line);
  while (reader.next(line)) parseRow(line);

  if (table.rows() == 0) throw Error(source + ": no data rows");
  table.user.vocabulary = userCodes.vocabulary();
  table.item.vocabulary = itemCodes.vocabulary();
  for (size_t c = 0; c < catCodes.size(); ++c) table.categorical[c].vocabulary = catCodes[c].vocabulary();
  table.checkConsistent();
  return table;
}

DelimitedPreview previewDelimited(const std::string& path, const ColumnMapping& mapping, size_t rows)
{
  LineReader reader = LineReader::openFile(path);
  DelimitedPreview preview;
  std::string_view line;
  if (!reader.next(line)) throw Error(path + ": the file is empty");
  refuseCarriageReturnLines(line, path);
  preview.delimiter = chooseDelimiter(mapping, reader.name(), line);
  FieldSplitter splitter(preview.delimiter, [&] { return reader.name() + ": line " + std::to_string(reader.lineNumber()); });
  const auto toStrings = [](const std::vector<std::string_view>& fields) { return std::vector<std::string>(fields.begin(), fields.end()); };
  const auto& first = splitter.split(line, mapping.trim);
  if (mapping.header) {
    preview.columns = toStrings(first);
  } else {
    for (size_t c = 0; c < first.size(); ++c) preview.columns.push_back(std::to_string(c + 1));
    preview.rows.push_back(toStrings(first));
  }
  while (preview.rows.size() < rows && reader.next(line)) preview.rows.push_back(toStrings(splitter.split(line, mapping.trim)));
  return preview;
}

}  // namespace seesaw
