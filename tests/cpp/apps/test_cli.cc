// End-to-end tests of the `pith` binary: each test runs the real executable (PITH_CLI_PATH) in a
// fresh temporary directory, on models written with pith::save_model, and checks exit codes,
// stdout and stderr. Bad inputs are one parameterised table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_test_support.h"

namespace {

using pith::cli_test::CliTest;
using pith::cli_test::JsonChecker;
using pith::cli_test::make_model;
using pith::cli_test::parse_rows;
using pith::cli_test::read_file;
using pith::cli_test::RunResult;
using pith::cli_test::write_file;
namespace fs = std::filesystem;

// ---- global options ------------------------------------------------------------------------

TEST_F(CliTest, GlobalHelpListsSubcommands) {
  const RunResult r = run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: pith <command>"), std::string::npos);
  EXPECT_NE(r.out.find("  info        Describe a model file"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  predict     Predict (labels"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, Version) {
  const RunResult r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "pith 0.1.0 (model format 1.2)\n");
}

TEST_F(CliTest, NoArgumentsIsAUsageError) {
  const RunResult r = run({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("usage: pith <command>"), std::string::npos);
}

TEST_F(CliTest, SubcommandHelpGoesToStdoutEvenWithOtherErrors) {
  for (const char* flag : {"--help", "-h"}) {
    const RunResult r = run({"predict", "--bogus", flag});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("usage: pith predict [options] MODEL DATA.csv"), std::string::npos);
    EXPECT_NE(r.out.find("-o, --output FILE"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--threads N"), std::string::npos);
  }
}

// ---- info ----------------------------------------------------------------------------------

TEST_F(CliTest, InfoText) {
  const RunResult r = run({"info", path("named.pith")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "path:            " + path("named.pith") +
                       "\n"
                       "format version:  1.2\n"
                       "producer:        pith-test\n"
                       "estimator:       kmeans\n"
                       "input:           2 features, float64\n"
                       "feature names:   x, y\n"
                       "n_clusters:      3\n"
                       "n_features:      2\n"
                       "inertia:         1.5\n"
                       "n_iter:          4\n"
                       "centers:\n"
                       "  0: 0, 0\n"
                       "  1: 10, 0\n"
                       "  2: 0, 10\n");
}

TEST_F(CliTest, InfoJson) {
  const RunResult r = run({"info", "--json", path("named.pith")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(JsonChecker(r.out).valid()) << r.out;
  for (const char* expected :
       {"\"format_version\":\"1.2\"", "\"producer\":\"pith-test\"", "\"estimator\":\"kmeans\"",
        "\"input\":{\"n_features\":2,\"dtype\":\"float64\",\"feature_names\":[\"x\",\"y\"]}",
        "\"n_clusters\":3", "\"inertia\":1.5", "\"n_iter\":4", "\"centers\":[[0,0],[10,0],[0,10]]",
        "\"centers_truncated\":false"}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected << " in " << r.out;
  }
}

TEST_F(CliTest, InfoJsonEscapesStrings) {
  pith::save_model(make_model(pith::DType::kFloat32, {"a\"b\\c", "tab\there\n\x01 \xc3\xa9"}),
                   path("odd.pith"));
  const RunResult r = run({"info", "--json", path("odd.pith")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(JsonChecker(r.out).valid()) << r.out;
  EXPECT_NE(r.out.find(R"(["a\"b\\c","tab\there\n\u0001 é"])"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"dtype\":\"float32\""), std::string::npos);
}

TEST_F(CliTest, InfoTruncatesLargeCenters) {
  pith::KMeansModel kmeans;
  kmeans.n_clusters = 10;
  kmeans.n_features = 12;
  kmeans.centers.resize(120);
  for (std::size_t i = 0; i < 120; ++i) kmeans.centers[i] = static_cast<double>(i);
  pith::Model model;
  model.input.n_features = 12;
  model.estimator = kmeans;
  pith::save_model(model, path("big.pith"));

  const RunResult text = run({"info", path("big.pith")});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("centers (first 5 of 10 rows, 8 of 12 columns):\n"
                          "  0: 0, 1, 2, 3, 4, 5, 6, 7, ...\n"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(text.out.find("  5: "), std::string::npos);

  const RunResult json = run({"info", path("big.pith"), "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(JsonChecker(json.out).valid()) << json.out;
  EXPECT_NE(json.out.find("\"centers_truncated\":true"), std::string::npos);
}

TEST_F(CliTest, InfoWarnsAboutNewerMinorVersion) {
  std::string bytes = read_file(path("model.pith"));
  bytes[10] = 7;  // the header's minor version (uint16 LE at offset 10, outside the CRC)
  write_file(path("future.pith"), bytes);
  const RunResult r = run({"info", path("future.pith")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("format version:  1.7\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("pith info: warning: model '" + path("future.pith") + "'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("1.7"), std::string::npos);
}

// ---- predict: happy paths ------------------------------------------------------------------

TEST_F(CliTest, PredictWithoutHeader) {
  write_file(path("data.csv"), "1,1\n9,1\n1,8\n");
  const RunResult r = run({"predict", path("model.pith"), path("data.csv")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, PredictHeaderInModelOrder) {
  write_file(path("data.csv"), "x,y\n1,1\n9,1\n1,8\n");
  const RunResult r = run({"predict", path("named.pith"), path("data.csv")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n");
}

TEST_F(CliTest, PredictHeaderInAnotherOrderIsReordered) {
  // Same samples as above with the columns swapped: (x, y) = (1, 1), (9, 1), (1, 8).
  write_file(path("data.csv"), "y,x\n1,1\n1,9\n8,1\n");
  const RunResult r = run({"predict", path("named.pith"), path("data.csv")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n");
}

TEST_F(CliTest, PredictHeaderWithoutModelNamesChecksOnlyTheCount) {
  write_file(path("data.csv"), "a,b\n9,1\n");
  const RunResult r = run({"predict", path("model.pith"), path("data.csv")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
}

TEST_F(CliTest, PredictAcceptsCrlfBlankLinesQuotesSpacesAndPlus) {
  write_file(path("data.csv"), "\r\n\"y\" , x\r\n\r\n +1 , \"9\"\r\n  \n8,1e0\r\n");
  const RunResult r = run({"predict", path("named.pith"), path("data.csv")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n2\n");
}

TEST_F(CliTest, PredictMatchesQuotedNamesWithCommas) {
  pith::save_model(make_model(pith::DType::kFloat64, {"a,b", "say \"hi\""}), path("q.pith"));
  write_file(path("data.csv"), "\"say \"\"hi\"\"\",\"a,b\"\n0,9\n");
  const RunResult r = run({"predict", path("q.pith"), path("data.csv")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
}

TEST_F(CliTest, PredictFromStdin) {
  const RunResult r = run_stdin({"predict", path("model.pith"), "-"}, "1,8\n9,1\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2\n1\n");
}

TEST_F(CliTest, PredictModelFromStdin) {
  write_file(path("data.csv"), "9,1\n");
  const RunResult r = run_stdin({"predict", "-", path("data.csv")}, read_file(path("model.pith")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
}

TEST_F(CliTest, PredictToFileReplacesItAtomically) {
  write_file(path("data.csv"), "1,1\n9,1\n");
  write_file(path("out.txt"), "old contents\n");
  for (const std::vector<std::string>& output_args :
       {std::vector<std::string>{"-o", path("out.txt")},
        {"-o" + path("out.txt")},
        {"--output=" + path("out.txt")},
        {"--output", path("out.txt")}}) {
    std::vector<std::string> args{"predict", path("model.pith"), path("data.csv")};
    args.insert(args.end(), output_args.begin(), output_args.end());
    const RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(read_file(path("out.txt")), "0\n1\n");
    EXPECT_EQ(work_listing(), (std::set<std::string>{"data.csv", "f32.pith", "model.pith",
                                                     "named.pith", "out.txt"}));
  }
}

TEST_F(CliTest, PredictThreadCountsAgree) {
  std::string csv;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> uniform(-5, 15);
  for (int i = 0; i < 2000; ++i)
    csv += std::to_string(uniform(rng)) + "," + std::to_string(uniform(rng)) + "\n";
  write_file(path("data.csv"), csv);
  const RunResult one = run({"predict", path("model.pith"), path("data.csv"), "--threads", "1"});
  const RunResult two = run({"predict", path("model.pith"), path("data.csv"), "--threads=2"});
  const RunResult all = run({"predict", path("model.pith"), path("data.csv"), "--threads", "0"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(std::count(one.out.begin(), one.out.end(), '\n'), 2000);
  EXPECT_EQ(one.out, two.out);
  EXPECT_EQ(one.out, all.out);
}

TEST_F(CliTest, PredictTransformWritesDistances) {
  const std::vector<std::vector<double>> samples{{3, 4}, {10, 0}, {0.1, 0.2}};
  write_file(path("data.csv"), "3,4\n10,0\n0.1,0.2\n");
  const RunResult r = run({"predict", path("model.pith"), path("data.csv"), "--transform"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = parse_rows(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  const double centers[3][2] = {{0, 0}, {10, 0}, {0, 10}};
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(rows[i].size(), 3u) << r.out;
    for (std::size_t j = 0; j < 3; ++j) {
      const double expected =
          std::hypot(samples[i][0] - centers[j][0], samples[i][1] - centers[j][1]);
      // The library may compute |x|^2 - 2x.c + |c|^2; allow a few ulps of cancellation.
      EXPECT_NEAR(rows[i][j], expected, 1e-12 * (1 + expected)) << i << "," << j;
    }
  }
  // Full precision: every cell reads back to the same 17-digit text, so none was shortened
  // (the distance from (3,4) to (10,0) is sqrt(65), which needs all 17 digits).
  const std::string first_row = r.out.substr(0, r.out.find('\n'));
  const std::string second_cell = first_row.substr(first_row.find(',') + 1);
  const std::string cell = second_cell.substr(0, second_cell.find(','));
  char expected[32];
  std::snprintf(expected, sizeof expected, "%.17g", std::stod(cell));
  EXPECT_EQ(cell, expected);
  EXPECT_EQ(cell.size(), 18u) << cell;  // 17 digits and the point
}

TEST_F(CliTest, PredictFloat32Model) {
  write_file(path("data.csv"), "1,1\n9,1\n1,8\n0.1,0.2\n");
  const RunResult labels = run({"predict", path("f32.pith"), path("data.csv")});
  EXPECT_EQ(labels.exit_code, 0) << labels.err;
  EXPECT_EQ(labels.out, "0\n1\n2\n0\n");

  const RunResult distances = run({"predict", path("f32.pith"), path("data.csv"), "--transform"});
  ASSERT_EQ(distances.exit_code, 0) << distances.err;
  const auto rows = parse_rows(distances.out);
  ASSERT_EQ(rows.size(), 4u);
  // float32 precision: 9 significant digits, values within float rounding of the exact distance.
  const float x = 0.1f, y = 0.2f;
  EXPECT_NEAR(rows[3][0], std::hypot(x, y), 1e-6);
  const std::string last_row =
      distances.out.substr(distances.out.rfind('\n', distances.out.size() - 2) + 1);
  const std::string first_cell = last_row.substr(0, last_row.find(','));
  char expected[32];
  std::snprintf(expected, sizeof expected, "%.9g",
                static_cast<double>(static_cast<float>(rows[3][0])));
  EXPECT_EQ(first_cell, expected);
}

TEST_F(CliTest, PredictHeaderOnlyGivesEmptyOutput) {
  write_file(path("data.csv"), "x,y\n\n");
  const RunResult r = run({"predict", path("named.pith"), path("data.csv"), "-o", path("out.txt")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(path("out.txt")), "");
  // The header is still checked against the model.
  write_file(path("bad.csv"), "x,z\n");
  const RunResult bad = run({"predict", path("named.pith"), path("bad.csv")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("column 'z' is not a feature of the model"), std::string::npos);
}

// ---- bad inputs ----------------------------------------------------------------------------

struct BadCase {
  const char* name;
  std::vector<std::string> args;  // "@/" is replaced by the work directory
  const char* csv;                // written to @/data.csv when not null
  int exit_code;
  const char* stderr_phrase;
  const char* stdin_text = nullptr;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class CliBadInput : public CliTest, public ::testing::WithParamInterface<BadCase> {};

TEST_P(CliBadInput, FailsCleanly) {
  const BadCase& c = GetParam();
  std::string random_bytes(300, '\0');
  std::mt19937 rng(7);
  for (char& b : random_bytes) b = static_cast<char>(rng());
  write_file(path("corrupt.pith"), random_bytes);
  const std::string good = read_file(path("model.pith"));
  write_file(path("truncated.pith"), good.substr(0, good.size() / 2));
  std::string major = good;
  major[8] = 2;  // header major version
  write_file(path("v2.pith"), major);
  if (c.csv != nullptr) write_file(path("data.csv"), c.csv);
  const std::set<std::string> before = work_listing();

  std::vector<std::string> args;
  for (std::string arg : c.args) {
    if (const auto at = arg.find("@/"); at != std::string::npos)
      arg.replace(at, 2, work_.string() + "/");
    args.push_back(arg);
  }
  const RunResult r = c.stdin_text ? run_stdin(args, c.stdin_text) : run(args);
  EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
  EXPECT_NE(r.err.find(c.stderr_phrase), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(r.out, "");
  if (c.exit_code == 2) {
    EXPECT_NE(r.err.find("usage: pith"), std::string::npos) << r.err;
  } else {
    EXPECT_EQ(r.err.rfind("pith ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(": error: "), std::string::npos) << r.err;
  }
  EXPECT_EQ(work_listing(), before) << "a file was left behind";
}

// `pith predict @/MODEL @/data.csv -o @/out.txt` with `csv` in data.csv: a runtime error (1).
BadCase predict_csv(const char* name, const char* model, const char* csv, const char* phrase) {
  return {name,
          {"predict", std::string("@/") + model, "@/data.csv", "-o", "@/out.txt"},
          csv,
          1,
          phrase};
}

// Any command line, data.csv holding one valid row.
BadCase command(const char* name, std::vector<std::string> args, int exit_code,
                const char* phrase) {
  return {name, std::move(args), "1,2\n", exit_code, phrase};
}

INSTANTIATE_TEST_SUITE_P(
    Table, CliBadInput,
    ::testing::Values(
        // Model files.
        command("MissingModel", {"predict", "@/nope.pith", "@/data.csv", "-o", "@/out.txt"}, 1,
                "cannot open '"),
        command("ModelIsADirectory", {"predict", "@/", "@/data.csv", "-o", "@/out.txt"}, 1,
                "it is a directory"),
        predict_csv("CorruptModel", "corrupt.pith", "1,2\n",
                    "corrupt.pith': not a pith model file"),
        predict_csv("TruncatedModel", "truncated.pith", "1,2\n", "truncated"),
        predict_csv("NewerMajorModel", "v2.pith", "1,2\n", "written by format 2.2"),
        command("CsvGivenAsModel", {"predict", "@/data.csv", "@/data.csv", "-o", "@/out.txt"}, 1,
                "data.csv': not a pith model file"),
        command("InfoEndlessModel", {"info", "/dev/zero"}, 1,
                "model '/dev/zero': not a pith model file"),
        command("InfoMissingModel", {"info", "@/nope.pith"}, 1, "pith info: error: cannot open '"),
        command("InfoCorruptModel", {"info", "--json", "@/corrupt.pith"}, 1,
                "pith info: error: model '"),
        // CSV files.
        command("MissingCsv", {"predict", "@/model.pith", "@/nope.csv", "-o", "@/out.txt"}, 1,
                "nope.csv': No such file or directory"),
        predict_csv("EmptyCsv", "model.pith", "", "data.csv is empty"),
        predict_csv("BlankLinesOnlyCsv", "model.pith", "\n \r\n\n", "data.csv is empty"),
        command("EmptyStdin", {"predict", "@/model.pith", "-"}, 1, "standard input is empty"),
        predict_csv("TooManyColumns", "model.pith", "1,2\n\n3,4,5\n",
                    "data.csv, line 3: found 3 columns, expected 2"),
        predict_csv("TooFewColumns", "model.pith", "1\n", "line 1: found 1 column, expected 2"),
        predict_csv("TrailingComma", "model.pith", "1,2,\n", "line 1: found 3 columns, expected 2"),
        predict_csv("NonNumericCell", "model.pith", "1,2\n3,4\n5,abc\n",
                    "line 3, column 2: 'abc' is not a number"),
        predict_csv("NumberWithJunk", "model.pith", "1,2\n3x,4\n",
                    "line 2, column 1: '3x' is not a number"),
        predict_csv("NanCell", "model.pith", "1,nan\n",
                    "line 1, column 2: 'nan' is not a finite number"),
        predict_csv("InfCell", "model.pith", "1,2\n-inf,0\n",
                    "line 2, column 1: '-inf' is not a finite number"),
        predict_csv("HugeCell", "model.pith", "1e999,0\n", "'1e999' is out of range for float64"),
        predict_csv("Float32Overflow", "f32.pith", "0,1e39\n",
                    "line 1, column 2: '1e39' is out of range for float32"),
        predict_csv("EmptyCell", "model.pith", "1,2\n3,\n", "line 2, column 2: empty cell"),
        predict_csv("UnterminatedQuote", "model.pith", "1,\"2\n",
                    "line 1, column 2: unterminated quote"),
        predict_csv("UnknownHeaderName", "named.pith", "x,z\n1,2\n",
                    "line 1: column 'z' is not a feature of the model"),
        predict_csv("MissingHeaderName", "named.pith", "x\n1\n",
                    "no column for the model's feature 'y'"),
        predict_csv("DuplicateHeaderName", "named.pith", "x,x\n1,2\n", "column 'x' appears twice"),
        predict_csv("HeaderCountWithoutNames", "model.pith", "a,b,c\n1,2,3\n",
                    "the header has 3 columns, the model expects 2 features"),
        BadCase{"BadCsvOnStdin",
                {"predict", "@/model.pith", "-", "-o", "@/out.txt"},
                nullptr,
                1,
                "standard input, line 2, column 1: 'q' is not a number",
                "1,2\nq,3\n"},
        // Command lines.
        command("UnknownOption", {"predict", "--bogus", "@/model.pith", "@/data.csv"}, 2,
                "pith predict: error: unknown option '--bogus'"),
        command("UnknownShortOption", {"predict", "-x", "@/model.pith", "@/data.csv"}, 2,
                "unknown option '-x'"),
        command("MissingArgument", {"predict", "@/model.pith"}, 2, "missing argument DATA.csv"),
        command("InfoMissingArgument", {"info"}, 2, "missing argument MODEL"),
        command("ExtraArgument", {"info", "@/model.pith", "extra"}, 2,
                "unexpected argument 'extra'"),
        command("MissingOptionValue", {"predict", "@/model.pith", "@/data.csv", "-o"}, 2,
                "option -o needs a value (FILE)"),
        command("FlagWithValue", {"info", "--json=yes", "@/model.pith"}, 2,
                "option --json takes no value"),
        command("ThreadsNotANumber", {"predict", "@/model.pith", "@/data.csv", "--threads", "abc"},
                2, "--threads expects an integer from 0 to 4096, got 'abc'"),
        command("ThreadsNegative", {"predict", "@/model.pith", "@/data.csv", "--threads=-1"}, 2,
                "--threads expects an integer"),
        command("BothFromStdin", {"predict", "-", "-"}, 2, "cannot both be '-'"),
        command("UnknownSubcommand", {"frobnicate"}, 2,
                "pith: error: unknown command 'frobnicate'"),
        command("UnknownGlobalOption", {"--frobnicate"}, 2,
                "pith: error: unknown option '--frobnicate'"),
        // Output.
        command("OutputDirectoryMissing",
                {"predict", "@/model.pith", "@/data.csv", "-o", "@/no/such/dir/out.txt"}, 1,
                "cannot create '")),
    [](const ::testing::TestParamInfo<BadCase>& param) { return std::string(param.param.name); });

TEST_F(CliTest, FailedPredictLeavesExistingOutputUntouched) {
  write_file(path("data.csv"), "1,2\n3,oops\n");
  write_file(path("out.txt"), "previous\n");
  const RunResult r = run({"predict", path("model.pith"), path("data.csv"), "-o", path("out.txt")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(read_file(path("out.txt")), "previous\n");
  EXPECT_EQ(work_listing(),
            (std::set<std::string>{"data.csv", "f32.pith", "model.pith", "named.pith", "out.txt"}));
}

// ---- docs ----------------------------------------------------------------------------------

// The ```console blocks of docs/cli.md are one session: "$ command" lines, each followed by what
// it prints (stdout and stderr). They run here, in order, so the guide cannot drift from the
// binary. The session's model, blobs.pith, is the named test model.
TEST_F(CliTest, DocsSessionIsWhatTheBinaryPrints) {
  const fs::path doc_path = fs::path(PITH_TEST_DATA_DIR) / ".." / ".." / "docs" / "cli.md";
  const std::string doc = read_file(doc_path);
  ASSERT_FALSE(doc.empty()) << doc_path;
  pith::Model blobs = make_model(pith::DType::kFloat64, {"x", "y"});
  blobs.producer = "pith 0.1.0";
  pith::save_model(blobs, path("blobs.pith"));

  std::vector<std::pair<std::string, std::string>> steps;  // (command, expected output)
  std::istringstream lines(doc);
  std::string line;
  bool in_session = false;
  while (std::getline(lines, line)) {
    if (!in_session) {
      in_session = line == "```console";
    } else if (line == "```") {
      in_session = false;
    } else if (line.starts_with("$ ")) {
      steps.emplace_back(line.substr(2), "");
    } else if (!steps.empty()) {
      steps.back().second += line + "\n";
    }
  }
  ASSERT_GE(steps.size(), 8u) << "no ```console session found in " << doc_path;
  for (const auto& [command, expected] : steps) {
    const RunResult r = run_shell(command);
    EXPECT_EQ(r.out, expected) << "docs/cli.md: $ " << command << "\n" << r.out;
  }
}

}  // namespace
