// The pith CLI's shared pieces: the subcommand registry entry, argument parsing, exit codes and
// the helpers every subcommand uses (reading input, loading a model, formatting numbers).
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pith/model.h"
#include "pith/model_io.h"

namespace pith::cli {

// Exit codes, the same for every subcommand so that scripts can tell a typo from bad data.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;  // bad model file, bad CSV, I/O failure
inline constexpr int kExitUsage = 2;         // unknown subcommand or option, missing argument

// One option of a subcommand. `--help`/`-h` is implied for every subcommand.
struct Option {
  std::string_view name;        // long name, without the leading "--"
  char short_name = '\0';       // '\0': no short form
  std::string_view value_name;  // empty: a flag that takes no value
  std::string_view help;
};

// Constructors for the two shapes of option (designated initializers that skip members trip
// GCC 12's -Wmissing-field-initializers).
constexpr Option flag_option(std::string_view name, std::string_view help, char short_name = '\0') {
  return Option{name, short_name, {}, help};
}
constexpr Option value_option(std::string_view name, std::string_view value_name,
                              std::string_view help, char short_name = '\0') {
  return Option{name, short_name, value_name, help};
}

class Args;

// A registry entry: what `pith --help` lists and what main() dispatches to by name.
struct Subcommand {
  std::string_view name;
  std::string_view summary;                // one line
  std::vector<std::string_view> operands;  // required positional arguments, in order
  std::vector<Option> options;
  std::string_view details;  // printed after the options by --help; may be empty
  int (*run)(const Args& args);
};

// The registry, in the order `pith --help` lists them. Each lives in its own cmd_<name>.cc.
const Subcommand& info_subcommand();
const Subcommand& predict_subcommand();
const Subcommand& serve_subcommand();
const Subcommand& compile_subcommand();
const Subcommand& convert_subcommand();

// A command line the user has to fix: main() prints the message and the usage, exits 2.
class UsageError : public std::runtime_error {
 public:
  UsageError(const std::string& message, std::string usage)
      : std::runtime_error(message), usage_(std::move(usage)) {}
  const std::string& usage() const { return usage_; }

 private:
  std::string usage_;
};

// The usage text of a subcommand: synopsis, summary and options, then for --help the details
// (a usage error shows the short form, ending in a pointer to --help). Ends in a newline.
std::string format_usage(const Subcommand& command, bool with_details = true);

// A parsed command line of one subcommand. Later occurrences of an option override earlier ones.
class Args {
 public:
  // Parses `args` (everything after the subcommand name). Throws UsageError for an unknown
  // option, a missing option value, a value given to a flag and a wrong number of operands;
  // not for any of these once --help is seen, so that `--help` always works.
  Args(const Subcommand& command, std::span<const std::string> args);

  bool help() const { return help_; }
  const std::string& operand(std::size_t i) const { return operands_.at(i); }
  bool flag(std::string_view name) const;
  std::optional<std::string> value(std::string_view name) const;
  // Every value of a repeatable option, in command-line order.
  std::vector<std::string> values(std::string_view name) const;
  // An integer option in [min_value, max_value]; `fallback` when absent. Throws UsageError.
  int int_value(std::string_view name, int fallback, int min_value, int max_value) const;

  [[noreturn]] void usage_error(const std::string& message) const;

 private:
  const Option* find_long(std::string_view name) const;
  const Option* find_short(char name) const;

  const Subcommand* command_;
  bool help_ = false;
  std::vector<std::string> operands_;
  std::vector<std::pair<std::string, std::string>> values_;  // (long name, value); flags: ""
};

// The bytes of a file, or of standard input for "-". Throws pith::Error(kIO) naming the path
// and the OS reason (missing file, a directory, permission), or past `max_bytes`.
// `check_start`, if given, sees the first 64 KiB (or all of a smaller input) before the rest is
// read and may throw: a wrong file then fails at once rather than after reading all of it.
std::string read_input(const std::string& path,
                       std::size_t max_bytes = std::numeric_limits<std::size_t>::max(),
                       const std::function<void(std::string_view)>& check_start = {});

struct LoadedModel {
  Model model;
  FormatVersion version;
};

// Loads a .pith file and prints the loader's warnings (e.g. a newer minor version) to stderr as
// "pith <command>: warning: ...". Errors are rethrown with the path in the message.
LoadedModel load_model_file(const std::string& path, std::string_view command);

// Shortest text that reads back as the same double ("0.1", "1e+300"); "nan"/"inf" as such.
std::string format_shortest(double value);

}  // namespace pith::cli
