// compile_wasm end to end: every model kind and output, in float64 and float32, validated by
// wabt's wasm-validate and run by wabt's interpreter (wasm-interp, through the module's
// run_embedded export) against pith's native prediction (pith/predict.h). Also: the text dump
// assembles (wat2wasm) to the very same bytes, and the errors for what cannot be compiled.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "pith/error.h"
#include "pith/predict.h"
#include "pith/wasm.h"
#include "wasm_test_support.h"

namespace pith {
namespace {

namespace fs = std::filesystem;
using wasm_test::have_tool;
using wasm_test::parse_interp;
using wasm_test::read_file;
using wasm_test::run;
using wasm_test::temp_path;
using wasm_test::write_file;

// ---- models ----

Model with_input(Estimator estimator, std::size_t n_features) {
  Model m;
  m.input.n_features = n_features;
  m.estimator = std::move(estimator);
  return m;
}

Model kmeans_model() {
  KMeansModel k;
  k.n_clusters = 3;
  k.n_features = 2;
  k.centers = {0, 0, 10, 0, 0, 10};
  return with_input(k, 2);
}

LogisticRegressionModel logistic(std::size_t n_classes) {
  LogisticRegressionModel l;
  l.n_features = 3;
  std::vector<std::int64_t> classes;
  for (std::size_t c = 0; c < n_classes; ++c) classes.push_back(static_cast<std::int64_t>(c) * 10);
  l.classes = classes;
  l.coef = {0.5, -1.25, 2.0};
  l.intercept = {0.1};
  if (n_classes > 2) {
    l.coef = {0.5, -1.25, 2.0, 1.0, 1.0, 1.0, -1.0, 0.0, 0.5};
    l.intercept = {0.1, 0.0, -0.2};
  }
  return l;
}

StandardScalerModel standard_scaler(bool with_mean) {
  StandardScalerModel s;
  s.n_features = 3;
  s.mean = with_mean ? std::vector<double>{1, 2, 3} : std::vector<double>{0, 0, 0};
  s.scale = {2, 1, 0.5};
  s.with_mean = with_mean;
  return s;
}

MinMaxScalerModel min_max_scaler() {
  MinMaxScalerModel m;
  m.n_features = 3;
  m.scale = {0.5, 0.25, 1.0};
  m.min = {0.0, -0.5, 0.25};
  m.clip = true;
  return m;
}

std::vector<Model> all_models() {
  std::vector<Model> models;
  models.push_back(kmeans_model());
  LinearRegressionModel lr;
  lr.n_features = 3;
  lr.n_targets = 2;
  lr.coef = {1, 2, 3, -0.5, 0.25, 0.125};
  lr.intercept = {0.5, -1};
  models.push_back(with_input(lr, 3));
  models.push_back(with_input(logistic(2), 3));
  models.push_back(with_input(logistic(3), 3));
  models.push_back(with_input(standard_scaler(true), 3));
  models.push_back(with_input(standard_scaler(false), 3));
  models.push_back(with_input(min_max_scaler(), 3));
  PipelineModel p;
  p.steps = {{"standardscaler", standard_scaler(true)},
             {"minmaxscaler", min_max_scaler()},
             {"logisticregression", logistic(3)}};
  models.push_back(with_input(p, 3));
  // A K-Means too big to unroll: its centers are a table in memory and the code loops.
  KMeansModel big;
  big.n_clusters = 7;
  big.n_features = 3;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  for (int i = 0; i < 21; ++i) big.centers.push_back(normal(rng));
  PipelineModel p2;
  p2.steps = {{"standardscaler", standard_scaler(true)}, {"kmeans", big}};
  models.push_back(with_input(p2, 3));
  return models;
}

// Random rows, and rows exactly on decision boundaries: equidistant from two centers, zero
// scores.
std::vector<double> test_rows(std::size_t n_features) {
  std::vector<double> rows;
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal(0.0, 4.0);
  for (int i = 0; i < 12 * static_cast<int>(n_features); ++i) rows.push_back(normal(rng));
  if (n_features == 2) {
    rows.insert(rows.end(), {5, 0, 5, 5, 0, 5, 0, 0});  // K-Means ties: first center wins
  } else {
    // 0.5 - 2*1.25 + 2*1 - 0.1... : a row with logistic score exactly 0 (binary model).
    rows.insert(rows.end(), {-0.2, 0.0, 0.0, 0, 0, 0, 1, 2, 3});
  }
  return rows;
}

template <class T>
struct Reference {
  std::vector<std::int32_t> indices;
  std::vector<T> values;
};

template <class T>
void check_output(const Model& model, const OutputSpec& spec, int* checked) {
  const std::size_t d = model.input.n_features;
  const std::vector<double> rows = test_rows(d);
  const std::size_t n = rows.size() / d;
  WasmOptions options;
  options.dtype = sizeof(T) == 4 ? WasmDType::kFloat32 : WasmDType::kFloat64;
  options.embedded_rows = rows;
  options.embedded_output = spec.name;
  const fs::path path = temp_path(spec.name + ".wasm");
  write_file(path, compile_wasm(model, options));
  int status = 0;
  const std::string validate = run("wasm-validate " + path.string(), &status);
  ASSERT_EQ(status, 0) << validate;
  const std::string out = run("wasm-interp --run-all-exports " + path.string(), &status);
  fs::remove(path);
  ASSERT_EQ(status, 0) << out;
  const std::vector<std::uint64_t> got = parse_interp(out);
  ASSERT_EQ(got.size(), n * spec.width) << out;

  std::vector<T> X(rows.begin(), rows.end());
  std::vector<std::int32_t> indices(n * spec.width);
  std::vector<T> values(n * spec.width);
  predict<T>(model, spec.name, MatrixView<T>{X.data(), n, d}, indices.data(), values.data(), 1);
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(spec.name + " value " + std::to_string(i));
    if (spec.type == OutputType::kIndex) {
      EXPECT_EQ(static_cast<std::int32_t>(got[i]), indices[i]);
    } else {
      T value;
      if constexpr (sizeof(T) == 8) {
        value = std::bit_cast<double>(got[i]);
      } else {
        value = std::bit_cast<float>(static_cast<std::uint32_t>(got[i]));
      }
      // Scores, regression values and scaler outputs come out bit-identical (same operations in
      // the same order); exp (fdlibm vs the C library) and K-Means distances (native kernels
      // may contract to FMA) within a few units in the last place (docs/wasm-abi.md).
      const double eps = 4 * std::numeric_limits<T>::epsilon();
      EXPECT_NEAR(value, values[i], eps * (1.0 + std::abs(double(values[i]))));
    }
  }
  ++*checked;
}

class CompileTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!have_tool("wasm-validate") || !have_tool("wasm-interp")) {
      GTEST_SKIP() << "wabt (wasm-validate, wasm-interp) is not installed";
    }
  }
};

