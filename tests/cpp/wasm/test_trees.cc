// compile_wasm on tree ensembles: random ensembles with every split semantics (float32 or
// float64 features, < or <=, float32 or float64 sums, NaN defaults both ways, categorical sets
// both directions, truncation of negative categories, zero-is-missing) and every transform, run
// by wabt's interpreter on random rows, rows exactly on thresholds, NaN and near-zero rows,
// against pith's native prediction: raw scores, averages and classes bit for bit; outputs
// through exp within 4 ulps (the module's exp is fdlibm's, see docs/wasm-abi.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "pith/error.h"
#include "pith/predict.h"
#include "pith/trees.h"
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

// Thresholds: exact in float32 or not (0.1, 1/3), so that float32 rounding matters.
const std::vector<double> kThresholds = {-2.5, -1.0, -0.1, 0.0, 0.1, 1.0 / 3.0, 0.5, 1.5, 2.75};

struct Spec {
  FeaturePrecision precision = FeaturePrecision::kFloat32;
  SplitComparison comparison = SplitComparison::kLessEqual;
  ScorePrecision sums = ScorePrecision::kFloat64;
  TreeTransform transform = TreeTransform::kIdentity;
  std::size_t n_classes = 0, n_outputs = 1, leaf_width = 1, n_trees = 4, depth = 3;
  std::size_t n_features = 5;
  double leaf_probability = 0.2;  // of a node above the bottom level
  double alpha = 1.0;
  bool categorical = false, zero_is_missing = false;
  std::uint64_t seed = 1;
};

// Grows one tree (nodes appended to m, children relative to `begin`).
void grow(TreeEnsembleModel& m, const Spec& s, std::mt19937_64& rng, std::size_t begin,
          std::size_t depth) {
  std::uniform_real_distribution<double> u;
  const std::size_t node = m.left_child.size();
  m.left_child.push_back(-1);
  m.right_child.push_back(-1);
  m.feature.push_back(0);
  m.threshold.push_back(0.0);
  m.node_flags.push_back(0);
  for (std::size_t j = 0; j < m.leaf_width; ++j) m.leaf_values.push_back(0.0);
  if (depth == 0 || (depth < s.depth && u(rng) < s.leaf_probability)) {
    std::normal_distribution<double> normal;
    for (std::size_t j = 0; j < m.leaf_width; ++j) {
      m.leaf_values[node * m.leaf_width + j] = normal(rng);
    }
    return;
  }
  m.feature[node] = static_cast<std::uint32_t>(rng() % s.n_features);
  std::uint8_t flags = u(rng) < 0.5 ? node_flag::kDefaultLeft : 0;
  if (s.zero_is_missing && u(rng) < 0.3) flags |= node_flag::kZeroIsMissing;
  if (s.categorical && u(rng) < 0.4) {
    flags |= node_flag::kCategorical;
    if (u(rng) < 0.5) flags |= node_flag::kCategoriesGoLeft;
    if (u(rng) < 0.5) flags |= node_flag::kTruncateNegative;
    m.category_nodes.push_back(node);
    for (std::uint32_t c = 0; c < 40; ++c) {
      if (u(rng) < 0.3 || (c == 0 && u(rng) < 0.5)) m.categories.push_back(c);
    }
    m.category_offsets.push_back(m.categories.size());
  } else {
    m.threshold[node] = kThresholds[rng() % kThresholds.size()];
  }
  m.node_flags[node] = flags;
  m.left_child[node] = static_cast<std::int32_t>(m.left_child.size() - begin);
  grow(m, s, rng, begin, depth - 1);
  m.right_child[node] = static_cast<std::int32_t>(m.left_child.size() - begin);
  grow(m, s, rng, begin, depth - 1);
}

