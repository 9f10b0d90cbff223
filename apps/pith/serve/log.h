// Structured logs for `pith serve`: one JSON object per line on stderr, so that log collectors
// can parse them ({"ts":"...","level":"info","msg":"...", ...fields}).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace pith::serve {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// One extra field of a log line: a key and a string value (numbers are passed as their text and
// written as JSON numbers when `number` is set).
struct LogField {
  std::string_view key;
  std::string value;
  bool number = false;
};

inline LogField field(std::string_view key, std::string value) { return {key, std::move(value)}; }
LogField field(std::string_view key, long long value);
LogField field(std::string_view key, double value);

// Lines below the level are dropped. Thread-safe; each line is written with one write(2).
void set_log_level(LogLevel level);
// Parses "debug", "info", "warning", "error"; returns false for anything else.
bool parse_log_level(std::string_view text, LogLevel* level);
bool log_enabled(LogLevel level);
void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

}  // namespace pith::serve
