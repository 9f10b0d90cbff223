// The `pith` binary on tree ensembles (format 1.2): info, predictions with missing values (empty
// cells, "nan") and the errors other kinds keep giving for them. Models are the golden files of
// tests/data/golden.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli_test_support.h"

namespace {

using pith::cli_test::CliTest;
using pith::cli_test::parse_rows;
using pith::cli_test::read_file;
using pith::cli_test::RunResult;
using pith::cli_test::write_file;
namespace fs = std::filesystem;

class CliTrees : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    for (const char* name : {"trees_boosted_v1_2.pith", "trees_multiclass_v1_2.pith",
                             "trees_forest_v1_2.pith", "pipeline_kmeans_v1_1.pith"}) {
      fs::copy_file(fs::path(PITH_TEST_DATA_DIR) / "golden" / name, path(name));
    }
  }
};

TEST_F(CliTrees, InfoDescribesTheEnsemble) {
  const RunResult r = run({"info", path("trees_boosted_v1_2.pith")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* line :
       {"estimator:       tree_ensemble\n", "task:            classifier\n",
        "classes:         no, yes\n", "n_trees:         2\n", "n_nodes:         8\n",
        "n_leaves:        5\n", "max_depth:       2\n", "categorical_splits: 1\n",
        "split:           x < threshold, x as float32\n", "score_precision: float32\n",
        "transform:       sigmoid\n", "base_score:      -0.25\n"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " in\n" << r.out;
  }
  const RunResult json = run({"info", "--json", path("trees_forest_v1_2.pith")});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"transform\":\"average\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"leaf_width\":2"), std::string::npos) << json.out;
}