Model ensemble(const Spec& s) {
  TreeEnsembleModel m;
  m.n_features = s.n_features;
  if (s.n_classes > 0) {
    std::vector<std::int64_t> labels;
    for (std::size_t c = 0; c < s.n_classes; ++c) labels.push_back(static_cast<std::int64_t>(c));
    m.classes = labels;
  }
  m.n_outputs = s.n_outputs;
  m.leaf_width = s.leaf_width;
  m.feature_precision = s.precision;
  m.comparison = s.comparison;
  m.score_precision = s.sums;
  m.transform = s.transform;
  m.sigmoid_alpha = s.alpha;
  for (std::size_t j = 0; j < s.n_outputs; ++j)
    m.base_score.push_back(0.1 * static_cast<double>(j + 1));
  m.category_offsets = {0};
  std::mt19937_64 rng(s.seed);
  m.tree_offsets = {0};
  for (std::size_t t = 0; t < s.n_trees; ++t) {
    m.tree_output.push_back(
        static_cast<std::uint32_t>(s.leaf_width == s.n_outputs ? 0 : t % s.n_outputs));
    grow(m, s, rng, m.left_child.size(), s.depth);
    m.tree_offsets.push_back(m.left_child.size());
  }
  Model model;
  model.input.n_features = s.n_features;
  model.estimator = std::move(m);
  validate_model(model);
  return model;
}

// Random rows; rows with every feature on a threshold or next to one; NaN, zeros, tiny values
// (zero-is-missing), categories and negative fractions.
std::vector<double> rows(std::size_t n_features) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 2.0);
  std::uniform_real_distribution<double> u;
  std::vector<double> out;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int i = 0; i < 30; ++i) {
    for (std::size_t f = 0; f < n_features; ++f) {
      const double r = u(rng);
      double v = normal(rng);
      if (r < 0.3) v = kThresholds[rng() % kThresholds.size()];
      if (r >= 0.3 && r < 0.35) v = std::nextafter(kThresholds[rng() % kThresholds.size()], 9.0);
      if (r >= 0.35 && r < 0.45) v = nan;
      if (r >= 0.45 && r < 0.5) v = (rng() % 2 ? 1e-36 : -0.0);
      if (r >= 0.5 && r < 0.65) v = static_cast<double>(rng() % 45);
      if (r >= 0.65 && r < 0.7) v = -0.5;
      out.push_back(v);
    }
  }
  return out;
}

// `unroll`: trees as nested if/else (every numeric model) instead of tables and a loop.
template <class T>
void check(const Model& model, const OutputSpec& spec, bool unroll) {
  const std::size_t d = model.input.n_features;
  const std::vector<double> X64 = rows(d);
  const std::size_t n = X64.size() / d;
  WasmOptions options;
  options.dtype = sizeof(T) == 4 ? WasmDType::kFloat32 : WasmDType::kFloat64;
  options.embedded_rows = X64;
  options.embedded_output = spec.name;
  options.max_unrolled_values = unroll ? 1000000 : 0;
  const fs::path path = temp_path("trees.wasm");
  write_file(path, compile_wasm(model, options));
  int status = 0;
  const std::string validate = run("wasm-validate " + path.string(), &status);
  ASSERT_EQ(status, 0) << validate;
  const std::string out = run("wasm-interp --run-all-exports " + path.string(), &status);
  fs::remove(path);
  ASSERT_EQ(status, 0) << out;
  const std::vector<std::uint64_t> got = parse_interp(out);
  ASSERT_EQ(got.size(), n * spec.width) << out;

  std::vector<T> X(X64.begin(), X64.end());
  std::vector<std::int32_t> indices(n * spec.width);
  std::vector<T> values(n * spec.width);
  predict<T>(model, spec.name, MatrixView<T>{X.data(), n, d}, indices.data(), values.data(), 1);
  const auto& trees = std::get<TreeEnsembleModel>(model.estimator);
  const bool through_exp =
      spec.name != "decision_function" &&
      (trees.transform == TreeTransform::kSigmoid || trees.transform == TreeTransform::kSoftmax ||
       trees.transform == TreeTransform::kExp);
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(spec.name + " value " + std::to_string(i) + (sizeof(T) == 4 ? " f32" : " f64") +
                 (unroll ? " unrolled" : ""));
    if (spec.type == OutputType::kIndex) {
      EXPECT_EQ(static_cast<std::int32_t>(got[i]), indices[i]);
      continue;
    }
    T value;
    if constexpr (sizeof(T) == 8) {
      value = std::bit_cast<double>(got[i]);
    } else {
      value = std::bit_cast<float>(static_cast<std::uint32_t>(got[i]));
    }
    if (through_exp) {
      const double eps = 4 * std::numeric_limits<T>::epsilon();
      EXPECT_NEAR(value, values[i], eps * (1.0 + std::abs(double(values[i]))));
    } else {
      using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
      EXPECT_EQ(std::bit_cast<Bits>(value), std::bit_cast<Bits>(values[i]))
          << value << " vs " << values[i];
    }
  }
}

