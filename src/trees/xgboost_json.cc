// Parsing XGBoost's JSON and UBJSON documents through nlohmann::json's SAX interface, with
// XGBoost's float32 numbers and a nesting limit, and typed access to their fields.
#include "trees/xgboost_json.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "pith/error.h"

namespace pith::xgboost_json {
namespace {

// XGBoost's documents nest about 7 levels; anything far deeper is not one, and nlohmann's
// UBJSON reader recurses once per level.
constexpr std::size_t kMaxDepth = 64;

const char* type_name(const Json& value) { return value.type_name(); }

// Builds the document from nlohmann's SAX events (with only its public API), reading
// floating-point numbers as XGBoost does (float32: JSON from its decimal text, UBJSON values
// rounded) and stopping at kMaxDepth.
class Reader {
 public:
  Reader(Json& result, bool text) : root_(result), text_(text) {}

  bool null() { return put(nullptr); }
  bool boolean(bool value) { return put(value); }
  bool number_integer(Json::number_integer_t value) { return put(value); }
  bool number_unsigned(Json::number_unsigned_t value) { return put(value); }
  bool number_float(Json::number_float_t value, const Json::string_t& text) {
    float f = static_cast<float>(value);
    if (text_) {
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), f);
      if (error == std::errc::result_out_of_range) {
        f = static_cast<float>(value);  // subnormal (libstdc++ reports underflow) or too large
      } else if (error != std::errc() || end != text.data() + text.size()) {
        error_ = "the number " + text + " is not a float32 value";
        return false;
      }
    }
    if (std::isfinite(value) && !std::isfinite(f)) {
      error_ = "the number " + std::to_string(value) + " is outside the float32 range";
      return false;
    }
    return put(static_cast<double>(f));
  }
  bool string(Json::string_t& value) { return put(std::move(value)); }
  bool binary(Json::binary_t& value) { return put(Json::binary(std::move(value))); }
  bool start_object(std::size_t /*size*/) { return open(Json::object()); }
  bool key(Json::string_t& value) {
    slot_ = &(*open_.back())[value];
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*size*/) { return open(Json::array()); }
  bool end_array() { return close(); }
  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/, const Exception& e) {
    error_ = e.what();
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  // Stores a value where the document is: the root, the end of the open array, or the slot of
  // the open object's last key. Returns where it went.
  Json* place(Json&& value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    *slot_ = std::move(value);
    return slot_;
  }
  bool put(Json&& value) {
    place(std::move(value));
    return true;
  }
  // Containers stay where they are while open: their parent gets no other element meanwhile.
  bool open(Json&& container) {
    if (open_.size() >= kMaxDepth) {
      error_ = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
      return false;
    }
    open_.push_back(place(std::move(container)));
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }

  Json& root_;
  bool text_;
  std::vector<Json*> open_;  // the containers being filled, outermost first
  Json* slot_ = nullptr;     // the value of the open object's last key
  std::string error_;
};

std::string at(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

const Json& array_of(const Json& value, const std::string& path) {
  if (!value.is_array()) fail(path + ": expected an array, found " + type_name(value));
  return value;
}

}  // namespace

