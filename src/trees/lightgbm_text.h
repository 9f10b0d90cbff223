// The lexical layer of LightGBM's text model format: lines, `key=value` blocks and
// space-separated numbers, each error naming the line and field. Used by trees/lightgbm.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pith::lightgbm_text {

// Throws Error(kFormat) with "LightGBM model: " + message.
[[noreturn]] void fail(const std::string& message);
// Throws Error(kUnsupported) with "LightGBM model: " + message.
[[noreturn]] void unsupported(const std::string& message);

struct Line {
  std::string_view text;   // without the line break ("\n" or "\r\n")
  std::size_t number = 0;  // 1-based
};

// Splits text into lines; the last line may lack a line break.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}
  bool next(Line& line);
  // Skips empty lines; false at the end of the text.
  bool next_nonempty(Line& line);
  std::size_t line_number() const { return number_; }

 private:
  std::string_view rest_;
  std::size_t number_ = 0;
  bool done_ = false;
};

// One `key=value` field and the line it came from.
struct Field {
  std::string value;
  std::size_t line = 0;
};

// Fields of a block: the key before the first '=', the value after it (a line without '=' is a
// key with an empty value, e.g. "average_output"). A repeated key is an error.
class Fields {
 public:
  void add(const Line& line);
  bool has(const std::string& key) const { return fields_.count(key) != 0; }
  // The field, or Error(kFormat) "<what>: missing `key=`" when absent.
  const Field& get(const std::string& key, const std::string& what) const;

 private:
  std::map<std::string, Field, std::less<>> fields_;
};

// "line N (key)": where a value came from, for error messages.
std::string where(const Field& field, const std::string& key);

// Numbers; each throws Error(kFormat) naming `where` unless the whole token is a number in
// range. Doubles accept what LightGBM writes (%.17g, "inf", "-inf"; "nan" is parsed as NaN and
// refused by the callers that need finite values).
std::int64_t parse_int(std::string_view token, std::int64_t min, std::int64_t max,
                       const std::string& where);
double parse_double(std::string_view token, const std::string& where);

// The space-separated tokens of a value (runs of spaces count as one separator).
std::vector<std::string_view> tokens(std::string_view value);

// A field's numbers, checked to be exactly `count` of them; `at` names the field in errors.
std::vector<std::int64_t> int_array(const Field& field, const std::string& at, std::size_t count,
                                    std::int64_t min, std::int64_t max);
std::vector<double> double_array(const Field& field, const std::string& at, std::size_t count);

}  // namespace pith::lightgbm_text
