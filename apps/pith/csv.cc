// Numeric CSV reading: line splitting, quoting, header detection and strict number parsing.
#include "csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>

#include "pith/error.h"

namespace pith::cli {
namespace {

bool is_blank_char(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank_char(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank_char(s.back())) s.remove_suffix(1);
  return s;
}

// Walks the lines of a text from a byte offset, stripping the '\r' of CRLF endings.
struct LineCursor {
  std::string_view text;
  std::size_t offset = 0;
  std::size_t line_number = 0;  // of the line last returned

  bool next(std::string_view& line) {
    if (offset >= text.size()) return false;
    const std::size_t newline = text.find('\n', offset);
    const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
    line = text.substr(offset, end - offset);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    offset = newline == std::string_view::npos ? text.size() : newline + 1;
    ++line_number;
    return true;
  }
};

[[noreturn]] void fail_at(const std::string& source, std::size_t line, std::size_t column,
                          const std::string& message) {
  throw_invalid_argument(source + ", line " + std::to_string(line) + ", column " +
                         std::to_string(column) + ": " + message);
}

// Splits a line into trimmed, unquoted cells. `cells` keeps its strings between calls so that
// their buffers are reused; returns the number of cells of this line.
std::size_t split_cells(std::string_view line, std::vector<std::string>& cells,
                        const std::string& source, std::size_t line_number) {
  std::size_t count = 0;
  std::size_t pos = 0;
  while (true) {
    if (count == cells.size()) cells.emplace_back();
    std::string& cell = cells[count++];
    cell.clear();
    while (pos < line.size() && is_blank_char(line[pos])) ++pos;
    if (pos < line.size() && line[pos] == '"') {
      ++pos;
      while (true) {
        const std::size_t quote = line.find('"', pos);
        if (quote == std::string_view::npos) {
          fail_at(source, line_number, count,
                  "unterminated quote (quoted newlines are not supported)");
        }
        cell.append(line.substr(pos, quote - pos));
        pos = quote + 1;
        if (pos < line.size() && line[pos] == '"') {  // "" is an escaped quote
          cell.push_back('"');
          ++pos;
          continue;
        }
        break;
      }
      while (pos < line.size() && is_blank_char(line[pos])) ++pos;
      if (pos < line.size() && line[pos] != ',') {
        fail_at(source, line_number, count, "unexpected text after a closing quote");
      }
    } else {
      const std::size_t comma = std::min(line.find(',', pos), line.size());
      cell.assign(trim(line.substr(pos, comma - pos)));
      pos = comma;
    }
    if (pos >= line.size()) return count;
    ++pos;  // the comma; a trailing comma makes one more, empty, cell
  }
}

bool is_blank_line(std::string_view line) { return trim(line).empty(); }

// from_chars takes no leading '+', which spreadsheets do write.
std::string_view strip_plus(std::string_view cell) {
  if (cell.size() > 1 && cell[0] == '+' && cell[1] != '-' && cell[1] != '+') cell.remove_prefix(1);
  return cell;
}

bool parses_as_number(std::string_view cell) {
  cell = strip_plus(cell);
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  // Out of range is still a number (the data row parser reports it), not a header name.
  return ptr == cell.data() + cell.size() &&
         (ec == std::errc() || ec == std::errc::result_out_of_range);
}

// Kept out of line: the message is built only on the error path, never per cell.
[[noreturn]] [[gnu::noinline]] void fail_cell(const std::string& source, std::size_t line,
                                              std::size_t column, std::string_view cell,
                                              const char* problem) {
  std::string message = "'";
  message.append(cell);
  message.append("' ");
  message.append(problem);
  fail_at(source, line, column, message);
}

template <class T>
T parse_cell(std::string_view cell, const std::string& source, std::size_t line, std::size_t column,
             bool allow_missing) {
  if (cell.empty()) {
    if (allow_missing) return std::numeric_limits<T>::quiet_NaN();
    fail_at(source, line, column, "empty cell");
  }
  const std::string_view digits = strip_plus(cell);
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ptr != digits.data() + digits.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    fail_cell(source, line, column, cell, "is not a number");
  }
  if (ec == std::errc::result_out_of_range) {
    fail_cell(source, line, column, cell, "is out of range for float64");
  }
  if (!std::isfinite(value)) {
    if (allow_missing) return static_cast<T>(value);
    fail_cell(source, line, column, cell, "is not a finite number");
  }
  const T converted = static_cast<T>(value);
  if (!std::isfinite(converted))
    fail_cell(source, line, column, cell, "is out of range for float32");
  return converted;
}

}  // namespace

CsvReader::CsvReader(std::string text, std::string source)
    : text_(std::move(text)), source_(std::move(source)) {
  LineCursor cursor{text_};
  std::string_view line;
  while (cursor.next(line)) {
    if (is_blank_line(line)) continue;
    first_line_ = cursor.line_number;
    std::vector<std::string> cells;
    cells.resize(split_cells(line, cells, source_, first_line_));
    for (const std::string& cell : cells) {
      if (!cell.empty() && !parses_as_number(cell)) has_header_ = true;
    }
    if (has_header_) {
      header_ = std::move(cells);
      data_offset_ = cursor.offset;
      data_line_ = cursor.line_number;
    } else {
      // No header: the first data row is this very line; rewind to it.
      data_offset_ = static_cast<std::size_t>(line.data() - text_.data());
      data_line_ = cursor.line_number - 1;
    }
    return;
  }
}

template <class T>
std::vector<T> CsvReader::read_rows(std::span<const std::size_t> column_order,
                                    bool allow_missing) const {
  const std::size_t n_cols = column_order.size();
  std::vector<T> values;
  std::vector<std::string> cells;
  LineCursor cursor{text_, data_offset_, data_line_};
  std::string_view line;
  while (cursor.next(line)) {
    if (is_blank_line(line)) continue;
    const std::size_t count = split_cells(line, cells, source_, cursor.line_number);
    if (count != n_cols) {
      throw_invalid_argument(source_ + ", line " + std::to_string(cursor.line_number) + ": found " +
                             std::to_string(count) + (count == 1 ? " column" : " columns") +
                             ", expected " + std::to_string(n_cols));
    }
    const std::size_t row_start = values.size();
    values.resize(row_start + n_cols);
    for (std::size_t c = 0; c < n_cols; ++c) {
      values[row_start + column_order[c]] =
          parse_cell<T>(cells[c], source_, cursor.line_number, c + 1, allow_missing);
    }
  }
  return values;
}

template std::vector<float> CsvReader::read_rows<float>(std::span<const std::size_t>, bool) const;
template std::vector<double> CsvReader::read_rows<double>(std::span<const std::size_t>, bool) const;

}  // namespace pith::cli
