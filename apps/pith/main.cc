// The `pith` entry point: global options, the subcommand registry and the one place where
// errors turn into messages and exit codes. A new subcommand is one cmd_<name>.cc plus one line
// in kRegistry below.
#include <cstdio>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"
#include "pith/version.h"

namespace {

using pith::cli::Subcommand;

// The order `pith --help` lists them in.
const Subcommand* const kRegistry[] = {
    &pith::cli::info_subcommand(),    &pith::cli::predict_subcommand(),
    &pith::cli::serve_subcommand(),   &pith::cli::compile_subcommand(),
    &pith::cli::convert_subcommand(),
};

std::string global_usage() {
  std::string text =
      "usage: pith <command> [options] [arguments]\n"
      "       pith --help | --version\n\n"
      "Work with pith model files (.pith) from the command line.\n\n"
      "commands:\n";
  for (const Subcommand* command : kRegistry) {
    std::string line = "  " + std::string(command->name);
    line.resize(14, ' ');
    text += line + std::string(command->summary) + "\n";
  }
  text += "\nRun 'pith <command> --help' for the options of a command.\n";
  return text;
}

void print_error(std::string_view prefix, const char* message) {
  std::fprintf(stderr, "%.*s: error: %s\n", static_cast<int>(prefix.size()), prefix.data(),
               message);
}

int run_subcommand(const Subcommand& command, std::span<const std::string> args) {
  const std::string prefix = "pith " + std::string(command.name);
  try {
    const pith::cli::Args parsed(command, args);
    if (parsed.help()) {
      std::fputs(pith::cli::format_usage(command).c_str(), stdout);
      return pith::cli::kExitOk;
    }
    return command.run(parsed);
  } catch (const pith::cli::UsageError& e) {
    print_error(prefix, e.what());
    std::fputs(("\n" + e.usage()).c_str(), stderr);
    return pith::cli::kExitUsage;
  } catch (const std::exception& e) {
    // pith::Error and the standard library's exceptions (bad_alloc, filesystem) alike.
    print_error(prefix, e.what());
  } catch (...) {
    print_error(prefix, "unknown internal error");
  }
  return pith::cli::kExitRuntimeError;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    if (args.empty()) {
      std::fputs(global_usage().c_str(), stderr);
      return pith::cli::kExitUsage;
    }
    const std::string& first = args[0];
    if (first == "--help" || first == "-h") {
      std::fputs(global_usage().c_str(), stdout);
      return pith::cli::kExitOk;
    }
    if (first == "--version") {
      std::printf("pith %s (model format %u.%u)\n", pith::kVersion, pith::kFormatMajor,
                  pith::kFormatMinor);
      return pith::cli::kExitOk;
    }
    for (const Subcommand* command : kRegistry) {
      if (command->name == first) return run_subcommand(*command, std::span(args).subspan(1));
    }
    const char* what = first.starts_with("-") ? "unknown option" : "unknown command";
    std::fprintf(stderr, "pith: error: %s '%s'\n\n%s", what, first.c_str(), global_usage().c_str());
    return pith::cli::kExitUsage;
  } catch (const std::exception& e) {
    print_error("pith", e.what());
  } catch (...) {
    print_error("pith", "unknown internal error");
  }
  return pith::cli::kExitRuntimeError;
}
