// Reading XGBoost model documents: JSON text or UBJSON into a nlohmann::json tree whose numbers
// are what XGBoost itself reads (float32), and typed field access whose errors name the field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "pith/error.h"

namespace pith::xgboost_json {

using Json = nlohmann::json;

// Throws Error(code) with "XGBoost model: " and the message, its bytes outside printable ASCII
// escaped as \xNN: messages quote the document, whose bytes may be anything, and must stay
// text for every caller (Python decodes them as UTF-8).
[[noreturn]] void fail(const std::string& message, ErrorCode code = ErrorCode::kFormat);

// Parses the document; UBJSON unless the bytes start like JSON text ('{' then '"', or
// whitespace). Every floating-point number becomes the nearest float32 (from the decimal text
// itself for JSON, so no double rounding). Nesting is limited (no stack exhaustion on hostile
// input). Throws Error(kFormat) on malformed, truncated or trailing bytes.
Json parse_document(std::string_view bytes);

// `object[key]`; `path` names `object` in messages ("learner.objective").
const Json& member(const Json& object, const char* key, const std::string& path);
// nullptr if `object` has no `key` (optional fields of older XGBoost versions).
const Json* find_member(const Json& object, const char* key, const std::string& path);

std::string string_value(const Json& value, const std::string& path);
// An integer, or a string holding one (XGBoost writes its parameters as strings: "30").
std::int64_t integer_value(const Json& value, const std::string& path);

std::vector<std::int64_t> integer_array(const Json& value, const std::string& path);
// Integers are accepted too (converted to the nearest float32).
std::vector<float> float_array(const Json& value, const std::string& path);
std::vector<std::string> string_array(const Json& value, const std::string& path);
// The arrays `object[key]`, named `path.key` in messages.
std::vector<std::int64_t> integer_array(const Json& object, const char* key,
                                        const std::string& path);
std::vector<float> float_array(const Json& object, const char* key, const std::string& path);

// base_score: "5E-1", "[5E-1]" or "[1E0,2E0]" (XGBoost 3 writes a vector).
std::vector<float> float_list_string(const std::string& text, const std::string& path);

}  // namespace pith::xgboost_json
