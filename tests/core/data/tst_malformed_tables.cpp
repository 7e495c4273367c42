// Malformed delimited tables, generated from one fixed seed: truncated, flipped, mis-quoted, ragged,
// mistyped or misnamed. Each is either read as its text says (the test knows the rows it must
// give) or refused with a seesaw::Error that names the file and the place: a line, a field or a
// column. None may crash or hang.
#include <QtTest>

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "data/load_table.h"
#include "tests/core/malformed_inputs.h"
#include "util/error.h"

using namespace seesaw;
using namespace seesaw::testing;

namespace {

enum Column : size_t { kUser, kItem, kCity, kPrice, kTime, kClick, kLike, kWatch, kNote };

// A table as cells, before any quoting: the truth a correct reading must reproduce.
struct Cells
{
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// Small, but with what a writer must quote (a comma, quotes), a missing dense value, a multi-byte
// id and an unmapped column.
Cells baseCells()
{
  return {{"user", "item", "city", "price", "time", "click", "like", "watch", "note"},
          {{"u1", "i1", "paris", "12.5", "1000", "1", "0", "3.25", "first"},
           {"u2", "i2", "rome, it", "7.25", "1001", "0", "0", "0.5", "a comma in a city"},
           {"u3", "i1", "berlin", "19.0", "1002", "1", "1", "12.75", "x"},
           {"u1", "i3", "paris", "3.5", "1003", "0", "1", "0", "a \"quoted\" note"},
           {"u4", "i2", "oslo", "", "1004", "1", "0", "1.5", "no price"},
           {"u2", "i4", "rome, it", "8.125", "1005", "0", "0", "2", "y"},
           {"u5", "i5", "caf\xc3\xa9", "42", "1006", "1", "1", "0.25", "utf-8 city"},
           {"u3", "i3", "berlin", "0.5", "1007", "0", "1", "7.5", "z"}}};
}

DataConfig dataConfig(const std::string& path)
{
  DataConfig config;
  config.source = "file";
  config.path = path;
  ColumnMapping& m = config.columns;
  m.user = "user";
  m.item = "item";
  m.categorical = {"city"};
  m.dense = {"price"};
  m.timestamp = "time";
  m.tasks = {{"click", "click", TaskType::Binary, {}, {}, {}},
             {"like", "like", TaskType::Binary, {}, {}, {}},
             {"watch", "watch", TaskType::Regression, {}, {}, {}}};
  return config;
}

// One record as an RFC 4180 writer writes it: quoted only where it must be.
std::string record(const std::vector<std::string>& cells, char delimiter = ',')
{
  std::string line;
  for (size_t c = 0; c < cells.size(); ++c) {
    if (c > 0) line += delimiter;
    const std::string& cell = cells[c];
    if (cell.find_first_of(std::string{delimiter, '"', '\n', '\r'}) == std::string::npos) {
      line += cell;
      continue;
    }
    line += '"';
    for (char ch : cell) {
      if (ch == '"') line += '"';
      line += ch;
    }
    line += '"';
  }
  return line;
}

std::vector<std::string> recordLines(const Cells& cells, char delimiter = ',')
{
  std::vector<std::string> lines{record(cells.header, delimiter)};
  for (const auto& row : cells.rows) lines.push_back(record(row, delimiter));
  return lines;
}

std::string joined(const std::vector<std::string>& lines, const std::string& lineEnd = "\n")
{
  std::string out;
  for (const auto& line : lines) out += line + lineEnd;
  return out;
}

std::string tableText(const Cells& cells, char delimiter = ',', const std::string& lineEnd = "\n")
{
  return joined(recordLines(cells, delimiter), lineEnd);
}

// Line `number` (1: the header) of the base table's text.
std::string baseLine(size_t number) { return recordLines(baseCells())[number - 1]; }

// The base table's text with line `number` replaced.
std::string withLine(size_t number, const std::string& content)
{
  std::vector<std::string> lines = recordLines(baseCells());
  lines[number - 1] = content;
  return joined(lines);
}

// The base table's text with `content` inserted so that it becomes line `number`.
std::string withLineInserted(size_t number, const std::string& content)
{
  std::vector<std::string> lines = recordLines(baseCells());
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(number - 1), content);
  return joined(lines);
}

Cells withCell(size_t row, size_t column, const std::string& value)
{
  Cells cells = baseCells();
  cells.rows[row][column] = value;
  return cells;
}

Cells withColumnAppended(const std::string& name, const std::string& value)
{
  Cells cells = baseCells();
  cells.header.push_back(name);
  for (auto& row : cells.rows) row.push_back(value);
  return cells;
}

Cells withoutColumn(size_t column)
{
  Cells cells = baseCells();
  cells.header.erase(cells.header.begin() + static_cast<std::ptrdiff_t>(column));
  for (auto& row : cells.rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(column));
  return cells;
}

Cells withColumnsReversed()
{
  Cells cells = baseCells();
  std::reverse(cells.header.begin(), cells.header.end());
  for (auto& row : cells.rows) std::reverse(row.begin(), row.end());
  return cells;
}

// One row's mapped values as the loader stores them. Ids are compared as text, so that a reading
// need not give the same codes, only the same values.
struct RowValues
{
  std::string user, item, city;
  float price = 0;
  int64_t time = 0;
  float click = 0, like = 0, watch = 0;
};

RowValues rowOf(const std::vector<std::string>& cells)
{
  auto number = [](const std::string& text) { return std::strtof(text.c_str(), nullptr); };
  RowValues v;
  v.user = cells[kUser];
  v.item = cells[kItem];
  v.city = cells[kCity];
  v.price = cells[kPrice].empty() ? std::numeric_limits<float>::quiet_NaN() : number(cells[kPrice]);
  v.time = std::strtoll(cells[kTime].c_str(), nullptr, 10);
  v.click = number(cells[kClick]);
  v.like = number(cells[kLike]);
  v.watch = number(cells[kWatch]);
  return v;
}

RowValues rowOf(const InteractionTable& t, size_t r)
{
  auto id = [r](const CategoricalColumn& c) { return c.vocabulary[static_cast<size_t>(c.codes[r])]; };
  RowValues v;
  v.user = id(t.user);
  v.item = id(t.item);
  v.city = id(t.categorical[0]);
  v.price = t.dense[0].values[r];
  v.time = (*t.timestamp)[r];
  v.click = t.tasks[0].labels[r];
  v.like = t.tasks[1].labels[r];
  v.watch = t.tasks[2].labels[r];
  return v;
}

bool sameRow(const RowValues& a, const RowValues& b)
{
  auto same = [](float x, float y) { return x == y || (std::isnan(x) && std::isnan(y)); };
  return a.user == b.user && a.item == b.item && a.city == b.city && same(a.price, b.price) && a.time == b.time &&
         same(a.click, b.click) && same(a.like, b.like) && same(a.watch, b.watch);
}

QString describe(const RowValues& v)
{
  auto id = [](const std::string& s) { return QString::fromStdString(s.substr(0, 24)); };
  return QString("%1 | %2 | %3 | price %4 | time %5 | labels %6 %7 %8")
      .arg(id(v.user), id(v.item), id(v.city))
      .arg(v.price)
      .arg(v.time)
      .arg(v.click)
      .arg(v.like)
      .arg(v.watch);
}

struct TableVariant
{
  QString kind;
  std::string bytes;
  Expect expect = Expect::Either;
  QString refusalSays;                    // besides the path, e.g. "line 3, column 'user'"; empty: the general rule only
  std::optional<size_t> rowsIfRead;
  std::map<size_t, RowValues> knownRows;  // row index -> what a reading must give there
  std::string fileName = "table.csv";     // its extension picks the delimiter
};

struct TableVariants
{
  std::vector<TableVariant> list;

