// Support for the CLI tests: running the `pith` binary in a temporary directory with captured
// output, the models the tests share, and a strict JSON syntax checker.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "pith/model.h"
#include "pith/model_io.h"

extern char** environ;

namespace pith::cli_test {

namespace fs = std::filesystem;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// The three centers every test model has, so that expected labels are obvious.
inline pith::Model make_model(pith::DType dtype, std::vector<std::string> names = {}) {
  pith::KMeansModel kmeans;
  kmeans.n_clusters = 3;
  kmeans.n_features = 2;
  kmeans.centers = {0, 0, 10, 0, 0, 10};
  kmeans.inertia = 1.5;
  kmeans.n_iter = 4;
  pith::Model model;
  model.input.n_features = 2;
  model.input.dtype = dtype;
  model.input.feature_names = std::move(names);
  model.estimator = kmeans;
  model.producer = "pith-test";
  return model;
}

// A tiny strict JSON checker (RFC 8259 grammar, no semantics): enough to prove --json output
// parses, escaping included, without a JSON library.
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view text) : s_(text) {}
  bool valid() {
    skip_ws();
    if (!value()) return false;
    skip_ws();
    return i_ == s_.size();
  }

 private:
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    skip_ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool string() {
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (i_ >= s_.size()) return false;
        const char e = s_[i_++];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            if (i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_++])))
              return false;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    const std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    auto digits = [&] {
      const std::size_t from = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      return i_ > from;
    };
    if (!digits()) return false;
    if (s_[start + (s_[start] == '-' ? 1 : 0)] == '0' && i_ - start > (s_[start] == '-' ? 2u : 1u))
      return false;  // no leading zeros
    if (i_ < s_.size() && s_[i_] == '.' && (++i_, !digits())) return false;
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    return true;
  }
  bool value() {
    skip_ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      if (eat('}')) return true;
      do {
        skip_ws();
        if (!string() || !eat(':') || !value()) return false;
      } while (eat(','));
      return eat('}');
    }
    if (c == '[') {
      ++i_;
      if (eat(']')) return true;
      do {
        if (!value()) return false;
      } while (eat(','));
      return eat(']');
    }
    if (c == '"') return string();
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    return number();
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "pith-cli-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    work_ = root_ / "work";
    fs::create_directory(work_);
    fs::create_directory(root_ / "capture");
    pith::save_model(make_model(pith::DType::kFloat64), work_ / "model.pith");
    pith::save_model(make_model(pith::DType::kFloat64, {"x", "y"}), work_ / "named.pith");
    pith::save_model(make_model(pith::DType::kFloat32), work_ / "f32.pith");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::string path(const std::string& name) const { return (work_ / name).string(); }

  // Runs the CLI with `args`, standard input from `stdin_text` (or an empty file).
  RunResult run(const std::vector<std::string>& args, const std::string* stdin_text = nullptr) {
    std::vector<std::string> argv{PITH_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return spawn(PITH_CLI_PATH, argv, stdin_text, /*merge_stderr=*/false);
  }

  // Runs a shell command line in the work directory with `pith` first on PATH; stderr goes to
  // `out` too, interleaved as a terminal would show it.
  RunResult run_shell(const std::string& command) {
    const std::string bin_dir = fs::path(PITH_CLI_PATH).parent_path().string();
    const std::string script =
        "cd '" + work_.string() + "' && PATH='" + bin_dir + "':\"$PATH\" && " + command;
    return spawn("/bin/sh", {"sh", "-c", script}, nullptr, /*merge_stderr=*/true);
  }

  RunResult run_stdin(const std::vector<std::string>& args, const std::string& stdin_text) {
    return run(args, &stdin_text);
  }

  std::set<std::string> work_listing() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(work_)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  // stdout and stderr go to files outside the work directory, so they never look like output.
  RunResult spawn(const char* program, std::vector<std::string> argv_storage,
                  const std::string* stdin_text, bool merge_stderr) {
    const fs::path in = root_ / "capture" / "stdin";
    const fs::path out = root_ / "capture" / "stdout";
    const fs::path err = root_ / "capture" / "stderr";
    write_file(in, stdin_text ? *stdin_text : "");
    std::vector<char*> argv;
    for (std::string& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (merge_stderr) {
      posix_spawn_file_actions_adddup2(&actions, 1, 2);
    } else {
      posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                       0644);
    }
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, program, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    RunResult result;
    if (spawned != 0) {
      ADD_FAILURE() << "posix_spawn failed: " << spawned;
      return result;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    result.out = read_file(out);
    result.err = merge_stderr ? "" : read_file(err);
    // Under -DPITH_SANITIZE=ON a report may come with the expected exit code; it is a failure.
    for (const std::string* text : {&result.out, &result.err}) {
      for (const char* report : {"Sanitizer", "runtime error:"}) {
        if (text->find(report) != std::string::npos) ADD_FAILURE() << *text;
      }
    }
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else {
      ADD_FAILURE() << "died with signal " << WTERMSIG(status) << "; stderr: " << result.err;
    }
    return result;
  }

  fs::path root_;
  fs::path work_;
};

inline std::vector<std::vector<double>> parse_rows(const std::string& text) {
  std::vector<std::vector<double>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<double> row;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

}  // namespace pith::cli_test
