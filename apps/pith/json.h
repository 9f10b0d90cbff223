// A minimal JSON writer for the CLI's --json output: compact, correctly escaped, no dependencies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pith::cli {

// Appends tokens to a string, inserting commas and colons itself. The caller keeps the nesting
// balanced (begin/end pairs, one value after every key). Method names differ per type on purpose:
// overloads on string_view/bool/double turn a `const char*` into a bool.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view text);  // invalid UTF-8 bytes become U+FFFD
  JsonWriter& number(double value);           // shortest round-trip form; null if not finite
  JsonWriter& integer(std::int64_t value);
  JsonWriter& boolean(bool value);

  const std::string& text() const { return out_; }

 private:
  void before_value();
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);

  std::string out_;
  std::vector<bool> has_items_;  // one per open object or array
  bool after_key_ = false;
};

}  // namespace pith::cli
