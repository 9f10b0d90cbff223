// The lexical layer of LightGBM's text model format; see lightgbm_text.h.
#include "trees/lightgbm_text.h"

#include <charconv>
#include <system_error>

#include "pith/error.h"

namespace pith::lightgbm_text {

void fail(const std::string& message) {
  throw Error(ErrorCode::kFormat, "LightGBM model: " + message);
}

void unsupported(const std::string& message) {
  throw Error(ErrorCode::kUnsupported, "LightGBM model: " + message);
}

bool LineReader::next(Line& line) {
  if (done_) return false;
  const std::size_t end = rest_.find('\n');
  std::string_view text = rest_.substr(0, end);
  if (end == std::string_view::npos) {
    done_ = true;
    if (rest_.empty()) return false;  // the text ended with a line break
    rest_ = {};
  } else {
    rest_.remove_prefix(end + 1);
  }
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  line.text = text;
  line.number = ++number_;
  return true;
}

bool LineReader::next_nonempty(Line& line) {
  while (next(line)) {
    if (!line.text.empty()) return true;
  }
  return false;
}

void Fields::add(const Line& line) {
  const std::size_t eq = line.text.find('=');
  std::string key(line.text.substr(0, eq));
  std::string value(eq == std::string_view::npos ? std::string_view{} : line.text.substr(eq + 1));
  if (key.empty()) fail("line " + std::to_string(line.number) + ": expected `key=value`");
  if (fields_.count(key) != 0) {
    fail("line " + std::to_string(line.number) + ": `" + key + "` is repeated (first on line " +
         std::to_string(fields_.at(key).line) + ")");
  }
  fields_.emplace(std::move(key), Field{std::move(value), line.number});
}

const Field& Fields::get(const std::string& key, const std::string& what) const {
  const auto it = fields_.find(key);
  if (it == fields_.end()) fail(what + ": missing `" + key + "=`");
  return it->second;
}

std::string where(const Field& field, const std::string& key) {
  return "line " + std::to_string(field.line) + " (" + key + ")";
}

std::int64_t parse_int(std::string_view token, std::int64_t min, std::int64_t max,
                       const std::string& where) {
  std::int64_t value = 0;
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    fail(where + ": expected an integer, found \"" + std::string(token.substr(0, 40)) + "\"");
  }
  if (value < min || value > max) {
    fail(where + ": expected an integer in " + std::to_string(min) + " .. " + std::to_string(max) +
         ", found " + std::to_string(value));
  }
  return value;
}

double parse_double(std::string_view token, const std::string& where) {
  double value = 0;
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (ec == std::errc::result_out_of_range) {
    fail(where + ": \"" + std::string(token.substr(0, 40)) + "\" is out of the float64 range");
  }
  if (ec != std::errc() || ptr != end || token.empty()) {
    fail(where + ": expected a number, found \"" + std::string(token.substr(0, 40)) + "\"");
  }
  return value;
}

std::vector<std::string_view> tokens(std::string_view value) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && value[i] == ' ') ++i;
    const std::size_t begin = i;
    while (i < value.size() && value[i] != ' ') ++i;
    if (i > begin) out.push_back(value.substr(begin, i - begin));
  }
  return out;
}

namespace {

std::vector<std::string_view> counted_tokens(const Field& field, const std::string& at,
                                             std::size_t count) {
  auto out = tokens(field.value);
  if (out.size() != count) {
    fail(at + ": expected " + std::to_string(count) + " values, found " +
         std::to_string(out.size()));
  }
  return out;
}

}  // namespace

std::vector<std::int64_t> int_array(const Field& field, const std::string& at, std::size_t count,
                                    std::int64_t min, std::int64_t max) {
  const auto tokens = counted_tokens(field, at, count);
  std::vector<std::int64_t> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = parse_int(tokens[i], min, max, at + " value " + std::to_string(i));
  }
  return out;
}

std::vector<double> double_array(const Field& field, const std::string& at, std::size_t count) {
  const auto tokens = counted_tokens(field, at, count);
  std::vector<double> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = parse_double(tokens[i], at + " value " + std::to_string(i));
  }
  return out;
}

}  // namespace pith::lightgbm_text
