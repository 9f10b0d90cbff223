// The `pith` binary on the kinds added in format 1.1: info for pipelines and linear models,
// predictions as class labels, --proba and --decision-function, multi-target regression, and the
// errors for outputs a kind does not have. Models are the golden files of tests/data/golden.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_test_support.h"
#include "pith/model_io.h"

namespace {

using pith::cli_test::CliTest;
using pith::cli_test::parse_rows;
using pith::cli_test::RunResult;
using pith::cli_test::write_file;
namespace fs = std::filesystem;

class CliKinds : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    for (const char* name : {"pipeline_logistic_v1_1.pith", "ridge_float32_v1_1.pith",
                             "logistic_binary_v1_1.pith", "pipeline_kmeans_v1_1.pith"}) {
      fs::copy_file(fs::path(PITH_TEST_DATA_DIR) / "golden" / name, path(name));
    }
  }
};

// Rows placed through the scaler (mean 1, -2, 0.5; scale 2, 0.25, 1) onto chosen scores:
// scaled (1,0,0) -> "cat"; (0,0,1) -> "dog"; (0,1,0) -> "émeu"; (0,0,0) -> scores = intercepts.
const char* kPipelineRows = "a,b,c\n3,-2,0.5\n1,-2,1.5\n1,-1.75,0.5\n1,-2,0.5\n";

