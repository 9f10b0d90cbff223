// Argument parsing, usage text and the input/model helpers shared by every subcommand.
#include "cli.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>

#include "pith/error.h"

namespace pith::cli {
namespace {

constexpr std::string_view kHelpOption = "  -h, --help";

std::string option_label(const Option& option) {
  std::string label = option.short_name != '\0' ? std::string("  -") + option.short_name + ", "
                                                : std::string("      ");
  label += "--";
  label += option.name;
  if (!option.value_name.empty()) {
    label += ' ';
    label += option.value_name;
  }
  return label;
}

}  // namespace

std::string format_usage(const Subcommand& command, bool with_details) {
  std::string text = "usage: pith " + std::string(command.name);
  if (!command.options.empty()) text += " [options]";
  for (std::string_view operand : command.operands) {
    text += ' ';
    text += operand;
  }
  text += "\n\n";
  text += command.summary;
  text += "\n\noptions:\n";
  // Align the help column past the longest option label.
  std::size_t width = kHelpOption.size();
  for (const Option& option : command.options) width = std::max(width, option_label(option).size());
  auto add_line = [&](const std::string& label, std::string_view help) {
    text += label;
    text.append(width + 2 - label.size(), ' ');
    text += help;
    text += '\n';
  };
  for (const Option& option : command.options) add_line(option_label(option), option.help);
  add_line(std::string(kHelpOption), "show this help and exit");
  if (!with_details) {
    text += "\nRun 'pith " + std::string(command.name) + " --help' for details.\n";
  } else if (!command.details.empty()) {
    text += '\n';
    text += command.details;
    if (command.details.back() != '\n') text += '\n';
  }
  return text;
}

Args::Args(const Subcommand& command, std::span<const std::string> args) : command_(&command) {
  // The first problem is kept rather than thrown at once, so that `--help` anywhere still wins.
  std::optional<std::string> problem;
  auto fail = [&](std::string message) {
    if (!problem) problem = std::move(message);
  };
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg == "-" || arg.empty() || arg[0] != '-') {
      operands_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    const Option* option = nullptr;
    std::string shown;  // the option as the user spelled it, for messages
    std::optional<std::string> inline_value;
    if (arg.starts_with("--")) {
      const std::size_t eq = arg.find('=');
      const std::string name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
      if (eq != std::string::npos) inline_value = arg.substr(eq + 1);
      shown = "--" + name;
      if (name == "help") {
        help_ = true;
        continue;
      }
      option = find_long(name);
    } else {
      shown = arg.substr(0, 2);
      if (arg.size() > 2) inline_value = arg.substr(2);  // -oFILE
      if (arg[1] == 'h' && arg.size() == 2) {
        help_ = true;
        continue;
      }
      option = find_short(arg[1]);
    }
    if (option == nullptr) {
      fail("unknown option '" + shown + "'");
      continue;
    }
    if (option->value_name.empty()) {
      if (inline_value) fail("option " + shown + " takes no value");
      values_.emplace_back(std::string(option->name), "");
    } else if (inline_value) {
      values_.emplace_back(std::string(option->name), *inline_value);
    } else if (i + 1 < args.size()) {
      values_.emplace_back(std::string(option->name), args[++i]);
    } else {
      fail("option " + shown + " needs a value (" + std::string(option->value_name) + ")");
    }
  }
  if (help_) return;
  if (problem) usage_error(*problem);
  if (operands_.size() < command.operands.size()) {
    usage_error("missing argument " + std::string(command.operands[operands_.size()]));
  }
  if (operands_.size() > command.operands.size()) {
    usage_error("unexpected argument '" + operands_[command.operands.size()] + "'");
  }
}

const Option* Args::find_long(std::string_view name) const {
  for (const Option& option : command_->options) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

const Option* Args::find_short(char name) const {
  for (const Option& option : command_->options) {
    if (option.short_name != '\0' && option.short_name == name) return &option;
  }
  return nullptr;
}

bool Args::flag(std::string_view name) const {
  return std::any_of(values_.begin(), values_.end(),
                     [&](const auto& entry) { return entry.first == name; });
}

std::optional<std::string> Args::value(std::string_view name) const {
  for (auto it = values_.rbegin(); it != values_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return std::nullopt;
}

std::vector<std::string> Args::values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [key, text] : values_) {
    if (key == name) out.push_back(text);
  }
  return out;
}

int Args::int_value(std::string_view name, int fallback, int min_value, int max_value) const {
  const std::optional<std::string> text = value(name);
  if (!text) return fallback;
  int result = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, result);
  if (text->empty() || ec != std::errc() || ptr != end || result < min_value ||
      result > max_value) {
    usage_error("--" + std::string(name) + " expects an integer from " + std::to_string(min_value) +
                " to " + std::to_string(max_value) + ", got '" + *text + "'");
  }
  return result;
}

void Args::usage_error(const std::string& message) const {
  throw UsageError(message, format_usage(*command_, /*with_details=*/false));
}

std::string read_input(const std::string& path, std::size_t max_bytes,
                       const std::function<void(std::string_view)>& check_start) {
  std::FILE* file = stdin;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
  const std::string shown = path == "-" ? "standard input" : "'" + path + "'";
  if (path != "-") {
    // fopen() succeeds on a directory on Linux and only the read fails, with a vaguer message.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      throw Error(ErrorCode::kIO, "cannot read " + shown + ": it is a directory");
    }
    owned.reset(std::fopen(path.c_str(), "rb"));
    if (!owned) throw Error(ErrorCode::kIO, "cannot open " + shown + ": " + std::strerror(errno));
    file = owned.get();
  }
  std::string bytes;
  char buffer[1 << 16];
  while (true) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file);
    if (bytes.empty() && check_start) check_start(std::string_view(buffer, n));
    bytes.append(buffer, n);
    if (bytes.size() > max_bytes) {
      throw Error(ErrorCode::kIO,
                  "cannot read " + shown + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    if (n < sizeof buffer) break;
  }
  if (std::ferror(file)) {
    throw Error(ErrorCode::kIO, "cannot read " + shown + ": " + std::strerror(errno));
  }
  return bytes;
}

LoadedModel load_model_file(const std::string& path, std::string_view command) {
  // A .pith payload is one protobuf message (< 2 GiB) after a small header.
  constexpr std::size_t kMaxModelBytes = (std::size_t{1} << 31) + (std::size_t{1} << 20);
  std::vector<std::string> warnings;
  LoadedModel loaded;
  try {
    // The signature check on the first bytes turns e.g. a CSV or /dev/zero given as MODEL into
    // an immediate "not a pith model file".
    const std::string bytes = read_input(
        path, kMaxModelBytes, [](std::string_view start) { read_format_version(start); });
    loaded.version = read_format_version(bytes);
    loaded.model = parse_model(bytes, &warnings);
  } catch (const Error& e) {
    // The loader's messages say what is wrong with the bytes; the user also needs which file.
    // (read_input's own I/O errors already name it.)
    if (e.code() == ErrorCode::kIO) throw;
    throw Error(e.code(), "model '" + path + "': " + e.what());
  }
  for (const std::string& warning : warnings) {
    std::fprintf(stderr, "pith %.*s: warning: model '%s': %s\n", static_cast<int>(command.size()),
                 command.data(), path.c_str(), warning.c_str());
  }
  return loaded;
}

std::string format_shortest(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace pith::cli