TEST_F(CliTrees, EmptyCellsAndNanAreMissingValues) {
  // Columns by name. Row 1: 0.5 is not < 0.5 (right), -1.5 not < -1.5 (0.75), city 3 in the
  // set (right, 0.25): raw 0.75. Row 2: age missing (left 0.125), city 2 (left -0.0625).
  // Row 3: "nan" is missing too.
  write_file(path("data.csv"), "city,income,age\n3,-1.5,0.5\n2,0,\n2,0,nan\n");
  const RunResult raw =
      run({"predict", path("trees_boosted_v1_2.pith"), path("data.csv"), "--decision-function"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(parse_rows(raw.out), (std::vector<std::vector<double>>{{0.75}, {-0.1875}, {-0.1875}}));
  const RunResult labels = run({"predict", path("trees_boosted_v1_2.pith"), path("data.csv")});
  EXPECT_EQ(labels.out, "yes\nno\nno\n") << labels.err;
  const RunResult proba =
      run({"predict", path("trees_boosted_v1_2.pith"), path("data.csv"), "--proba"});
  const auto p = parse_rows(proba.out);
  ASSERT_EQ(p.size(), 3u) << proba.err;
  EXPECT_FLOAT_EQ(static_cast<float>(p[0][1]), static_cast<float>(1 / (1 + std::exp(-0.75))));
}

TEST_F(CliTrees, ForestRegressorPredictsEveryOutput) {
  write_file(path("data.csv"), ",0.2\n-0.5,0.05\n");
  const RunResult r = run({"predict", path("trees_forest_v1_2.pith"), path("data.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_rows(r.out), (std::vector<std::vector<double>>{{1.75, 2.125}, {0.75, 1.125}}));
}

TEST_F(CliTrees, OtherKindsStillRefuseMissingValues) {
  write_file(path("data.csv"), "1,\n");
  const RunResult r = run({"predict", path("pipeline_kmeans_v1_1.pith"), path("data.csv")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("empty cell"), std::string::npos) << r.err;
}

// ---- pith convert: source model files to .pith with no Python involved.

const fs::path kXgboostDir = fs::path(PITH_TEST_DATA_DIR) / "xgboost";
const fs::path kLightgbmDir = fs::path(PITH_TEST_DATA_DIR) / "lightgbm";

TEST_F(CliTrees, ConvertedXgboostModelPredictsXgboostsMargins) {
  // dart_regression.expected.json: rows (float32 bit patterns, NaN included) and the margins
  // XGBoost 3.2.0 predicted for them (see tests/data/xgboost/make_models.py).
  const auto expected =
      nlohmann::json::parse(read_file(kXgboostDir / "dart_regression.expected.json"));
  const std::size_t rows = expected["rows"].get<std::size_t>();
  const auto& bits = expected["X"];
  const std::size_t d = bits.size() / rows;
  std::string csv;
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < d; ++j) {
      const float x = std::bit_cast<float>(bits[i * d + j].get<std::uint32_t>());
      char cell[32] = "";
      if (!std::isnan(x)) std::snprintf(cell, sizeof cell, "%.9g", static_cast<double>(x));
      if (j > 0) csv += ',';
      csv += cell;
    }
    csv += "\n";
  }
  write_file(path("rows.csv"), csv);
  for (const char* source : {"dart_regression.json", "dart_regression.ubj"}) {
    SCOPED_TRACE(source);
    const RunResult c = run({"convert", (kXgboostDir / source).string(), "-o", path("m.pith")});
    ASSERT_EQ(c.exit_code, 0) << c.err;
    EXPECT_NE(c.err.find("xgboost model"), std::string::npos) << c.err;
    const RunResult r = run({"predict", path("m.pith"), path("rows.csv")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = parse_rows(r.out);
    ASSERT_EQ(got.size(), rows);
    for (std::size_t i = 0; i < rows; ++i) {
      const float margin = std::bit_cast<float>(expected["margins"][i].get<std::uint32_t>());
      ASSERT_EQ(static_cast<float>(got[i][0]), margin) << "row " << i;
    }
  }
}

TEST_F(CliTrees, ConvertTellsTheFormatOrIsTold) {
  const RunResult lgb = run({"convert", (kLightgbmDir / "multiclass_nan_categorical.txt").string(),
                             "-o", path("l.pith")});
  ASSERT_EQ(lgb.exit_code, 0) << lgb.err;
  EXPECT_NE(lgb.err.find("lightgbm model, "), std::string::npos) << lgb.err;
  const RunResult info = run({"info", path("l.pith")});
  EXPECT_NE(info.out.find("split:           x <= threshold, x as float64"), std::string::npos)
      << info.out;
  // JSON and UBJSON of one model give the same .pith bytes.
  ASSERT_EQ(
      run({"convert", (kXgboostDir / "multiclass_categorical.json").string(), "-o", path("a.pith")})
          .exit_code,
      0);
  ASSERT_EQ(
      run({"convert", (kXgboostDir / "multiclass_categorical.ubj").string(), "-o", path("b.pith")})
          .exit_code,
      0);
  EXPECT_EQ(read_file(path("a.pith")), read_file(path("b.pith")));
}

TEST_F(CliTrees, ConvertErrorsNameTheFileAndLeaveTheOutputAlone) {
  write_file(path("out.pith"), "previous");
  write_file(path("notes.txt"), "hello\n");
  const RunResult unknown = run({"convert", path("notes.txt"), "-o", path("out.pith")});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("cannot tell the format of '" + path("notes.txt") + "'"),
            std::string::npos)
      << unknown.err;
  const RunResult wrong = run({"convert", (kXgboostDir / "dart_regression.json").string(), "--from",
                               "lightgbm", "-o", path("out.pith")});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("lightgbm model '"), std::string::npos) << wrong.err;
  std::string truncated = read_file(kXgboostDir / "dart_regression.json");
  truncated.resize(truncated.size() / 2);
  write_file(path("half.json"), truncated);
  const RunResult half = run({"convert", path("half.json"), "-o", path("out.pith")});
  EXPECT_EQ(half.exit_code, 1);
  EXPECT_NE(half.err.find("xgboost model '" + path("half.json") + "'"), std::string::npos)
      << half.err;
  EXPECT_EQ(read_file(path("out.pith")), "previous");
  const RunResult usage = run({"convert", path("half.json")});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("missing -o FILE"), std::string::npos) << usage.err;
  const RunResult from = run({"convert", path("half.json"), "--from", "onnx", "-o", "x"});
  EXPECT_EQ(from.exit_code, 2);
  EXPECT_NE(from.err.find("--from expects 'xgboost' or 'lightgbm'"), std::string::npos) << from.err;
}

}  // namespace