TEST_F(CompileTest, EveryKindAndOutputMatchesNativePrediction) {
  int checked = 0;
  for (const Model& model : all_models()) {
    SCOPED_TRACE(estimator_kind(model.estimator));
    for (const OutputSpec& spec : model_outputs(model)) {
      check_output<double>(model, spec, &checked);
      check_output<float>(model, spec, &checked);
    }
  }
  EXPECT_GE(checked, 30);
}

TEST_F(CompileTest, TextDumpAssemblesToTheSameBytes) {
  if (!have_tool("wat2wasm")) GTEST_SKIP() << "wat2wasm is not installed";
  for (const Model& model : all_models()) {
    WasmOptions options;
    options.metadata = false;  // the text shows custom sections as comments only
    const fs::path wat = temp_path("dump.wat"), wasm = temp_path("dump.wasm");
    std::ofstream(wat) << dump_wasm_text(model, options);
    int status = 0;
    const std::string out = run("wat2wasm " + wat.string() + " -o " + wasm.string(), &status);
    ASSERT_EQ(status, 0) << out;
    EXPECT_EQ(read_file(wasm), compile_wasm(model, options)) << estimator_kind(model.estimator);
    fs::remove(wat);
    fs::remove(wasm);
  }
}

TEST(Compile, SmallModulesAndNoImports) {
  const std::vector<std::uint8_t> kmeans = compile_wasm(kmeans_model());
  EXPECT_LT(kmeans.size(), 1024u);
  const std::vector<std::uint8_t> binary = compile_wasm(with_input(logistic(2), 3));
  EXPECT_LT(binary.size(), 1024u);
  EXPECT_EQ(dump_wasm_text(with_input(logistic(2), 3)).find("(import"), std::string::npos);
}

TEST(Compile, IrDumpShowsThePasses) {
  const std::string ir = dump_wasm_ir(with_input(logistic(3), 3));
  EXPECT_NE(ir.find("shared"), std::string::npos) << ir;
  EXPECT_NE(ir.find("affine.unrolled"), std::string::npos) << ir;
  EXPECT_NE(ir.find("softmax"), std::string::npos) << ir;
  // StandardScaler(with_mean=False): the subtraction of zeros is gone.
  const std::string scaler = dump_wasm_ir(with_input(standard_scaler(false), 3));
  EXPECT_NE(scaler.find("standardize.unrolled input[3] - inline[3]"), std::string::npos) << scaler;
}

TEST(Compile, SelectedOutputsOnly) {
  WasmOptions options;
  options.outputs = {"predict_proba"};
  const std::string text = dump_wasm_text(with_input(logistic(2), 3), options);
  EXPECT_NE(text.find("(export \"predict_proba\""), std::string::npos);
  EXPECT_EQ(text.find("(export \"predict\""), std::string::npos);
}

TEST(Compile, ClearErrors) {
  WasmOptions options;
  options.outputs = {"transform"};
  try {
    compile_wasm(with_input(logistic(2), 3), options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("has no output 'transform'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("predict_proba"), std::string::npos) << e.what();
  }
  WasmOptions wasi;
  wasi.wasi = true;
  try {
    compile_wasm(kmeans_model(), wasi);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
  }
}

}  // namespace
}  // namespace pith