  void read(const QString& kind, const std::string& bytes, const Cells& cells, const std::string& fileName = "table.csv")
  {
    add(kind, bytes, Expect::Read, {}, fileName).rowsIfRead = cells.rows.size();
    for (size_t r = 0; r < cells.rows.size(); ++r) list.back().knownRows[r] = rowOf(cells.rows[r]);
  }
  void refused(const QString& kind, const std::string& bytes, const QString& says, const std::string& fileName = "table.csv")
  {
    add(kind, bytes, Expect::Refused, says, fileName);
  }
  // Read as `cells`, or refused saying `says`: where a strict and a lenient reader may both be right.
  void either(const QString& kind, const std::string& bytes, const Cells& cells, const QString& says = {})
  {
    read(kind, bytes, cells);
    list.back().expect = Expect::Either;
    list.back().refusalSays = says;
  }
  // A random mutation; the caller fills in the rows it can predict.
  TableVariant& random(const QString& kind, const std::string& bytes) { return add(kind, bytes, Expect::Either, {}, "table.csv"); }

private:
  TableVariant& add(const QString& kind, const std::string& bytes, Expect expect, const QString& says, const std::string& fileName)
  {
    TableVariant v;
    v.kind = kind;
    v.bytes = bytes;
    v.expect = expect;
    v.refusalSays = says;
    v.fileName = fileName;
    list.push_back(std::move(v));
    return list.back();
  }
};

std::vector<TableVariant> tableVariants(std::mt19937& rng)
{
  const Cells base = baseCells();
  const std::string plain = tableText(base);
  const std::string nul(1, '\0');
  TableVariants v;

  // The whole file: nothing in it, no rows, or line ends a reader may not expect. CR alone makes
  // one line of the whole file; LF and CRLF are both common and read alike.
  v.refused("empty file", "", "empty file");
  v.refused("header only", baseLine(1) + "\n", "no data rows");
  v.refused("header and blank lines", baseLine(1) + "\n\n\r\n\n", "no data rows");
  v.refused("only line ends", "\n\n\n", "column 'user' (config field data.columns.user) not found");
  v.refused("CR-only line ends", tableText(base, ',', "\r"), "its lines end in CR alone");
  {
    std::vector<std::string> lines = recordLines(base);
    lines[1] += "\r" + lines[2];
    lines.erase(lines.begin() + 2);
    v.refused("one row ending in CR alone", joined(lines), "line 2: expected 9 fields, found 17");
  }
  v.read("CRLF line ends", tableText(base, ',', "\r\n"), base);
  v.read("no line end after the last row", plain.substr(0, plain.size() - 1), base);
  {
    std::vector<std::string> lines = recordLines(base);
    lines.insert(lines.begin() + 2, "");
    lines.insert(lines.begin() + 5, "\r");  // a blank CRLF line
    v.read("blank lines between and after the rows", joined(lines) + "\n\n", base);
  }
  // The reader detects gzip by its magic bytes, not by the name.
  v.refused("gzip magic before plain text", "\x1f\x8b" + plain, "corrupt gzip data");
  v.refused("gzip magic alone", "\x1f\x8b", "truncated gzip stream");

  // The header: repeated (files concatenated), renamed, short of a column, or naming one twice.
  v.refused("header repeated as the first row", withLineInserted(2, baseLine(1)), "line 2, column 'price': value 'price' is not a number");
  v.refused("header repeated mid-file", withLineInserted(5, baseLine(1)), "line 5, column 'price'");
  {
    Cells renamed = base;
    renamed.header[kLike] = "liked";
    v.refused("a task column renamed", tableText(renamed), "column 'like' (config field data.columns.tasks[1].column) not found");
  }
  v.refused("the timestamp column dropped", tableText(withoutColumn(kTime)), "column 'time' (config field data.columns.timestamp) not found");
  v.refused("a mapped column twice", tableText(withColumnAppended("price", "1")), "column 'price' appears twice in the header (columns 4 and 10)");
  v.read("an unmapped column added", tableText(withColumnAppended("extra", "e")), base);
  v.read("columns in reverse order", tableText(withColumnsReversed()), base);
  v.read("spaces around the header's names", withLine(1, "user , item , city , price , time , click , like , watch , note"), base);
  {
    std::vector<std::string> shortHeader = base.header;
    shortHeader.pop_back();
    v.refused("header without the last column", withLine(1, record(shortHeader)), "line 2: expected 8 fields, found 9");
  }
  // Spreadsheets write a byte-order mark: it is not part of the first column's name.
  v.read("UTF-8 byte-order mark", "\xEF\xBB\xBF" + plain, base);

  // Rows of the wrong width: a delimiter lost or added, a decimal comma, a stray line.
  {
    std::vector<std::string> merged = base.rows[2];
    merged[kCity] += merged[kPrice];
    merged.erase(merged.begin() + kPrice);
    v.refused("a delimiter removed", withLine(4, record(merged)), "line 4: expected 9 fields, found 8");
  }
  {
    std::string line = baseLine(6);
    line.insert(line.find(','), ",");
    v.refused("a delimiter added", withLine(6, line), "line 6: expected 9 fields, found 10");
  }
  v.refused("a trailing delimiter", withLine(3, baseLine(3) + ","), "line 3: expected 9 fields, found 10");
  {
    std::string line = baseLine(2);
    line.replace(line.find("12.5"), 4, "12,5");
    v.refused("a decimal comma, unquoted", withLine(2, line), "line 2: expected 9 fields, found 10");
  }
  v.refused("a line of spaces", withLineInserted(3, "   "), "line 3: expected 9 fields, found 1");
  v.refused("a row of empty fields", withLineInserted(3, ",,,,,,,,"), "line 3, column 'click'");
  v.refused("a 4 MiB line without delimiters", withLineInserted(2, std::string(4 << 20, 'b')), "line 2: expected 9 fields, found 1");

  // Quotes: a quoted field may hold the delimiter and doubled quotes, and nothing after its closing quote.
  {
    std::string line = baseLine(3);  // u2,i2,"rome, it",...
    const size_t opening = line.find('"'), closing = line.find('"', opening + 1);
    std::string unclosed = line, unopened = line, trailing = line;
    unclosed.erase(closing, 1);
    unopened.erase(opening, 1);
    trailing.insert(closing + 1, "x");
    v.refused("closing quote removed", withLine(3, unclosed), "line 3: expected 9 fields, found 3");
    v.refused("opening quote removed", withLine(3, unopened), "line 3: expected 9 fields, found 10");
    v.refused("text after a closing quote", withLine(3, trailing), "line 3, field 3: text after the closing quote: 'x'");
  }
  v.refused("a quote opened and never closed", withLine(2, "\"" + baseLine(2)), "line 2: expected 9 fields, found 1");
  v.read("a plain field quoted", withLine(2, "\"u1\"" + baseLine(2).substr(2)), base);
  v.either("spaces after a closing quote", withLine(2, "\"u1\"  " + baseLine(2).substr(2)), base);
  v.either("a quote inside a plain field", withLine(2, "u\"1" + baseLine(2).substr(2)), withCell(0, kUser, "u\"1"));
  v.read("a doubled quote inside a quoted id", tableText(withCell(0, kUser, "u\"1")), withCell(0, kUser, "u\"1"));
  v.read("a delimiter inside a quoted id", tableText(withCell(0, kItem, "i,1")), withCell(0, kItem, "i,1"));
  // RFC 4180 allows a line break inside quotes; a line-based reader may refuse it, naming the line.
  v.either("a line break inside a quoted city", tableText(withCell(0, kCity, "new\nyork")), withCell(0, kCity, "new\nyork"), "line 2");

  // Ids are text: no NUL (it merged "u2" and "u2\0x" into one user), only well-formed UTF-8.
  // Unmapped columns are not read, so what they hold does not matter.
  v.refused("a NUL byte in a user id", tableText(withCell(0, kUser, "u1" + nul + "x")),
            "line 2, column 'user': the value 'u1\\x00x' holds a NUL byte");
  v.refused("an item id that is a NUL byte", tableText(withCell(3, kItem, nul)), "line 5, column 'item'");
  v.read("a NUL byte in an unmapped column", tableText(withCell(2, kNote, "n" + nul + "te")), base);
  v.refused("invalid UTF-8: a lone 0xff", tableText(withCell(1, kUser, "u\xff")), "line 3, column 'user': the value 'u\\xff' is not valid UTF-8");
  v.refused("invalid UTF-8: an overlong '/'", tableText(withCell(2, kItem, "i\xc0\xaf")), "line 4, column 'item'");
  v.refused("invalid UTF-8: a surrogate", tableText(withCell(0, kCity, "\xed\xa0\x80")), "line 2, column 'city'");
  v.refused("invalid UTF-8: a sequence cut short", tableText(withCell(4, kUser, "u\xe2\x82")), "line 6, column 'user'");
  v.refused("invalid UTF-8: beyond U+10FFFF", tableText(withCell(5, kItem, "\xf4\x90\x80\x80")), "line 7, column 'item'");
  v.refused("a Latin-1 city", tableText(withCell(6, kCity, "caf\xe9")), "line 8, column 'city'");
  {
    Cells multiByte = withCell(0, kUser, "\xe2\x82\xac");  // €
    multiByte.rows[1][kItem] = "\xf0\x9f\x98\x80";        // an emoji, four bytes
    v.read("multi-byte UTF-8 ids", tableText(multiByte), multiByte);
  }
  {
    const Cells longId = withCell(3, kUser, std::string(4 << 20, 'a'));
    v.read("a 4 MiB user id", tableText(longId), longId);
  }

  // Labels: a binary task holds 0 or 1, every task a finite float.
  v.refused("binary label 2", tableText(withCell(2, kClick, "2")),
            "line 4, column 'click': binary label must be 0 or 1, found '2' (the task set by data.columns.tasks[0].column)");
  v.refused("binary label x", tableText(withCell(4, kLike, "x")),
            "line 6, column 'like': label of the task set by data.columns.tasks[1].column, 'x' is not a number");
  v.refused("binary label empty", tableText(withCell(0, kClick, "")), "line 2, column 'click'");
  v.refused("binary label -1", tableText(withCell(5, kLike, "-1")), "line 7, column 'like': binary label must be 0 or 1, found '-1'");
  v.refused("binary label 0.5", tableText(withCell(7, kClick, "0.5")), "line 9, column 'click'");
  v.either("binary label written 1.0", tableText(withCell(1, kClick, "1.0")), withCell(1, kClick, "1.0"), "line 3, column 'click'");
  v.refused("regression label nan", tableText(withCell(3, kWatch, "nan")), "line 5, column 'watch'");
  v.refused("regression label beyond float", tableText(withCell(0, kWatch, "1e39")), "line 2, column 'watch'");
  v.read("regression label negative", tableText(withCell(2, kWatch, "-3.5")), withCell(2, kWatch, "-3.5"));

  // Timestamps are integers.
  v.refused("timestamp a word", tableText(withCell(1, kTime, "yesterday")), "line 3, column 'time': timestamp 'yesterday' is not an integer");
  v.refused("timestamp a date", tableText(withCell(2, kTime, "2024-01-02")), "line 4, column 'time'");
  v.refused("timestamp fractional", tableText(withCell(3, kTime, "1003.5")), "line 5, column 'time'");
  v.refused("timestamp beyond int64", tableText(withCell(4, kTime, "99999999999999999999")), "line 6, column 'time'");
  v.refused("timestamp empty", tableText(withCell(5, kTime, "")), "line 7, column 'time'");
  v.read("timestamp negative", tableText(withCell(6, kTime, "-5")), withCell(6, kTime, "-5"));
  v.either("timestamp with a plus sign", tableText(withCell(7, kTime, "+1007")), withCell(7, kTime, "+1007"), "line 9, column 'time'");

  // Dense values: empty is missing (NaN); anything else must be a finite float.
  v.read("dense value empty", tableText(withCell(0, kPrice, "")), withCell(0, kPrice, ""));
  v.refused("dense value a word", tableText(withCell(1, kPrice, "cheap")), "line 3, column 'price': value 'cheap' is not a number");
  v.refused("dense value with a quoted decimal comma", tableText(withCell(1, kPrice, "7,25")), "line 3, column 'price': value '7,25' is not a number");
  v.refused("dense value inf", tableText(withCell(2, kPrice, "inf")), "line 4, column 'price': value 'inf' is not finite");
  v.refused("dense value beyond float", tableText(withCell(3, kPrice, "1e40")), "line 5, column 'price': value '1e40' is out of the float range");
  v.refused("dense value hexadecimal", tableText(withCell(5, kPrice, "0x1A")), "line 7, column 'price'");
  v.either("dense value with a leading space", tableText(withCell(0, kPrice, " 12.5")), base, "line 2, column 'price'");

  // The delimiter: chosen by the extension (.csv, .tsv), else guessed from the header.
  v.read("tab-separated", tableText(base, '\t'), base, "table.tsv");
  {
    std::vector<std::string> lines = recordLines(base, '\t');
    lines[3] = record(base.rows[2], ',');
    v.refused("tab-separated with one comma-separated row", joined(lines), "line 4: expected 9 fields, found 1", "table.tsv");
  }
  v.read("comma-separated, named without an extension", plain, base, "table.txt");
  v.read("tab-separated, named without an extension", tableText(base, '\t'), base, "table.txt");
  v.refused("comma-separated, named .tsv", plain, "column 'user' (config field data.columns.user) not found", "table.tsv");

  // Random damage. A cut keeps the complete lines before it; a flip or an inserted byte damages
  // one line, and every other row must read as before.
  for (int i = 0; i < 12; ++i) {
    const size_t cut = below(rng, plain.size());
    TableVariant& t = v.random(QString("truncated to %1 of %2 bytes").arg(cut).arg(plain.size()), plain.substr(0, cut));
    const size_t complete = newlinesBefore(plain, cut);  // complete lines, the header first
    const bool partial = cut > 0 && plain[cut - 1] != '\n';
    if (complete > 0) {
      t.rowsIfRead = complete - 1 + (partial ? 1 : 0);
      for (size_t r = 0; r + 1 < complete; ++r) t.knownRows[r] = rowOf(base.rows[r]);
    }
  }
  auto knownExceptLine = [&](TableVariant& t, size_t line) {  // line: 0 is the header
    t.rowsIfRead = base.rows.size();
    for (size_t r = 0; r < base.rows.size(); ++r)
      if (line == 0 || r != line - 1) t.knownRows[r] = rowOf(base.rows[r]);
  };
  for (int i = 0; i < 16; ++i) {
    const size_t at = below(rng, plain.size());
    const int bit = static_cast<int>(below(rng, 8));
    std::string bytes = plain;
    bytes[at] = static_cast<char>(bytes[at] ^ (1 << bit));
    knownExceptLine(v.random(QString("bit %1 of byte %2 flipped").arg(bit).arg(at), bytes), newlinesBefore(plain, at));
  }
  const std::string insertable[] = {"\n", "\r", "\"", ",", "\t", nul, "\xff", "x"};
  for (int i = 0; i < 8; ++i) {
    const size_t at = below(rng, plain.size() + 1);
    const std::string& byte = insertable[below(rng, std::size(insertable))];
    std::string bytes = plain;
    bytes.insert(at, byte);
    const auto code = static_cast<uint>(static_cast<unsigned char>(byte[0]));
    knownExceptLine(v.random(QString("byte 0x%1 inserted at %2").arg(code, 2, 16, QChar('0')).arg(at), bytes), newlinesBefore(plain, at));
  }
  for (int i = 0; i < 4; ++i) {
    const size_t at = below(rng, plain.size());
    const size_t length = 1 + below(rng, 40);
    std::string bytes = plain;
    bytes.erase(at, length);
    TableVariant& t = v.random(QString("%1 bytes deleted at %2").arg(length).arg(at), bytes);
    const size_t damagedLine = newlinesBefore(plain, at);
    for (size_t r = 0; r + 1 < damagedLine; ++r) t.knownRows[r] = rowOf(base.rows[r]);  // the rows before the damage
  }
  // A digit changed in a number keeps it a number: read with the new value.
  const size_t numericColumns[] = {kPrice, kTime, kWatch};
  for (int i = 0; i < 4; ++i) {
    Cells cells = base;
    std::string* cell = nullptr;
    size_t row = 0;
    while (!cell || cell->find_first_of("0123456789") == std::string::npos) {
      row = below(rng, cells.rows.size());
      cell = &cells.rows[row][numericColumns[below(rng, std::size(numericColumns))]];
    }
    std::vector<size_t> digits;
    for (size_t p = 0; p < cell->size(); ++p)
      if (std::isdigit(static_cast<unsigned char>((*cell)[p]))) digits.push_back(p);
    char& digit = (*cell)[digits[below(rng, digits.size())]];
    const QString before = QString::fromStdString(*cell);
    digit = static_cast<char>('0' + (digit - '0' + 1 + static_cast<int>(below(rng, 9))) % 10);
    v.read(QString("line %1: '%2' became '%3'").arg(row + 2).arg(before, QString::fromStdString(*cell)), tableText(cells), cells);
  }
  // Whole rows duplicated, swapped or deleted: still a valid table, read as it now is.
  {
    Cells cells = base;
    const size_t r = below(rng, cells.rows.size());
    const std::vector<std::string> copy = cells.rows[r];
    cells.rows.insert(cells.rows.begin() + static_cast<std::ptrdiff_t>(r), copy);
    v.read(QString("line %1 duplicated").arg(r + 2), tableText(cells), cells);
  }
  {
    Cells cells = base;
    const size_t a = below(rng, cells.rows.size());
    const size_t b = (a + 1 + below(rng, cells.rows.size() - 1)) % cells.rows.size();
    std::swap(cells.rows[a], cells.rows[b]);
    v.read(QString("lines %1 and %2 swapped").arg(a + 2).arg(b + 2), tableText(cells), cells);
  }
  {
    Cells cells = base;
    const size_t r = below(rng, cells.rows.size());
    cells.rows.erase(cells.rows.begin() + static_cast<std::ptrdiff_t>(r));
    v.read(QString("line %1 deleted").arg(r + 2), tableText(cells), cells);
  }
  return v.list;
}

// A refusal names the file, then where: a line, a field, or a column by name or by number. Three
// refusals are about the whole file and have no place to name.
bool namesFileAndPlace(const QString& message, const QString& path)
{
  if (!message.startsWith(path + ": ")) return false;
  const QString rest = message.mid(path.size() + 2);
  static const QRegularExpression place(R"(\bline \d+|\bfield \d+|\bcolumn '|\bcolumns \d+ and \d+)");
  return place.match(rest).hasMatch() || rest == "empty file" || rest == "no data rows" || rest.startsWith("its lines end in CR alone");
}

struct Tally
{
  int read = 0;
  int refused = 0;
};

void checkTableVariant(const TableVariant& v, const QString& path, Tally& tally)
{
  std::ofstream(path.toStdString(), std::ios::binary) << v.bytes;
  const QString label = v.kind + " (" + path + ")";
  std::optional<InteractionTable> table;
  QString refusal;
  QElapsedTimer clock;
  clock.start();
  try {
    table = loadTable(dataConfig(path.toStdString()));
  } catch (const Error& e) {
    refusal = QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    QFAIL(qPrintable(label + ": threw an exception other than seesaw::Error: " + e.what()));
  }
  const qint64 ms = clock.elapsed();
  QVERIFY2(ms < kHangBoundMs, qPrintable(label + QString(": took %1 ms").arg(ms)));

  if (!table) {
    ++tally.refused;
    QVERIFY2(v.expect != Expect::Read, qPrintable(label + ": refused, but a correct reading reads it: " + refusal.left(300)));
    QVERIFY2(namesFileAndPlace(refusal, path), qPrintable(label + ": the refusal names no file and place: " + refusal.left(300)));
    QVERIFY2(v.refusalSays.isEmpty() || refusal.contains(v.refusalSays),
             qPrintable(label + ": the refusal does not say '" + v.refusalSays + "': " + refusal.left(300)));
    return;
  }
  ++tally.read;
  QVERIFY2(v.expect != Expect::Refused, qPrintable(label + ": read, but it must be refused with '" + v.refusalSays + "'"));
  if (v.rowsIfRead)
    QVERIFY2(table->rows() == *v.rowsIfRead, qPrintable(label + QString(": read %1 rows, not %2").arg(table->rows()).arg(*v.rowsIfRead)));
  for (const auto& [r, want] : v.knownRows) {
    QVERIFY2(r < table->rows(), qPrintable(label + QString(": row %1 is missing").arg(r)));
    const RowValues got = rowOf(*table, r);
    QVERIFY2(sameRow(got, want), qPrintable(label + QString(": row %1 reads as %2, not %3").arg(r).arg(describe(got), describe(want))));
  }
  // Codes stand for ids one to one: as many codes as distinct ids.
  if (v.expect == Expect::Read) {
    std::set<std::string> users, items;
    for (const auto& [r, want] : v.knownRows) {
      users.insert(want.user);
      items.insert(want.item);
    }
    QVERIFY2(table->user.cardinality() == static_cast<int32_t>(users.size()), qPrintable(label + ": user codes"));
    QVERIFY2(table->item.cardinality() == static_cast<int32_t>(items.size()), qPrintable(label + ": item codes"));
  }
}

}  // namespace