TEST_F(CliKinds, PredictWritesClassLabels) {
  write_file(path("data.csv"), kPipelineRows);
  const RunResult r = run({"predict", path("pipeline_logistic_v1_1.pith"), path("data.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "cat\ndog\némeu\némeu\n");
  // Columns matched by name, in any order.
  write_file(path("reordered.csv"), "c,a,b\n0.5,3,-2\n");
  const RunResult again =
      run({"predict", path("pipeline_logistic_v1_1.pith"), path("reordered.csv")});
  EXPECT_EQ(again.out, "cat\n") << again.err;
}

TEST_F(CliKinds, DecisionFunctionAndProbabilities) {
  write_file(path("data.csv"), kPipelineRows);
  const RunResult scores = run(
      {"predict", path("pipeline_logistic_v1_1.pith"), path("data.csv"), "--decision-function"});
  ASSERT_EQ(scores.exit_code, 0) << scores.err;
  EXPECT_EQ(scores.out.substr(scores.out.rfind('\n', scores.out.size() - 2) + 1),
            "0.125,-0.375,0.25\n");
  const RunResult proba =
      run({"predict", path("pipeline_logistic_v1_1.pith"), path("data.csv"), "--proba"});
  ASSERT_EQ(proba.exit_code, 0) << proba.err;
  const auto p = parse_rows(proba.out);
  const auto z = parse_rows(scores.out);
  ASSERT_EQ(p.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    double sum = 0;
    for (const double s : z[i]) sum += std::exp(s);
    for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(p[i][c], std::exp(z[i][c]) / sum, 1e-15);
  }
}

TEST_F(CliKinds, BinaryClassifierWithIntegerLabels) {
  write_file(path("data.csv"), "x,y\n1,0\n0,1\n");
  const RunResult r = run({"predict", path("logistic_binary_v1_1.pith"), path("data.csv")});
  EXPECT_EQ(r.out, "7\n-1\n") << r.err;
  const RunResult proba =
      run({"predict", path("logistic_binary_v1_1.pith"), path("data.csv"), "--proba"});
  const auto p = parse_rows(proba.out);
  ASSERT_EQ(p.size(), 2u) << proba.err;
  EXPECT_NEAR(p[0][1], 1 / (1 + std::exp(-2.5)), 1e-16);
  EXPECT_NEAR(p[0][0] + p[0][1], 1.0, 1e-16);
}

TEST_F(CliKinds, LabelsWithCommasAreQuoted) {
  pith::Model model = pith::load_model(path("logistic_binary_v1_1.pith"));
  std::get<pith::LogisticRegressionModel>(model.estimator).classes =
      std::vector<std::string>{"a,b", "say \"hi\""};
  pith::save_model(model, path("quoted.pith"));
  write_file(path("data.csv"), "1,0\n0,1\n");
  const RunResult r = run({"predict", path("quoted.pith"), path("data.csv")});
  EXPECT_EQ(r.out, "\"say \"\"hi\"\"\"\n\"a,b\"\n") << r.err;
}

TEST_F(CliKinds, MultiTargetRegressionInFloat32) {
  write_file(path("data.csv"), "1,1\n0.5,-2\n");
  const RunResult r = run({"predict", path("ridge_float32_v1_1.pith"), path("data.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // coef [[1.5, -2.5], [0.1, 4.0]], intercept [10, -0.75]; sums in float64, written as float32.
  char expected[128];
  const auto f = [](double v) { return static_cast<double>(static_cast<float>(v)); };
  std::snprintf(expected, sizeof expected, "%.9g,%.9g\n%.9g,%.9g\n", f(1.5 - 2.5 + 10),
                f(0.1 + 4.0 - 0.75), f(0.5f * 1.5 + 2.5 * 2 + 10), f(0.5 * 0.1 - 8.0 - 0.75));
  EXPECT_EQ(r.out, expected);
}

TEST_F(CliKinds, OutputsAKindDoesNotHaveAreErrors) {
  write_file(path("data.csv"), "1,2\n");
  const RunResult proba =
      run({"predict", path("pipeline_kmeans_v1_1.pith"), path("data.csv"), "--proba"});
  EXPECT_EQ(proba.exit_code, 1);
  EXPECT_NE(proba.err.find("--proba is not supported for pipeline models (they have: predict "
                           "transform)"),
            std::string::npos)
      << proba.err;
  const RunResult transform =
      run({"predict", path("ridge_float32_v1_1.pith"), path("data.csv"), "--transform"});
  EXPECT_EQ(transform.exit_code, 1);
  EXPECT_NE(transform.err.find("--transform is not supported for linear_regression models"),
            std::string::npos)
      << transform.err;
  const RunResult both = run(
      {"predict", path("logistic_binary_v1_1.pith"), path("data.csv"), "--proba", "--transform"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("exclude each other"), std::string::npos) << both.err;
  const RunResult nan_row = [&] {
    write_file(path("nan.csv"), "1,nan\n");
    return run({"predict", path("logistic_binary_v1_1.pith"), path("nan.csv")});
  }();
  EXPECT_EQ(nan_row.exit_code, 1);
  EXPECT_NE(nan_row.err.find("nan.csv, line 1, column 2: 'nan' is not a finite number"),
            std::string::npos)
      << nan_row.err;
}

TEST_F(CliKinds, InfoDescribesPipelinesStepByStep) {
  const RunResult text = run({"info", path("pipeline_logistic_v1_1.pith")});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const char* line :
       {"estimator:       pipeline\n", "steps:           2\n",
        "step 0 (standardscaler): standard_scaler\n", "  mean:          1, -2, 0.5\n",
        "step 1 (logisticregression): logistic_regression\n", "  classes:       cat, dog, émeu\n",
        "  coef:\n    0: 0.5, -1.25, 2\n"}) {
    EXPECT_NE(text.out.find(line), std::string::npos) << line << "\nin\n" << text.out;
  }
  const RunResult json = run({"info", "--json", path("pipeline_logistic_v1_1.pith")});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"params\":{\"steps\":[{\"name\":\"standardscaler\",\"estimator\":"
                          "\"standard_scaler\",\"params\":{\"n_features\":3,\"with_mean\":true"),
            std::string::npos)
      << json.out;
  EXPECT_NE(json.out.find("\"classes\":[\"cat\",\"dog\",\"émeu\"]"), std::string::npos) << json.out;
  const RunResult ridge = run({"info", "--json", path("ridge_float32_v1_1.pith")});
  EXPECT_NE(ridge.out.find("\"coef\":[[1.5,-2.5],[0.1,4]],\"coef_truncated\":"
                           "false,\"intercept\":[10,-0.75],\"intercept_truncated\":false"),
            std::string::npos)
      << ridge.out;
}

}  // namespace
