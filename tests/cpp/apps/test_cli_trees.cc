// The `pith` binary on tree ensembles (format 1.2): info, predictions with missing values (empty
// cells, "nan") and the errors other kinds keep giving for them. Models are the golden files of
// tests/data/golden.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_test_support.h"

namespace {

using pith::cli_test::CliTest;
using pith::cli_test::parse_rows;
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

}  // namespace