void fail(const std::string& message, ErrorCode code) {
  std::string text = "XGBoost model: ";
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      text += c;
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      text += {'\\', 'x', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  throw Error(code, text);
}

Json parse_document(std::string_view bytes) {
  if (bytes.empty()) fail("empty input; expected JSON or UBJSON");
  const auto first = static_cast<unsigned char>(bytes[0]);
  const bool text = std::isspace(first) != 0 ||
                    (first == '{' && bytes.size() > 1 &&
                     (bytes[1] == '"' || std::isspace(static_cast<unsigned char>(bytes[1])) != 0));
  if (!text && first != '{') {
    if (bytes.substr(0, 4) == "binf") {
      fail(
          "the legacy binary format is not supported; save the model as JSON or UBJSON "
          "(booster.save_model(\"model.json\") or \"model.ubj\")",
          ErrorCode::kUnsupported);
    }
    fail("expected a JSON or UBJSON document (starting with '{'), found byte " +
         std::to_string(first));
  }
  Json result;
  Reader reader(result, text);
  bool ok = false;
  try {
    ok = Json::sax_parse(bytes.begin(), bytes.end(), &reader,
                         text ? Json::input_format_t::json : Json::input_format_t::ubjson);
  } catch (const Json::exception& e) {
    fail(std::string(text ? "JSON" : "UBJSON") + ": " + e.what());
  }
  if (!ok) {
    fail(std::string(text ? "not valid JSON" : "not valid UBJSON") +
         " (truncated or corrupted?): " + reader.error());
  }
  return result;
}

const Json* find_member(const Json& object, const char* key, const std::string& path) {
  if (!object.is_object()) fail(path + ": expected an object, found " + type_name(object));
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const Json& member(const Json& object, const char* key, const std::string& path) {
  const Json* value = find_member(object, key, path);
  if (value == nullptr) fail(path + ": missing the field '" + key + "'");
  return *value;
}

std::string string_value(const Json& value, const std::string& path) {
  if (!value.is_string()) fail(path + ": expected a string, found " + type_name(value));
  return value.get<std::string>();
}

std::int64_t integer_value(const Json& value, const std::string& path) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() &&
        value.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(path + ": integer out of range");
    }
    return value.get<std::int64_t>();
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    std::int64_t result = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
    if (error == std::errc() && end == text.data() + text.size() && !text.empty()) return result;
    fail(path + ": expected an integer, found \"" + text + "\"");
  }
  fail(path + ": expected an integer, found " + type_name(value));
}

std::vector<std::int64_t> integer_array(const Json& value, const std::string& path) {
  const Json& array = array_of(value, path);
  std::vector<std::int64_t> result;
  result.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_number_integer()) {
      fail(at(path, i) + ": expected an integer, found " + type_name(array[i]));
    }
    result.push_back(integer_value(array[i], at(path, i)));
  }
  return result;
}

std::vector<float> float_array(const Json& value, const std::string& path) {
  const Json& array = array_of(value, path);
  std::vector<float> result;
  result.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const Json& v = array[i];
    if (v.is_number_float()) {
      result.push_back(static_cast<float>(v.get<double>()));  // already a float32 value
    } else if (v.is_number_unsigned()) {
      result.push_back(static_cast<float>(v.get<std::uint64_t>()));
    } else if (v.is_number_integer()) {
      result.push_back(static_cast<float>(v.get<std::int64_t>()));
    } else {
      fail(at(path, i) + ": expected a number, found " + type_name(v));
    }
  }
  return result;
}

std::vector<std::int64_t> integer_array(const Json& object, const char* key,
                                        const std::string& path) {
  return integer_array(member(object, key, path), path + "." + key);
}

std::vector<float> float_array(const Json& object, const char* key, const std::string& path) {
  return float_array(member(object, key, path), path + "." + key);
}

std::vector<std::string> string_array(const Json& value, const std::string& path) {
  const Json& array = array_of(value, path);
  std::vector<std::string> result;
  result.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i)
    result.push_back(string_value(array[i], at(path, i)));
  return result;
}

std::vector<float> float_list_string(const std::string& text, const std::string& path) {
  std::string_view rest(text);
  const bool bracketed = !rest.empty() && rest.front() == '[';
  if (bracketed) {
    if (rest.back() != ']') fail(path + ": expected \"[v, ...]\", found \"" + text + "\"");
    rest = rest.substr(1, rest.size() - 2);
  }
  std::vector<float> values;
  while (true) {
    const std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    float value = 0.0f;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || error != std::errc() || end != item.data() + item.size()) {
      fail(path + ": expected float32 numbers, found \"" + text + "\"");
    }
    values.push_back(value);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return values;
}

}  // namespace pith::xgboost_json