class TestMalformedTables : public QObject
{
  Q_OBJECT

  testing::VariantFiles files_;
  QString file(size_t index, const std::string& name) const { return files_.file(index, name); }

private Q_SLOTS:
  void initTestCase() { QVERIFY(files_.valid()); }

  // The expectations below are computed from cells; here the loader and that computation agree
  // on the unchanged table, and both agree with values written out by hand.
  void theUnchangedTableReadsAsItsCells()
  {
    const Cells base = baseCells();
    const QString path = file(0, "base.csv");
    std::ofstream(path.toStdString(), std::ios::binary) << tableText(base);
    const InteractionTable t = loadTable(dataConfig(path.toStdString()));
    QCOMPARE(t.rows(), size_t(8));
    QCOMPARE(t.user.cardinality(), 5);
    QCOMPARE(t.item.cardinality(), 5);
    QCOMPARE(t.categorical[0].vocabulary, (std::vector<std::string>{"paris", "rome, it", "berlin", "oslo", "caf\xc3\xa9"}));
    QCOMPARE(t.dense[0].values[5], 8.125f);
    QVERIFY(std::isnan(t.dense[0].values[4]));
    QCOMPARE(*t.timestamp, (std::vector<int64_t>{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007}));
    QCOMPARE(t.tasks[0].labels, (std::vector<float>{1, 0, 1, 0, 1, 0, 1, 0}));
    QCOMPARE(t.tasks[1].labels, (std::vector<float>{0, 0, 1, 1, 0, 0, 1, 1}));
    QVERIFY(t.tasks[2].type == TaskType::Regression);
    QCOMPARE(t.tasks[2].labels, (std::vector<float>{3.25f, 0.5f, 12.75f, 0, 1.5f, 2, 0.25f, 7.5f}));
    for (size_t r = 0; r < base.rows.size(); ++r)
      QVERIFY2(sameRow(rowOf(t, r), rowOf(base.rows[r])), qPrintable(QString("row %1: %2").arg(r).arg(describe(rowOf(t, r)))));
  }

  void malformedTablesAreReadAsWrittenOrRefusedWithTheirPlace()
  {
    std::mt19937 rng(kSeed);
    const std::vector<TableVariant> variants = tableVariants(rng);
    Tally tally;
    for (size_t i = 0; i < variants.size(); ++i) {
      checkTableVariant(variants[i], file(i, variants[i].fileName), tally);
      if (QTest::currentTestFailed()) return;
    }
    qInfo("malformed tables: %zu variants, %d read as written, %d refused with their place", variants.size(), tally.read, tally.refused);
    QVERIFY(variants.size() >= 50);
  }
};

QTEST_APPLESS_MAIN(TestMalformedTables)
#include "tst_malformed_tables.moc"
