// import_lightgbm: a hand-written LightGBM text model with exact expected scores (each missing
// type, a categorical split, a single-leaf tree), objectives -> transforms, and malformed texts
// refused with a message naming the problem (never a crash).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "pith/error.h"
#include "pith/lightgbm_import.h"
#include "pith/matrix.h"
#include "pith/trees.h"

namespace pith {
namespace {

// Tree 0: x0 <= 1.5 (missing None: NaN is 0, goes left) ? [x1 <= -0.5, missing Zero, default
// left: leaves 1 | 2] : [x2 in {0, 1, 3} categorical: leaves 4 | 8]. Tree 1: x1 <= 0.25,
// missing NaN, default right: 16 | 32. Tree 2: x0 <= -1, missing None (NaN is 0 > -1: right):
// 64 | 128. Tree 3: a single leaf 0.5.
constexpr const char* kModel = R"(tree
version=v4
num_class=1
num_tree_per_iteration=1
label_index=0
max_feature_idx=2
objective=regression
feature_names=a b c
feature_infos=none none none
tree_sizes=1 1 1 1

Tree=0
num_leaves=4
num_cat=1
split_feature=0 1 2
split_gain=1 1 1
threshold=1.5 -0.5 0
decision_type=0 6 9
left_child=1 -1 -3
right_child=2 -2 -4
leaf_value=1 2 4 8
leaf_weight=1 1 1 1
leaf_count=1 1 1 1
internal_value=0 0 0
internal_weight=0 0 0
internal_count=4 2 2
cat_boundaries=0 1
cat_threshold=11
is_linear=0
shrinkage=1


Tree=1
num_leaves=2
num_cat=0
split_feature=1
split_gain=1
threshold=0.25
decision_type=8
left_child=-1
right_child=-2
leaf_value=16 32
is_linear=0
shrinkage=1


Tree=2
num_leaves=2
num_cat=0
split_feature=0
split_gain=1
threshold=-1
decision_type=0
left_child=-1
right_child=-2
leaf_value=64 128
is_linear=0
shrinkage=1


Tree=3
num_leaves=1
num_cat=0
split_feature=
split_gain=
threshold=
decision_type=
left_child=
right_child=
leaf_value=0.5
is_linear=0
shrinkage=1


end of trees

feature_importances:
a=1
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  if (at == std::string::npos) ADD_FAILURE() << "no \"" << from << "\" in the model";
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

const TreeEnsembleModel& trees(const Model& model) {
  return std::get<TreeEnsembleModel>(model.estimator);
}

TEST(LightgbmImport, ExactScoresForEachMissingTypeAndCategories) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    std::vector<double> x;
    double expected;
  };
  const std::vector<Case> cases = {
      {{1.5, -0.5, 0}, 1 + 16 + 128 + 0.5},                        // on both thresholds: left
      {{nan, nan, 0}, 1 + 32 + 128 + 0.5},                         // None -> 0; Zero; NaN right
      {{std::nextafter(1.5, 2.0), 0.3, 3.0}, 4 + 32 + 128 + 0.5},  // category 3 is in the set
      {{2, 0.25, 2.0}, 8 + 16 + 128 + 0.5},                        // category 2 is not
      {{2, -0.1, 1.9}, 4 + 16 + 128 + 0.5},                        // 1.9 is category 1
      {{2, 0.5, -0.5}, 4 + 32 + 128 + 0.5},                        // (-1, 0) is category 0
      {{2, 0.5, -1.0}, 8 + 32 + 128 + 0.5},                        // negative: right
      {{2, 0.5, nan}, 8 + 32 + 128 + 0.5},                         // NaN: right
      {{nan, 2.0, 1e10}, 2 + 32 + 128 + 0.5},                      // huge category: right
      {{-1, 1e-36, 0}, 1 + 16 + 64 + 0.5},                         // |x| <= 1e-35f is zero: missing
      {{-1, -1e-30, 0}, 2 + 16 + 64 + 0.5},                        // not zero: compared
      {{std::nextafter(-1.0, 0.0), 0, 0}, 1 + 16 + 128 + 0.5},     // just above -1
  };
  const Model model = import_lightgbm(kModel);
  EXPECT_EQ(model.input.n_features, 3u);
  EXPECT_EQ(model.input.feature_names, (std::vector<std::string>{"a", "b", "c"}));
  const TreeEnsembleModel& m = trees(model);
  EXPECT_EQ(m.n_trees(), 4u);
  EXPECT_EQ(m.transform, TreeTransform::kIdentity);
  EXPECT_FALSE(m.is_classifier());
  // Every case three times over: 36 rows also take the lock-step walk (16 rows or more).
  std::vector<double> X, expected;
  for (int copy = 0; copy < 3; ++copy) {
    for (const Case& c : cases) {
      X.insert(X.end(), c.x.begin(), c.x.end());
      expected.push_back(c.expected);
    }
  }
  for (const std::size_t rows : {cases.size(), expected.size()}) {
    std::vector<double> out(rows);
    tree_ensemble_raw_scores(m, MatrixView<double>{X.data(), rows, 3}, out.data(), 1);
    for (std::size_t i = 0; i < rows; ++i) {
      EXPECT_EQ(out[i], expected[i]) << "row " << i << " of " << rows;
    }
  }
}