std::vector<std::pair<std::string, Spec>> specs() {
  std::vector<std::pair<std::string, Spec>> out;
  Spec forest;  // scikit-learn's RandomForestClassifier
  forest.n_classes = forest.n_outputs = forest.leaf_width = 3;
  forest.transform = TreeTransform::kAverage;
  out.emplace_back("forest classifier", forest);
  Spec tree = forest;  // DecisionTreeClassifier
  tree.transform = TreeTransform::kIdentity;
  tree.n_trees = 1;
  tree.depth = 6;
  out.emplace_back("decision tree", tree);
  Spec regressor;  // RandomForestRegressor, 2 targets
  regressor.n_outputs = regressor.leaf_width = 2;
  regressor.transform = TreeTransform::kAverage;
  out.emplace_back("forest regressor", regressor);
  Spec xgb;  // XGBoost binary:logistic
  xgb.n_classes = 2;
  xgb.comparison = SplitComparison::kLess;
  xgb.sums = ScorePrecision::kFloat32;
  xgb.transform = TreeTransform::kSigmoid;
  xgb.n_trees = 12;
  out.emplace_back("xgboost binary", xgb);
  Spec xgb_multi = xgb;  // multi:softprob
  xgb_multi.n_classes = xgb_multi.n_outputs = 3;
  xgb_multi.transform = TreeTransform::kSoftmax;
  out.emplace_back("xgboost softmax", xgb_multi);
  Spec xgb_f64 = xgb;  // < in float64 precision
  xgb_f64.precision = FeaturePrecision::kFloat64;
  xgb_f64.sums = ScorePrecision::kFloat64;
  xgb_f64.transform = TreeTransform::kExp;
  xgb_f64.n_classes = 0;
  out.emplace_back("poisson, < in float64", xgb_f64);
  Spec lgb;  // LightGBM binary with sigmoid 0.7, categorical and zero-as-missing
  lgb.n_classes = 2;
  lgb.precision = FeaturePrecision::kFloat64;
  lgb.transform = TreeTransform::kSigmoid;
  lgb.alpha = 0.7;
  lgb.categorical = lgb.zero_is_missing = true;
  lgb.n_trees = 10;
  lgb.depth = 4;
  out.emplace_back("lightgbm binary", lgb);
  Spec lgb_multi = lgb;  // multiclassova: per-class sigmoid, no normalisation
  lgb_multi.n_classes = lgb_multi.n_outputs = 3;
  lgb_multi.n_trees = 9;
  out.emplace_back("lightgbm ova", lgb_multi);
  Spec lgb_softmax = lgb_multi;
  lgb_softmax.transform = TreeTransform::kSoftmax;
  lgb_softmax.precision = FeaturePrecision::kFloat32;
  out.emplace_back("lightgbm softmax, float32 features", lgb_softmax);
  return out;
}

class TreesCompileTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!have_tool("wasm-validate") || !have_tool("wasm-interp")) {
      GTEST_SKIP() << "wabt (wasm-validate, wasm-interp) is not installed";
    }
  }
};

TEST_F(TreesCompileTest, EverySemanticsMatchesNativePrediction) {
  for (const auto& [name, spec] : specs()) {
    for (std::uint64_t seed = 1; seed <= 2; ++seed) {
      SCOPED_TRACE(name + " seed " + std::to_string(seed));
      Spec s = spec;
      s.seed = seed;
      const Model model = ensemble(s);
      for (const OutputSpec& output : model_outputs(model)) {
        for (const bool unroll : {false, true}) {
          check<double>(model, output, unroll);
          check<float>(model, output, unroll);
        }
      }
    }
  }
}

TEST_F(TreesCompileTest, WideRecordsForDeepTreesOnManyFeatures) {
  // A full depth-17 tree: left children up to 2^16 records away, 2^12 features: 17 + 12 bits do
  // not fit next to the flags, so the child distance gets a word of its own.
  Spec deep;
  deep.n_trees = 1;
  deep.depth = 17;
  deep.leaf_probability = 0.0;
  deep.n_features = 4000;
  deep.comparison = SplitComparison::kLess;
  const Model model = ensemble(deep);
  WasmOptions loop;
  loop.max_unrolled_values = 0;
  const std::string ir = dump_wasm_ir(model, loop);
  EXPECT_NE(ir.find("records=f32+word+child:12B"), std::string::npos) << ir.substr(0, 600);
  for (const OutputSpec& output : model_outputs(model)) {
    check<double>(model, output, false);
    check<float>(model, output, false);
  }
}

