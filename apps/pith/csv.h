// Reading numeric CSV input for the CLI: an optional header row, then one sample per row.
//
// The dialect is what spreadsheets and pandas write: comma separated, optional double quotes
// ("" inside quotes is a quote; no quoted newlines), CRLF or LF, blank lines skipped, spaces around
// cells ignored. A first row with any non-empty cell that is not a number is the header.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pith::cli {

class CsvReader {
 public:
  // `source` names the input in error messages, e.g. "data.csv" or "standard input".
  CsvReader(std::string text, std::string source);

  // True when the input has no non-blank line at all (not even a header).
  bool empty() const { return first_line_ == 0; }
  bool has_header() const { return has_header_; }
  // The header's cells, trimmed and unquoted; empty without a header.
  const std::vector<std::string>& header() const { return header_; }
  // 1-based line number of the header (or of the first data row), for messages.
  std::size_t first_line() const { return first_line_; }
  const std::string& source() const { return source_; }

  // Parses every data row as column_order.size() finite numbers of type T (float or double),
  // storing the file's column c at position column_order[c] of the output row, row-major.
  // With allow_missing, an empty cell is NaN and "nan" / "inf" are taken as written (for models
  // that route missing values: tree ensembles).
  // Throws pith::Error(kInvalidArgument) naming the line and column of the first bad cell, or the
  // line and the column count of the first row of another width.
  template <class T>
  std::vector<T> read_rows(std::span<const std::size_t> column_order,
                           bool allow_missing = false) const;

 private:
  std::string text_;
  std::string source_;
  std::size_t first_line_ = 0;   // 0: no non-blank line
  std::size_t data_offset_ = 0;  // byte offset of the line after the header (or of the first row)
  std::size_t data_line_ = 0;    // number of the line before it
  bool has_header_ = false;
  std::vector<std::string> header_;
};

}  // namespace pith::cli
