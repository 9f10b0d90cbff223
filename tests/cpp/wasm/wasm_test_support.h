// What the compiler tests share: running wabt's tools, temporary files, and reading the values a
// module returned through wasm-interp.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace pith::wasm_test {

namespace fs = std::filesystem;

inline bool have_tool(const char* name) {
  return std::system(("command -v " + std::string(name) + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs a shell command; returns its standard output, and its exit status in `status`.
inline std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  *status = pclose(pipe);
  return out;
}

// A path in the temporary directory, unique to this process.
inline fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("pith_wasm_" + std::to_string(getpid()) + "_" + name);
}

inline void write_file(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<std::uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every value the module returned, parsed from "run_embedded() => i64:1, i64:2, ...".
inline std::vector<std::uint64_t> parse_interp(const std::string& text) {
  std::vector<std::uint64_t> values;
  std::size_t at = text.find("run_embedded() =>");
  while (at != std::string::npos) {
    at = text.find("i64:", at);
    if (at == std::string::npos) break;
    at += 4;
    const char* start = text.c_str() + at;
    values.push_back(*start == '-' ? static_cast<std::uint64_t>(std::strtoll(start, nullptr, 10))
                                   : std::strtoull(start, nullptr, 10));
  }
  return values;
}

}  // namespace pith::wasm_test