TEST(LightgbmImport, ObjectivesBecomeTransforms) {
  const std::string binary =
      replace(kModel, "objective=regression", "objective=binary sigmoid:0.5");
  const Model binary_model = import_lightgbm(binary);
  const TreeEnsembleModel& b = trees(binary_model);
  EXPECT_EQ(b.transform, TreeTransform::kSigmoid);
  EXPECT_EQ(b.sigmoid_alpha, 0.5);
  EXPECT_EQ(b.n_classes(), 2u);
  EXPECT_EQ(b.n_outputs, 1u);

  std::string multi = replace(kModel, "objective=regression", "objective=multiclass num_class:2");
  multi = replace(replace(multi, "num_class=1", "num_class=2"), "num_tree_per_iteration=1",
                  "num_tree_per_iteration=2");
  const Model multi_model = import_lightgbm(multi);
  const TreeEnsembleModel& k = trees(multi_model);
  EXPECT_EQ(k.transform, TreeTransform::kSoftmax);
  EXPECT_EQ(k.n_outputs, 2u);
  EXPECT_EQ(k.tree_output, (std::vector<std::uint32_t>{0, 1, 0, 1}));

  const std::string poisson = replace(kModel, "objective=regression", "objective=poisson");
  const TreeTransform poisson_transform = trees(import_lightgbm(poisson)).transform;
  EXPECT_EQ(poisson_transform, TreeTransform::kExp);

  // Random forest: the identity objective becomes an average over the 4 iterations.
  const std::string rf = replace(kModel, "feature_names=", "average_output\nfeature_names=");
  const TreeTransform rf_transform = trees(import_lightgbm(rf)).transform;
  EXPECT_EQ(rf_transform, TreeTransform::kAverage);
  const std::string rf_binary = replace(binary, "feature_names=", "average_output\nfeature_names=");
  const double rf_alpha = trees(import_lightgbm(rf_binary)).sigmoid_alpha;
  EXPECT_EQ(rf_alpha, 0.5 / 4);

  // LightGBM's default names are dropped.
  const std::string unnamed =
      replace(kModel, "feature_names=a b c", "feature_names=Column_0 Column_1 Column_2");
  EXPECT_TRUE(import_lightgbm(unnamed).input.feature_names.empty());
}

struct BadCase {
  const char* from;
  const char* to;
  ErrorCode code;
  const char* message;
};