TEST_F(TreesCompileTest, TextDumpAssemblesToTheSameBytes) {
  if (!have_tool("wat2wasm")) GTEST_SKIP() << "wat2wasm is not installed";
  for (const auto& [name, spec] : specs()) {
    SCOPED_TRACE(name);
    const Model model = ensemble(spec);
    WasmOptions options;
    options.metadata = false;
    options.max_unrolled_values = spec.n_trees < 10 ? 1000000 : 0;
    const fs::path wat = temp_path("trees.wat");
    const fs::path wasm = temp_path("trees_from_wat.wasm");
    std::ofstream(wat) << dump_wasm_text(model, options);
    int status = 0;
    const std::string out = run("wat2wasm " + wat.string() + " -o " + wasm.string(), &status);
    ASSERT_EQ(status, 0) << out;
    EXPECT_EQ(read_file(wasm), compile_wasm(model, options));
    fs::remove(wat);
    fs::remove(wasm);
  }
}

TEST(TreesCompile, IrDumpShowsTheTables) {
  Spec lgb;
  lgb.n_classes = 3;
  lgb.n_outputs = 3;
  lgb.precision = FeaturePrecision::kFloat64;
  lgb.transform = TreeTransform::kSoftmax;
  lgb.categorical = true;
  WasmOptions loop;
  loop.max_unrolled_values = 0;
  const std::string ir = dump_wasm_ir(ensemble(lgb));
  EXPECT_NE(ir.find("tree_ensemble input[5] trees=4"), std::string::npos) << ir;
  EXPECT_NE(ir.find("records=f64+word:12B x<=t sums=f64 leaves=inline categorical"),
            std::string::npos)
      << ir;
  EXPECT_NE(ir.find("accumulators=24B"), std::string::npos) << ir;
  EXPECT_NE(ir.find("softmax"), std::string::npos) << ir;
  Spec forest;
  forest.n_outputs = forest.leaf_width = 2;
  forest.transform = TreeTransform::kAverage;
  const std::string f = dump_wasm_ir(ensemble(forest), loop);
  EXPECT_NE(f.find("tree_ensemble input[5]"), std::string::npos) << f;
  EXPECT_NE(f.find("records=f32+word:8B x<=t sums=f64 leaves=table groups_of_4=1"),
            std::string::npos)
      << f;
  WasmOptions unroll;
  unroll.max_unrolled_values = 1000;
  const std::string u = dump_wasm_ir(ensemble(forest), unroll);
  EXPECT_NE(u.find("tree_ensemble.unrolled input[5]"), std::string::npos) << u;
  EXPECT_NE(u.find("divide.unrolled"), std::string::npos) << u;
}

TEST(TreesCompile, ThousandTreesStayCompact) {
  Spec boosted;
  boosted.n_classes = 2;
  boosted.comparison = SplitComparison::kLess;
  boosted.sums = ScorePrecision::kFloat32;
  boosted.transform = TreeTransform::kSigmoid;
  boosted.n_trees = 1000;
  boosted.depth = 3;
  const Model model = ensemble(boosted);
  const auto& trees = std::get<TreeEnsembleModel>(model.estimator);
  const std::vector<std::uint8_t> wasm = compile_wasm(model);
  // 8 bytes per node, 4 per tree, and code that does not grow with the model.
  EXPECT_LT(wasm.size(), trees.n_nodes() * 8 + trees.n_trees() * 4 + 4096);
}

TEST(TreesCompile, TooManyCategoriesIsUnsupported) {
  Spec lgb;
  lgb.precision = FeaturePrecision::kFloat64;
  lgb.categorical = true;
  Model model = ensemble(lgb);
  auto& trees = std::get<TreeEnsembleModel>(model.estimator);
  ASSERT_FALSE(trees.categories.empty());
  trees.categories.back() = 5000000;
  try {
    compile_wasm(model);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("category 5000000"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pith
