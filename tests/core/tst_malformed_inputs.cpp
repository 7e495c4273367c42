// Malformed text inputs, generated from one fixed seed: delimited tables and run configs that are
// truncated, flipped, mis-quoted, ragged, mistyped, out of range or misspelled. Each variant is
// either read as its text says (the test knows the rows or the config it must give) or refused
// with a seesaw::Error that names the file and the place: a line, a field or a column of a table;
// a config field, or the line and column of a JSON syntax error. None may crash or hang.
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
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "data/load_table.h"
#include "util/error.h"

using namespace seesaw;
using nlohmann::json;

namespace {

// Far beyond what any of these loads takes (milliseconds): a bound on hangs, not a speed target.
constexpr qint64 kHangBoundMs = 10'000;
constexpr std::mt19937::result_type kSeed = 20260611;

// rng() % n rather than a std::uniform_int_distribution, whose output differs between standard
// libraries: a failing variant must be the same one on every machine.
size_t below(std::mt19937& rng, size_t n) { return static_cast<size_t>(rng() % n); }

size_t newlinesBefore(const std::string& bytes, size_t end)
{
  return static_cast<size_t>(std::count(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
}

// What a variant must do. Either: a random mutation whose outcome the test cannot predict; the
// rows it can predict are still checked when it is read.
enum class Expect { Read, Refused, Either };

// ---- Delimited tables --------------------------------------------------------------------------

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

// ---- Run configs -------------------------------------------------------------------------------

// The demo preset as the app saves it: every field written out.
const std::string& demoText()
{
  static const std::string text = toJsonString(presetConfig("demo"));
  return text;
}

// The demo config with the value at `pointer` ("/train/lr") replaced, or added where it is absent.
std::string demoWith(const std::string& pointer, const json& value)
{
  json j = json::parse(demoText());
  j[json::json_pointer(pointer)] = value;
  return j.dump(2);
}

// The same with raw JSON text in its place: what a json value cannot hold (NaN, 1e400, a key
// twice, a raw NUL).
std::string demoWithRaw(const std::string& pointer, const std::string& raw)
{
  const std::string placeholder = "\"@RAW@\"";
  std::string text = demoWith(pointer, "@RAW@");
  text.replace(text.find(placeholder), placeholder.size(), raw);
  return text;
}

// `depth` opening texts, the innermost value, `depth` closing texts.
std::string nested(const std::string& open, const std::string& inner, const std::string& close, size_t depth)
{
  std::string text;
  for (size_t i = 0; i < depth; ++i) text += open;
  text += inner;
  for (size_t i = 0; i < depth; ++i) text += close;
  return text;
}

// An accepted config must be the demo with `change` made, and nothing else changed.
std::function<bool(const RunConfig&)> isDemoWith(const std::function<void(RunConfig&)>& change)
{
  RunConfig expected = presetConfig("demo");
  change(expected);
  return [want = toJsonString(expected)](const RunConfig& c) { return toJsonString(c) == want; };
}

// One flipped bit that leaves valid JSON and a valid config changes one value at most.
bool differsFromDemoInOneValueAtMost(const RunConfig& c)
{
  return json::diff(json::parse(demoText()), json::parse(toJsonString(c))).size() <= 1;
}

// Where a config variant ends. Any: a random mutation whose outcome the test cannot predict.
enum class ConfigOutcome { RefusedReading, RefusedValidating, Accepted, Any };

QString nameOf(ConfigOutcome o)
{
  switch (o) {
  case ConfigOutcome::RefusedReading: return "refused while reading";
  case ConfigOutcome::RefusedValidating: return "refused by validate()";
  case ConfigOutcome::Accepted: return "accepted";
  case ConfigOutcome::Any: return "any outcome";
  }
  return {};
}

struct ConfigVariant
{
  QString kind;
  std::string text;
  ConfigOutcome expect = ConfigOutcome::Any;
  QString refusalSays;                          // e.g. "config field train.lr: "; empty: the general rule only
  std::function<bool(const RunConfig&)> holds;  // what an accepted config must be; empty: anything valid
};

struct ConfigVariants
{
  std::vector<ConfigVariant> list;

  void refusedReading(const QString& kind, const std::string& text, const QString& says)
  {
    list.push_back({kind, text, ConfigOutcome::RefusedReading, says, {}});
  }
  void refusedValidating(const QString& kind, const std::string& text, const QString& says)
  {
    list.push_back({kind, text, ConfigOutcome::RefusedValidating, says, {}});
  }
  void accepted(const QString& kind, const std::string& text, std::function<bool(const RunConfig&)> holds)
  {
    list.push_back({kind, text, ConfigOutcome::Accepted, {}, std::move(holds)});
  }
  void any(const QString& kind, const std::string& text, std::function<bool(const RunConfig&)> holds, const QString& says = {})
  {
    list.push_back({kind, text, ConfigOutcome::Any, says, std::move(holds)});
  }
};

std::vector<ConfigVariant> configVariants(std::mt19937& rng)
{
  const std::string& demo = demoText();
  ConfigVariants v;

  // Not JSON, or JSON with what the standard leaves out (comments, trailing commas, NaN).
  v.refusedReading("empty file", "", "not valid JSON");
  v.refusedReading("whitespace only", " \n\t\n", "not valid JSON");
  v.refusedReading("a comment before the object", "// demo\n" + demo, "not valid JSON");
  {
    std::string trailing = demo;
    trailing.insert(trailing.rfind('}', trailing.size() - 2) + 1, ",");
    v.refusedReading("a trailing comma", trailing, "not valid JSON");
  }
  v.refusedReading("a stray comma", demoWithRaw("/train/lr", "0.001,"), "not valid JSON");
  v.refusedReading("text after the object", demo + "\nx", "not valid JSON");
  v.refusedReading("two objects", demo + demo, "not valid JSON");
  v.refusedReading("single quotes", demoWithRaw("/method/name", "'ew'"), "not valid JSON");
  v.refusedReading("NaN", demoWithRaw("/train/lr", "NaN"), "not valid JSON");
  v.refusedReading("Infinity", demoWithRaw("/train/lr", "Infinity"), "not valid JSON");
  v.refusedReading("-Infinity", demoWithRaw("/train/momentum", "-Infinity"), "not valid JSON");
  v.refusedReading("a string never closed", demoWithRaw("/name", "\"demo"), "not valid JSON");
  v.refusedReading("invalid UTF-8 in a string", demoWithRaw("/name", "\"demo\xff\""), "not valid JSON");
  v.refusedReading("a raw NUL in a string", demoWithRaw("/name", std::string("\"de") + '\0' + "mo\""), "not valid JSON");
  v.refusedReading("a raw line break in a string", demoWithRaw("/name", "\"de\nmo\""), "not valid JSON");
  v.refusedReading("a NUL byte inside the object", "{" + std::string(1, '\0') + demo.substr(1), "not valid JSON");
  // nlohmann reads a NUL byte as the end of the text, so what follows one is never seen.
  v.any("a NUL byte after the object, then more text", demo + '\0' + "{\"x\": ", isDemoWith([](RunConfig&) {}));

  // A top level that is no object.
  for (const char* top : {"[]", "42", "\"demo\"", "null", "true"})
    v.refusedReading(QString("top level %1").arg(QString::fromLatin1(top)), top, "config field (root): must be an object");
  v.refusedReading("top level a number beyond double", "1e999", "the config (a number at its top level): the number is out of range");

  // Wrong types, refused where nlohmann would convert without a word.
  v.refusedReading("lr a string", demoWith("/train/lr", "0.001"), "config field train.lr: expected a number, found \"0.001\"");
  v.refusedReading("steps a list", demoWith("/train/steps", json::array({100})), "config field train.steps: expected an integer, found [100]");
  v.refusedReading("batch_size null", demoWith("/train/batch_size", nullptr), "config field train.batch_size: expected an integer, found null");
  v.refusedReading("epochs a bool", demoWith("/train/epochs", true), "config field train.epochs: expected a number, found true");
  v.refusedReading("embedding_dim fractional", demoWith("/model/embedding_dim", 16.5), "config field model.embedding_dim: expected an integer, found 16.5");
  v.refusedReading("steps written 1.0", demoWithRaw("/train/steps", "1.0"), "config field train.steps: expected an integer, found 1.0");
  v.refusedReading("expert_hidden a number", demoWith("/model/expert_hidden", 128), "config field model.expert_hidden: expected a list, found 128");
  v.refusedReading("tower_hidden holding a string", demoWith("/model/tower_hidden", json::array({32, "x"})),
                   "config field model.tower_hidden[1]: expected an integer, found \"x\"");
  v.refusedReading("analyze 1", demoWith("/train/analyze", 1), "config field train.analyze: expected true or false, found 1");
  v.refusedReading("model type a number", demoWith("/model/type", 2), "config field model.type: expected a string, found 2");
  v.refusedReading("split a list", demoWith("/data/split", json::array()), "config field data.split: must be an object");
  v.refusedReading("method a string", demoWith("/method", "ew"), "config field method: must be an object");
  v.refusedReading("column tasks an object", demoWith("/data/columns/tasks", json::object()), "config field data.columns.tasks: must be a list");
  v.refusedReading("a synthetic group a number", demoWith("/data/synthetic/groups", json::array({1})),
                   "config field data.synthetic.groups[0]: must be an object");
  v.refusedReading("a method parameter a string", demoWith("/method/params", json{{"x", "big"}}),
                   "config field method.params.x: expected a number, found \"big\"");

  // Out of range: validate() refuses, naming the field (it is given a RunConfig, not a file).
  v.refusedValidating("negative steps", demoWith("/train/steps", -5), "config field train.steps: must not be negative");
  v.refusedValidating("lr 1e30", demoWith("/train/lr", 1e30), "config field train.lr: must lie in (0, 100], found 1e+30");
  v.refusedValidating("lr 0", demoWith("/train/lr", 0.0), "config field train.lr: must lie in (0, 100], found 0");
  v.refusedValidating("threads 1000000", demoWith("/train/threads", 1000000), "config field train.threads: must lie in [0, ");
  v.refusedValidating("embedding_dim 10^9", demoWith("/model/embedding_dim", 1000000000), "config field model.embedding_dim: must lie in [1, 4096]");
  v.refusedValidating("no experts", demoWith("/model/experts", 0), "config field model.experts: must lie in [1, 1024]");
  v.refusedValidating("batch_size 0", demoWith("/train/batch_size", 0), "config field train.batch_size: must lie in [1, 16,777,216]");
  v.refusedValidating("validation fraction 1.5", demoWith("/data/split/valid", 1.5), "config field data.split.valid: must lie in [0, 1)");
  v.refusedValidating("negative momentum", demoWith("/train/momentum", -0.1), "config field train.momentum: must lie in [0, 1)");
  v.refusedValidating("no epochs and no steps", demoWith("/train/epochs", 0.0), "config field train.epochs: must lie in (0, 1e6] when train.steps is 0");
  v.refusedValidating("record_every 0", demoWith("/train/record_every", 0), "config field train.record_every: must be at least 1");
  // ... and where the field's type cannot hold the number, refused while reading.
  v.refusedReading("lr 1e400", demoWithRaw("/train/lr", "1e400"), "config field train.lr: the number is out of range");
  v.refusedReading("lr -1e400", demoWithRaw("/train/lr", "-1e400"), "config field train.lr: the number is out of range");
  v.refusedReading("embedding_dim 1e9", demoWithRaw("/model/embedding_dim", "1e9"), "config field model.embedding_dim: expected an integer");
  v.refusedReading("batch_size 2^31", demoWith("/train/batch_size", int64_t(1) << 31), "config field train.batch_size: expected a smaller integer");
  v.refusedReading("negative seed", demoWith("/train/seed", -1), "config field train.seed: expected a non-negative integer, found -1");
  v.refusedReading("seed 2^64", demoWithRaw("/train/seed", "18446744073709551616"), "config field train.seed: expected an integer");
  v.accepted("seed 2^64 - 1", demoWith("/train/seed", std::numeric_limits<uint64_t>::max()),
             isDemoWith([](RunConfig& c) { c.train.seed = std::numeric_limits<uint64_t>::max(); }));

  // Unknown and misspelled names, refused by name so that a typo never passes silently.
  v.refusedReading("an unknown top-level field", demoWith("/learning_rate", 0.1), "config field learning_rate: unknown field");
  v.refusedReading("an unknown train field", demoWith("/train/learning_rate", 0.1), "config field train.learning_rate: unknown field");
  v.refusedReading("an unknown column field", demoWith("/data/columns/usr", "u"), "config field data.columns.usr: unknown field");
  v.refusedReading("model type misspelled", demoWith("/model/type", "mmeo"), "config field model.type: unknown model 'mmeo'");
  v.refusedReading("optimizer misspelled", demoWith("/train/optimizer", "adma"), "config field train.optimizer: unknown optimizer 'adma'");
  v.refusedReading("split method misspelled", demoWith("/data/split/method", "tiem"), "config field data.split.method: unknown split 'tiem'");
  v.refusedReading("non-finite policy misspelled", demoWith("/train/on_non_finite", "ignore"), "config field train.on_non_finite: unknown policy 'ignore'");
  v.refusedValidating("method misspelled", demoWith("/method/name", "pcgard"), "config field method.name: unknown method 'pcgard'");
  v.refusedValidating("method in capitals", demoWith("/method/name", "EW"), "config field method.name: unknown method 'EW'");
  v.refusedValidating("an unknown source", demoWith("/data/source", "csv"), "config field data.source: unknown source 'csv'");
  v.refusedValidating("an unknown device", demoWith("/train/device", "gpu"), "config field train.device: unknown device 'gpu'");
  v.refusedValidating("an unknown geometry level", demoWith("/train/geometry_levels", json::array({"exakt"})),
                      "config field train.geometry_levels: unknown level 'exakt'");
  v.refusedValidating("a parameter the method lacks", demoWith("/method/params", json{{"alpha", 1.5}}),
                      "config field method.params.alpha: method 'ew' has no such parameter");

  // Structure: a key twice, nesting far deeper than any config, long and odd strings.
  // JSON leaves a repeated key to the reader; nlohmann keeps the last.
  v.any("lr twice", demoWithRaw("/train/lr", "0.5, \"lr\": 0.002"), isDemoWith([](RunConfig& c) { c.train.lr = 0.002; }), "train.lr");
  v.refusedReading("name nested 2,000 lists deep", demoWithRaw("/name", nested("[", "1", "]", 2000)), "config field name: expected a string");
  v.refusedReading("a parameter nested 2,000 objects deep", demoWithRaw("/method/params/a", nested("{\"a\": ", "1", "}", 2000)),
                   "config field method.params.a: expected a number");
  v.refusedReading("an unknown field nested 100,000 lists deep", demoWithRaw("/deep", nested("[", "1", "]", 100000)), "config field deep: unknown field");
  {
    const std::string longName(1 << 20, 'n');
    v.accepted("a name of 1 MiB", demoWith("/name", longName), isDemoWith([&](RunConfig& c) { c.name = longName; }));
  }
  v.any("a NUL escaped in the name", demoWithRaw("/name", "\"de\\u0000mo\""), isDemoWith([](RunConfig& c) { c.name = std::string("de\0mo", 5); }), "name");

  // Valid variants, read as written.
  v.accepted("another learning rate", demoWith("/train/lr", 0.01), isDemoWith([](RunConfig& c) { c.train.lr = 0.01; }));
  v.accepted("a step count", demoWith("/train/steps", 100), isDemoWith([](RunConfig& c) { c.train.steps = 100; }));
  v.accepted("whitespace around the object", "\n\n  " + demo + "\n\n", isDemoWith([](RunConfig&) {}));
  v.any("UTF-8 byte-order mark", "\xEF\xBB\xBF" + demo, isDemoWith([](RunConfig&) {}));
  v.accepted("an empty object: every default", "{}", [](const RunConfig& c) { return toJsonString(c) == toJsonString(RunConfig()); });

  // Random damage. Any cut drops the closing brace, so every truncation is refused; a flipped bit
  // that leaves a valid config changed one value at most.
  for (int i = 0; i < 8; ++i) {
    const size_t cut = below(rng, demo.size());
    v.refusedReading(QString("truncated to %1 of %2 bytes").arg(cut).arg(demo.size()), demo.substr(0, cut), "not valid JSON");
  }
  for (int i = 0; i < 16; ++i) {
    const size_t at = below(rng, demo.size());
    const int bit = static_cast<int>(below(rng, 8));
    std::string flipped = demo;
    flipped[at] = static_cast<char>(flipped[at] ^ (1 << bit));
    v.any(QString("bit %1 of byte %2 flipped").arg(bit).arg(at), flipped, differsFromDemoInOneValueAtMost);
  }
  // A number field given a value of another type, drawn at random.
  struct Field
  {
    const char* pointer;
    const char* path;
  };
  const Field numberFields[] = {{"/train/lr", "train.lr"},
                                {"/train/epochs", "train.epochs"},
                                {"/train/batch_size", "train.batch_size"},
                                {"/train/eval_every", "train.eval_every"},
                                {"/train/seed", "train.seed"},
                                {"/train/threads", "train.threads"},
                                {"/model/embedding_dim", "model.embedding_dim"},
                                {"/model/experts", "model.experts"},
                                {"/model/levels", "model.levels"},
                                {"/data/split/valid", "data.split.valid"},
                                {"/data/split/test", "data.split.test"},
                                {"/data/synthetic/noise_std", "data.synthetic.noise_std"}};
  const json wrongValues[] = {"12", json::array({12}), nullptr, false, json{{"value", 12}}};
  for (int i = 0; i < 8; ++i) {
    const Field& field = numberFields[below(rng, std::size(numberFields))];
    const json& value = wrongValues[below(rng, std::size(wrongValues))];
    const QString path = QString::fromLatin1(field.path);
    v.refusedReading(QString("%1 = %2").arg(path, QString::fromStdString(value.dump())), demoWith(field.pointer, value),
                     "config field " + path + ": expected ");
  }
  return v.list;
}

// A refusal while reading names the file, then a config field or the line and column of the JSON
// syntax error (or says the number at the top level overflowed). validate() checks a RunConfig,
// not a file, so its refusals name the field alone.
bool namesConfigPlace(const QString& message, const QString& path, ConfigOutcome outcome)
{
  static const QRegularExpression field(R"(^config field \S.*: \S)", QRegularExpression::DotMatchesEverythingOption);
  static const QRegularExpression syntax(R"(^not valid JSON \(.*line \d+, column \d+)", QRegularExpression::DotMatchesEverythingOption);
  if (outcome == ConfigOutcome::RefusedValidating) return field.match(message).hasMatch();
  if (!message.startsWith(path + ": ")) return false;
  const QString rest = message.mid(path.size() + 2);
  return field.match(rest).hasMatch() || syntax.match(rest).hasMatch() || rest.startsWith("the config (a number at its top level): ");
}

struct ConfigTally
{
  int accepted = 0;
  int refusedReading = 0;
  int refusedValidating = 0;
};

void checkConfigVariant(const ConfigVariant& v, const QString& path, ConfigTally& tally)
{
  std::ofstream(path.toStdString(), std::ios::binary) << v.text;
  const QString label = v.kind + " (" + path + ")";
  ConfigOutcome outcome = ConfigOutcome::Accepted;
  RunConfig config;
  QString refusal;
  QElapsedTimer clock;
  clock.start();
  try {
    config = loadRunConfigFile(path.toStdString());
    try {
      validate(config);
    } catch (const Error& e) {
      outcome = ConfigOutcome::RefusedValidating;
      refusal = QString::fromStdString(e.what());
    }
  } catch (const Error& e) {
    outcome = ConfigOutcome::RefusedReading;
    refusal = QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    QFAIL(qPrintable(label + ": threw an exception other than seesaw::Error: " + e.what()));
  }
  const qint64 ms = clock.elapsed();
  QVERIFY2(ms < kHangBoundMs, qPrintable(label + QString(": took %1 ms").arg(ms)));
  QVERIFY2(v.expect == ConfigOutcome::Any || v.expect == outcome,
           qPrintable(label + ": " + nameOf(outcome) + ", expected " + nameOf(v.expect) + ". " + refusal.left(300)));

  if (outcome == ConfigOutcome::Accepted) {
    ++tally.accepted;
    QVERIFY2(!v.holds || v.holds(config), qPrintable(label + ": accepted as " + QString::fromStdString(toJsonString(config)).left(600)));
    return;
  }
  if (outcome == ConfigOutcome::RefusedReading)
    ++tally.refusedReading;
  else
    ++tally.refusedValidating;
  QVERIFY2(namesConfigPlace(refusal, path, outcome), qPrintable(label + ": the refusal names no file and place: " + refusal.left(300)));
  QVERIFY2(v.refusalSays.isEmpty() || refusal.contains(v.refusalSays),
           qPrintable(label + ": the refusal does not say '" + v.refusalSays + "': " + refusal.left(300)));
}

}  // namespace

class TestMalformedInputs : public QObject
{
  Q_OBJECT

  QTemporaryDir dir_;
  QString file(size_t index, const std::string& name) const
  {
    return dir_.filePath(QString("%1-%2").arg(index, 3, 10, QChar('0')).arg(QString::fromStdString(name)));
  }

private Q_SLOTS:
  void initTestCase() { QVERIFY(dir_.isValid()); }

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

  void theUnchangedConfigIsTheValidDemo()
  {
    const QString path = file(0, "demo.json");
    std::ofstream(path.toStdString(), std::ios::binary) << demoText();
    const RunConfig c = loadRunConfigFile(path.toStdString());
    validate(c);
    QCOMPARE(toJsonString(c), demoText());
    QCOMPARE(c.train.lr, 0.001);
    QCOMPARE(c.method.name, std::string("ew"));
    QCOMPARE(demoText().back(), '}');  // so that every cut of it drops the closing brace
  }

  void malformedConfigsAreReadAsWrittenOrRefusedWithTheirField()
  {
    std::mt19937 rng(kSeed);
    const std::vector<ConfigVariant> variants = configVariants(rng);
    ConfigTally tally;
    for (size_t i = 0; i < variants.size(); ++i) {
      checkConfigVariant(variants[i], file(i, "config.json"), tally);
      if (QTest::currentTestFailed()) return;
    }
    qInfo("malformed configs: %zu variants, %d accepted, %d refused while reading, %d refused by validate()", variants.size(), tally.accepted,
          tally.refusedReading, tally.refusedValidating);
    QVERIFY(variants.size() >= 30);
  }
};

QTEST_APPLESS_MAIN(TestMalformedInputs)
#include "tst_malformed_inputs.moc"