TEST(LightgbmImport, MalformedAndUnsupportedTextsAreRefusedByName) {
  const std::vector<BadCase> cases = {
      {"tree\nversion", "forest\nversion", ErrorCode::kFormat, "expected \"tree\""},
      {"version=v4", "version=v9", ErrorCode::kUnsupported, "version=v9"},
      {"num_class=1\n", "", ErrorCode::kFormat, "missing `num_class=`"},
      {"max_feature_idx=2", "max_feature_idx=x", ErrorCode::kFormat, "(max_feature_idx)"},
      {"feature_names=a b c", "feature_names=a b", ErrorCode::kFormat, "expected max_feature_idx"},
      {"objective=regression\n", "", ErrorCode::kUnsupported, "custom objective"},
      {"objective=regression", "objective=cross_entropy_lambda", ErrorCode::kUnsupported,
       "cross_entropy_lambda"},
      {"objective=regression", "objective=my_loss", ErrorCode::kUnsupported, "my_loss"},
      {"objective=regression", "objective=regression sqrt", ErrorCode::kUnsupported, "sqrt"},
      {"objective=regression", "objective=binary", ErrorCode::kFormat, "without `sigmoid:`"},
      {"objective=regression", "objective=binary sigmoid:-1", ErrorCode::kFormat, "sigmoid > 0"},
      {"objective=regression", "objective=multiclass num_class:3", ErrorCode::kFormat, "disagrees"},
      {"tree_sizes=1 1 1 1", "tree_sizes=1 1 1", ErrorCode::kFormat, "tree_sizes"},
      {"Tree=1", "Tree=7", ErrorCode::kFormat, "expected Tree=1"},
      {"leaf_value=1 2 4 8", "leaf_value=1 2 4", ErrorCode::kFormat, "expected 4 values, found 3"},
      {"leaf_value=1 2 4 8", "leaf_value=1 2 4 x", ErrorCode::kFormat, "(leaf_value) value 3"},
      {"leaf_value=1 2 4 8", "leaf_value=1 2 4 1e999", ErrorCode::kFormat, "out of the float64"},
      {"leaf_value=1 2 4 8", "leaf_value=1 2 4 inf", ErrorCode::kFormat, "non-finite"},
      {"threshold=1.5 -0.5 0", "threshold=nan -0.5 0", ErrorCode::kFormat, "NaN"},
      {"split_feature=0 1 2", "split_feature=0 1 3", ErrorCode::kFormat, "split_feature"},
      {"left_child=1 -1 -3", "left_child=1 -1 -5", ErrorCode::kFormat, "left_child"},
      {"left_child=1 -1 -3", "left_child=1 -1 -2", ErrorCode::kFormat, "reached twice"},
      {"decision_type=0 6 9", "decision_type=0 14 9", ErrorCode::kFormat, "missing type 3"},
      {"decision_type=0 6 9", "decision_type=0 6 99", ErrorCode::kFormat, "decision_type"},
      {"threshold=1.5 -0.5 0", "threshold=1.5 -0.5 1", ErrorCode::kFormat, "category-set index"},
      {"cat_boundaries=0 1", "cat_boundaries=0 2", ErrorCode::kFormat, "(cat_threshold)"},
      {"cat_boundaries=0 1", "cat_boundaries=1 1", ErrorCode::kFormat, "non-decreasing"},
      {"cat_threshold=11\n", "", ErrorCode::kFormat, "missing `cat_threshold=`"},
      {"num_cat=1", "num_cat=0", ErrorCode::kFormat, "category-set index"},
      {"threshold=1.5 -0.5 0\ndecision_type=0 6 9", "threshold=1.5 0 0\ndecision_type=0 1 9",
       ErrorCode::kFormat, "category set 0 is reused"},
      {"num_leaves=2\nnum_cat=0\nsplit_feature=1", "num_leaves=3\nnum_cat=0\nsplit_feature=1",
       ErrorCode::kFormat, "expected 3 values, found 2"},
      {"is_linear=0\nshrinkage=1\n\n\nTree=1", "is_linear=1\nshrinkage=1\n\n\nTree=1",
       ErrorCode::kUnsupported, "linear tree"},
      {"end of trees", "the end", ErrorCode::kFormat, "expected `Tree=4` or `end of trees`"},
      {"end of trees\n\nfeature_importances:\na=1\n", "", ErrorCode::kFormat, "truncated"},
  };
  for (const BadCase& c : cases) {
    const std::string text = replace(kModel, c.from, c.to);
    try {
      import_lightgbm(text);
      ADD_FAILURE() << "accepted: " << c.to;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), c.code) << c.to << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
          << c.to << ": \"" << e.what() << "\" does not say \"" << c.message << "\"";
    }
  }
}

// A real model written by LightGBM 4.7.0 (tests/data/lightgbm/README.md): 3 classes, 3 rounds,
// NaN in training, a categorical feature; expected raw scores from Booster.predict(raw_score=True).
std::string real_model() {
  std::ifstream in(std::string(PITH_TEST_DATA_DIR) + "/lightgbm/multiclass_nan_categorical.txt",
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << "tests/data/lightgbm/multiclass_nan_categorical.txt is missing";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LightgbmImport, RealModelScoresAreLightgbmsBitForBit) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::vector<double>> X = {{0.5, -1.0, 1.0, 0.0}, {nan, nan, nan, nan},
                                              {-0.3, 2.0, 4.0, 1.0}, {1.2, 0.1, -0.5, -2.0},
                                              {0.0, 0.0, 6.0, 0.0},  {-2.0, 1.0, 100.0, 3.0}};
  const std::vector<std::vector<double>> expected = {
      {-1.3750761339687594, -0.93325828479717265, -0.888276690486829},
      {-0.95781665862951859, -0.49867750065272137, -1.9159246713784206},
      {-1.2793784450345005, -0.34788434978062954, -1.9667810592539177},
      {-1.3750761339687594, -0.49867750065272137, -1.9039509182233656},
      {-1.2793784450345005, -0.5705507857220653, -1.3167806385070815},
      {-0.5995930166127118, -0.96097990779949161, -1.9619371187504457}};
  const Model model = import_lightgbm(real_model());
  const TreeEnsembleModel& m = trees(model);
  ASSERT_EQ(m.n_outputs, 3u);
  EXPECT_EQ(m.transform, TreeTransform::kSoftmax);
  EXPECT_GT(m.category_nodes.size(), 0u);
  std::vector<double> flat, out(X.size() * 3);
  for (const auto& row : X) flat.insert(flat.end(), row.begin(), row.end());
  tree_ensemble_raw_scores(m, MatrixView<double>{flat.data(), X.size(), 4}, out.data(), 1);
  for (std::size_t i = 0; i < X.size(); ++i) {
    for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(out[i * 3 + k], expected[i][k]) << i << ", " << k;
  }
}

// Every prefix of a model is refused as malformed (kFormat); the model with a byte replaced (at
// every offset; by each of `replacements`, or with `cycle` by one of them in turn, to bound the
// run time on big models) is refused with pith::Error or, when still well-formed, imported and
// valid. Nothing else may escape, and under the sanitizers nothing may read out of bounds.
void expect_truncations_and_corruptions_refused(const std::string& text,
                                                const std::string& replacements, bool cycle) {
  const std::size_t end_of_trees = text.find("end of trees");
  ASSERT_NE(end_of_trees, std::string::npos);
  for (std::size_t n = 0; n < text.size(); ++n) {
    try {
      import_lightgbm(text.substr(0, n));
      EXPECT_GE(n, end_of_trees + 12) << "a prefix of " << n << " bytes was accepted";
    } catch (const Error& e) {
      // Even where the cut-off text reads as an unsupported value (version=v, objective=bin).
      EXPECT_EQ(e.code(), ErrorCode::kFormat) << n << " bytes: " << e.what();
    }
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (std::size_t r = 0; r < replacements.size(); ++r) {
      if (cycle && r != i % replacements.size()) continue;
      const char byte = replacements[r];
      std::string bad = text;
      bad[i] = byte;
      try {
        const Model model = import_lightgbm(bad);
        validate_model(model);
        // What was accepted must also predict (in bounds, under the sanitizers).
        const TreeEnsembleModel& m = trees(model);
        const std::size_t d = m.n_features;
        std::vector<double> X(2 * d, 0.0), out(2 * m.n_outputs);
        std::fill(X.begin() + static_cast<std::ptrdiff_t>(d), X.end(),
                  std::numeric_limits<double>::quiet_NaN());
        tree_ensemble_raw_scores(m, MatrixView<double>{X.data(), 2, d}, out.data(), 1);
      } catch (const Error&) {
      }
    }
  }
}

TEST(LightgbmImport, TruncatedAndCorruptedTextsThrowOrImport) {
  using namespace std::string_literals;
  expect_truncations_and_corruptions_refused(kModel, "\0\n -9e="s, /*cycle=*/false);
  expect_truncations_and_corruptions_refused(real_model(), "\0\n -9e="s, /*cycle=*/true);
}

}  // namespace
}  // namespace pith
