// Tree ensembles in the core: each source's split rules (precision, < or <=, missing values,
// zero-is-missing, categorical sets), the lock-step walk against the exact one, transforms,
// float32 sums, and the file format round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "pith/error.h"
#include "pith/model_io.h"
#include "pith/predict.h"
#include "pith/trees.h"
#include "tree_builder.h"

namespace pith {
namespace {

using test::add_tree;
using test::category_split;
using test::leaf;
using test::regressor;
using test::split;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Raw score of one row (the exact per-row walk: batches under 16 rows).
template <class T = double>
double score(const TreeEnsembleModel& m, std::vector<T> row) {
  T out = 0;
  tree_ensemble_raw_scores<T>(m, MatrixView<T>{row.data(), 1, row.size()}, &out, 1);
  return static_cast<double>(out);
}

// One stump on feature 0: left 1, right 2.
TreeEnsembleModel stump(double threshold, std::uint8_t flags = 0) {
  TreeEnsembleModel m = regressor(1);
  add_tree(m, split(0, threshold, leaf(1.0), leaf(2.0), flags));
  validate_tree_ensemble(m);
  return m;
}

TEST(TreeSplit, LessEqualAndLessAtTheThreshold) {
  TreeEnsembleModel m = stump(0.5);
  EXPECT_EQ(score(m, {0.5}), 1.0);
  EXPECT_EQ(score(m, {std::nextafter(0.5, 1.0)}), 2.0);
  m.comparison = SplitComparison::kLess;
  m.predictor = {};
  EXPECT_EQ(score(m, {0.5}), 2.0);
  EXPECT_EQ(score(m, {std::nextafter(0.5, 0.0)}), 1.0);
}

TEST(TreeSplit, Float32PrecisionRoundsTheFeatureFirst) {
  // 0.1 as float32 is 0.10000000149..., above the float64 threshold 0.1: right in float32
  // precision (scikit-learn's trees, XGBoost), left in float64 precision (LightGBM).
  TreeEnsembleModel m = stump(0.1);
  m.feature_precision = FeaturePrecision::kFloat32;
  EXPECT_EQ(score(m, {0.1}), 2.0);
  EXPECT_EQ(score<float>(m, {0.1f}), 2.0);
  m.feature_precision = FeaturePrecision::kFloat64;
  m.predictor = {};
  EXPECT_EQ(score(m, {0.1}), 1.0);
  // A float32 input compared in float64: 0.1f > 0.1.
  EXPECT_EQ(score<float>(m, {0.1f}), 2.0);
  // Rounding to float32 can also cross a threshold upward: the largest double below 0.1f
  // rounds to 0.1f, which equals a float32 threshold of 0.1f.
  TreeEnsembleModel f = stump(static_cast<double>(0.1f));
  f.feature_precision = FeaturePrecision::kFloat32;
  EXPECT_EQ(score(f, {std::nextafter(static_cast<double>(0.1f), 1.0)}), 1.0);
}

TEST(TreeSplit, MissingValuesFollowTheDefault) {
  EXPECT_EQ(score(stump(0.5, node_flag::kDefaultLeft), {kNaN}), 1.0);
  EXPECT_EQ(score(stump(0.5), {kNaN}), 2.0);
  // Infinities are values, not missing.
  EXPECT_EQ(score(stump(0.5, node_flag::kDefaultLeft), {INFINITY}), 2.0);
  EXPECT_EQ(score(stump(0.5), {-INFINITY}), 1.0);
}

TEST(TreeSplit, ZeroIsMissingAsLightGbm) {
  // Threshold -1: zero would go right, but zero counts as missing and goes left by default.
  const TreeEnsembleModel m = stump(-1.0, node_flag::kZeroIsMissing | node_flag::kDefaultLeft);
  EXPECT_EQ(score(m, {0.0}), 1.0);
  EXPECT_EQ(score(m, {-0.0}), 1.0);
  EXPECT_EQ(score(m, {kNaN}), 1.0);
  EXPECT_EQ(score(m, {static_cast<double>(1e-35f)}), 1.0);  // |x| <= 1e-35f: zero
  EXPECT_EQ(score(m, {std::nextafter(static_cast<double>(1e-35f), 1.0)}), 2.0);
  EXPECT_EQ(score(m, {-2.0}), 1.0);
  EXPECT_EQ(score(m, {0.5}), 2.0);
}

TEST(TreeSplit, CategoriesGoLeftWithLightGbmTruncation) {
  TreeEnsembleModel m = regressor(1);
  add_tree(m, category_split(0, {0, 3, 40}, leaf(1.0), leaf(2.0),
                             node_flag::kCategoriesGoLeft | node_flag::kTruncateNegative));
  validate_tree_ensemble(m);
  EXPECT_EQ(score(m, {3.0}), 1.0);
  EXPECT_EQ(score(m, {3.9}), 1.0);  // truncated to 3
  EXPECT_EQ(score(m, {40.0}), 1.0);
  EXPECT_EQ(score(m, {4.0}), 2.0);
  EXPECT_EQ(score(m, {-0.5}), 1.0);  // truncates to category 0
  EXPECT_EQ(score(m, {-1.0}), 2.0);
  EXPECT_EQ(score(m, {1e12}), 2.0);
  EXPECT_EQ(score(m, {kNaN}), 2.0);  // missing: the default (right)
}

TEST(TreeSplit, CategoriesGoRightAsXgboost) {
  TreeEnsembleModel m = regressor(1);
  add_tree(m, category_split(0, {1, 2}, leaf(1.0), leaf(2.0), node_flag::kDefaultLeft));
  validate_tree_ensemble(m);
  EXPECT_EQ(score(m, {1.0}), 2.0);
  EXPECT_EQ(score(m, {2.5}), 2.0);
  EXPECT_EQ(score(m, {0.0}), 1.0);
  EXPECT_EQ(score(m, {-0.5}), 1.0);  // negative: never in the set
  EXPECT_EQ(score(m, {1e30}), 1.0);
  EXPECT_EQ(score(m, {kNaN}), 1.0);
}

TEST(TreeSplit, WholeCategoriesOnlyAsHistGradientBoosting) {
  TreeEnsembleModel m = regressor(1);
  // HGB style: the set goes to the non-default child; 2.5 is unknown, so default (left).
  add_tree(m, category_split(0, {2, 7}, leaf(1.0), leaf(2.0),
                             node_flag::kWholeCategories | node_flag::kDefaultLeft));
  validate_tree_ensemble(m);
  EXPECT_EQ(score(m, {2.0}), 2.0);
  EXPECT_EQ(score(m, {7.0}), 2.0);
  EXPECT_EQ(score(m, {2.5}), 1.0);
  EXPECT_EQ(score(m, {-0.0}), 1.0);
  EXPECT_EQ(score(m, {kNaN}), 1.0);
}

// A random ensemble of plain numerical splits (what the lock-step walk handles).
TreeEnsembleModel random_ensemble(std::mt19937_64& rng, std::size_t n_features, std::size_t n_trees,
                                  int depth) {
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  std::uniform_int_distribution<std::uint32_t> feature(0,
                                                       static_cast<std::uint32_t>(n_features - 1));
  std::bernoulli_distribution coin(0.5);
  TreeEnsembleModel m = regressor(n_features);
  const std::function<std::shared_ptr<test::NodeSpec>(int)> grow = [&](int level) {
    if (level == depth || (level > 1 && coin(rng) && coin(rng))) return leaf(value(rng));
    return split(feature(rng), value(rng), grow(level + 1), grow(level + 1),
                 coin(rng) ? node_flag::kDefaultLeft : std::uint8_t{0});
  };
  for (std::size_t t = 0; t < n_trees; ++t) add_tree(m, grow(0));
  validate_tree_ensemble(m);
  return m;
}

// Rows with NaN, values exactly on thresholds and their float32 neighbours.
template <class T>
std::vector<T> tricky_rows(std::mt19937_64& rng, const TreeEnsembleModel& m, std::size_t rows) {
  std::uniform_real_distribution<double> value(-1.2, 1.2);
  std::uniform_int_distribution<std::size_t> node(0, m.n_nodes() - 1);
  std::uniform_int_distribution<int> kind(0, 5);
  std::vector<T> X(rows * m.n_features);
  for (T& x : X) {
    const double t = m.threshold[node(rng)];
    switch (kind(rng)) {
      case 0:
        x = std::numeric_limits<T>::quiet_NaN();
        break;
      case 1:
        x = static_cast<T>(t);
        break;
      case 2:
        x = static_cast<T>(std::nextafter(static_cast<float>(t), 2.0f));
        break;
      case 3:
        x = static_cast<T>(std::nextafter(t, -2.0));
        break;
      default:
        x = static_cast<T>(value(rng));
    }
  }
  return X;
}

// The documented rules (docs/model-format.md), written independently of the predictor: walk
// the model's own arrays, sum in the score precision.
template <class T>
double reference_score(const TreeEnsembleModel& m, const T* row) {
  const auto walk = [&](std::size_t t) {
    const std::size_t begin = m.tree_offsets[t];
    std::size_t i = begin;
    while (m.left_child[i] >= 0) {
      double x = static_cast<double>(row[m.feature[i]]);
      if (m.feature_precision == FeaturePrecision::kFloat32) {
        x = static_cast<double>(static_cast<float>(x));
      }
      const std::uint8_t f = m.node_flags[i];
      bool left;
      if (std::isnan(x) ||
          ((f & node_flag::kZeroIsMissing) && std::abs(x) <= static_cast<double>(1e-35f))) {
        left = (f & node_flag::kDefaultLeft) != 0;
      } else if (f & node_flag::kCategorical) {
        std::size_t s = 0;
        while (m.category_nodes[s] != i) ++s;
        const bool ok = ((f & node_flag::kTruncateNegative) ? x > -1.0 : x >= 0.0) &&
                        x < 4294967296.0 &&
                        !((f & node_flag::kWholeCategories) && x != std::floor(x));
        bool in = false;
        for (std::uint64_t c = m.category_offsets[s]; ok && c < m.category_offsets[s + 1]; ++c) {
          in = in || m.categories[c] == static_cast<std::uint32_t>(x);
        }
        left = in == ((f & node_flag::kCategoriesGoLeft) != 0);
      } else {
        left = m.comparison == SplitComparison::kLess ? x < m.threshold[i] : x <= m.threshold[i];
      }
      i = begin + static_cast<std::size_t>(left ? m.left_child[i] : m.right_child[i]);
    }
    return m.leaf_values[i];  // leaf_width 1
  };
  if (m.score_precision == ScorePrecision::kFloat32) {
    float sum = static_cast<float>(m.base_score[0]);
    for (std::size_t t = 0; t < m.n_trees(); ++t) sum += static_cast<float>(walk(t));
    return static_cast<double>(sum);
  }
  double sum = m.base_score[0];
  for (std::size_t t = 0; t < m.n_trees(); ++t) sum += walk(t);
  return sum;
}

// Every path of the predictor against the reference: blocks of 128 rows and a partial one (rows
// in lock-step), single rows (trees in lock-step), with categorical and zero-is-missing trees
// (the exact walk) mixed in.
template <class T>
void expect_every_path_follows_the_rules(FeaturePrecision precision, SplitComparison comparison,
                                         ScorePrecision sums) {
  std::mt19937_64 rng(42);
  TreeEnsembleModel m = random_ensemble(rng, 7, 150, 9);
  add_tree(m, category_split(2, {0, 1, 5}, leaf(0.25), split(3, 0.1, leaf(-0.5), leaf(0.75)),
                             node_flag::kCategoriesGoLeft | node_flag::kTruncateNegative));
  add_tree(m, split(4, -0.2, leaf(1.5), leaf(-1.5),
                    node_flag::kZeroIsMissing | node_flag::kDefaultLeft));
  m.feature_precision = precision;
  m.comparison = comparison;
  m.score_precision = sums;
  validate_tree_ensemble(m);
  const std::size_t rows = 1000;
  std::vector<T> X = tricky_rows<T>(rng, m, rows);
  for (std::size_t i = 0; i < rows; i += 7) X[i * m.n_features + 4] = 0;  // zero-is-missing
  std::vector<T> batch(rows);
  tree_ensemble_raw_scores<T>(m, MatrixView<T>{X.data(), rows, m.n_features}, batch.data(), 2);
  for (std::size_t i = 0; i < rows; ++i) {
    const T* row = X.data() + i * m.n_features;
    const auto expected = static_cast<T>(reference_score(m, row));
    ASSERT_EQ(batch[i], expected) << "row " << i << " of a batch";
    T one = 0;
    tree_ensemble_raw_scores<T>(m, MatrixView<T>{row, 1, m.n_features}, &one, 1);
    ASSERT_EQ(one, expected) << "row " << i << " alone";
  }
}

TEST(TreePredictor, EveryPathFollowsTheRulesInEveryMode) {
  for (const FeaturePrecision p : {FeaturePrecision::kFloat32, FeaturePrecision::kFloat64}) {
    for (const SplitComparison c : {SplitComparison::kLessEqual, SplitComparison::kLess}) {
      for (const ScorePrecision s : {ScorePrecision::kFloat32, ScorePrecision::kFloat64}) {
        SCOPED_TRACE(std::string(to_string(p)) + " " + to_string(c) + " " + to_string(s));
        expect_every_path_follows_the_rules<double>(p, c, s);
        expect_every_path_follows_the_rules<float>(p, c, s);
      }
    }
  }
}

TEST(TreeScores, Float32SumsRoundAfterEveryTree) {
  TreeEnsembleModel m = regressor(1);
  m.base_score = {1e8};
  for (int t = 0; t < 3; ++t) add_tree(m, leaf(1.0));  // float32 spacing at 1e8 is 8
  validate_tree_ensemble(m);
  EXPECT_EQ(score(m, {0.0}), 1e8 + 3);
  m.score_precision = ScorePrecision::kFloat32;
  m.predictor = {};
  EXPECT_EQ(score(m, {0.0}), 1e8);
}

TreeEnsembleModel classifier(std::size_t n_classes, std::size_t n_outputs, TreeTransform t) {
  TreeEnsembleModel m = regressor(1, n_outputs);
  std::vector<std::int64_t> labels;
  for (std::size_t k = 0; k < n_classes; ++k) labels.push_back(static_cast<std::int64_t>(k) * 10);
  m.classes = labels;
  m.transform = t;
  return m;
}

TEST(TreeTransforms, SigmoidSoftmaxAverageExp) {
  const std::vector<double> x = {0.0};
  std::vector<double> proba(3);
  std::int32_t label = -1;
  {
    TreeEnsembleModel m = classifier(2, 1, TreeTransform::kSigmoid);
    m.sigmoid_alpha = 2.0;
    m.base_score = {0.25};
    add_tree(m, leaf(0.5));
    validate_tree_ensemble(m);
    tree_ensemble_predict_values<double>(m, {x.data(), 1, 1}, proba.data());
    const double p = 1.0 / (1.0 + std::exp(-2.0 * 0.75));
    EXPECT_EQ(proba[0], 1.0 - p);
    EXPECT_EQ(proba[1], p);
    tree_ensemble_predict_classes<double>(m, {x.data(), 1, 1}, &label);
    EXPECT_EQ(label, 1);
  }
  {
    TreeEnsembleModel m = classifier(3, 3, TreeTransform::kSoftmax);
    for (std::uint32_t k = 0; k < 3; ++k) add_tree(m, leaf(static_cast<double>(k)), k);
    validate_tree_ensemble(m);
    tree_ensemble_predict_values<double>(m, {x.data(), 1, 1}, proba.data());
    const double sum = std::exp(-2.0) + std::exp(-1.0) + 1.0;
    EXPECT_DOUBLE_EQ(proba[2], 1.0 / sum);
    EXPECT_DOUBLE_EQ(proba[0] + proba[1] + proba[2], 1.0);
    tree_ensemble_predict_classes<double>(m, {x.data(), 1, 1}, &label);
    EXPECT_EQ(label, 2);
  }
  {
    // A forest: each tree's leaf is a probability vector; the average is the prediction.
    TreeEnsembleModel m = classifier(3, 3, TreeTransform::kAverage);
    m.leaf_width = 3;
    add_tree(m, leaf({0.5, 0.5, 0.0}));
    add_tree(m, leaf({0.0, 1.0, 0.0}));
    validate_tree_ensemble(m);
    tree_ensemble_predict_values<double>(m, {x.data(), 1, 1}, proba.data());
    EXPECT_EQ(proba, (std::vector<double>{0.25, 0.75, 0.0}));
    const Model model = test::as_model(m);
    EXPECT_EQ(find_output(model_outputs(model), "decision_function"), nullptr);
  }
  {
    TreeEnsembleModel m = regressor(1);
    m.transform = TreeTransform::kExp;
    add_tree(m, leaf(0.5));
    validate_tree_ensemble(m);
    EXPECT_EQ(score(m, {0.0}), 0.5);  // raw
    double value = 0;
    tree_ensemble_predict_values<double>(m, {x.data(), 1, 1}, &value);
    EXPECT_EQ(value, std::exp(0.5));
  }
}

TEST(TreeModel, RoundTripsThroughTheFileFormat) {
  std::mt19937_64 rng(7);
  TreeEnsembleModel m = random_ensemble(rng, 5, 10, 6);
  m.comparison = SplitComparison::kLess;
  m.feature_precision = FeaturePrecision::kFloat32;
  add_tree(m, category_split(3, {2, 5}, leaf(1.0), leaf(-1.0), node_flag::kCategoriesGoLeft));
  const Model model = test::as_model(m);
  const Model back = parse_model(serialize_model(model));
  EXPECT_EQ(serialize_model(back), serialize_model(model));
  const auto& t = std::get<TreeEnsembleModel>(back.estimator);
  EXPECT_EQ(t.categories, m.categories);
  EXPECT_EQ(t.comparison, SplitComparison::kLess);
  EXPECT_TRUE(accepts_missing(back));
  const std::vector<double> X = tricky_rows<double>(rng, m, 50);
  std::vector<double> a(50), b(50);
  predict<double>(model, "predict", {X.data(), 50, 5}, nullptr, a.data());
  predict<double>(back, "predict", {X.data(), 50, 5}, nullptr, b.data());
  EXPECT_EQ(a, b);
}

// ---- Validation: a bad ensemble is refused with the field named.

struct BadTrees {
  const char* name;
  void (*edit)(TreeEnsembleModel&);
  const char* phrase;
};

TreeEnsembleModel two_trees() {
  TreeEnsembleModel m = regressor(2);
  add_tree(m, split(0, 0.5, leaf(1.0), split(1, 0.0, leaf(2.0), leaf(3.0))));
  add_tree(m, category_split(1, {1, 4}, leaf(0.0), leaf(1.0), node_flag::kCategoriesGoLeft));
  return m;
}

class TreeValidation : public ::testing::TestWithParam<BadTrees> {};

TEST_P(TreeValidation, RefusesWithTheFieldNamed) {
  TreeEnsembleModel m = two_trees();
  validate_tree_ensemble(m);  // the base is valid
  GetParam().edit(m);
  try {
    validate_tree_ensemble(m);
    ADD_FAILURE() << "no error; expected one containing '" << GetParam().phrase << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat);
    EXPECT_NE(std::string(e.what()).find(GetParam().phrase), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, TreeValidation,
    ::testing::Values(
        BadTrees{"ChildOutOfRange", [](TreeEnsembleModel& m) { m.right_child[0] = 9; },
                 "has child 9"},
        BadTrees{"OneChildOnly", [](TreeEnsembleModel& m) { m.right_child[0] = -1; },
                 "has child -1"},
        BadTrees{"Cycle", [](TreeEnsembleModel& m) { m.left_child[2] = 0; }, "reached twice"},
        BadTrees{"Unreachable",
                 [](TreeEnsembleModel& m) {
                   m.right_child[2] = -1;
                   m.left_child[2] = -1;
                 },
                 "reachable from its root"},
        BadTrees{"FeatureOutOfRange", [](TreeEnsembleModel& m) { m.feature[0] = 2; },
                 "expected < n_features = 2"},
        BadTrees{"NaNThreshold", [](TreeEnsembleModel& m) { m.threshold[0] = NAN; },
                 "threshold: tree 0 node 0 is NaN"},
        BadTrees{"InfiniteLeaf", [](TreeEnsembleModel& m) { m.leaf_values[1] = INFINITY; },
                 "non-finite value"},
        BadTrees{"LeafWithFlags", [](TreeEnsembleModel& m) { m.node_flags[1] = 1; },
                 "a leaf with split flags"},
        BadTrees{"UnknownFlag", [](TreeEnsembleModel& m) { m.node_flags[0] = 64; }, "unknown bits"},
        BadTrees{"CategoricalFlagOnNumeric",
                 [](TreeEnsembleModel& m) { m.node_flags[0] = node_flag::kCategoriesGoLeft; },
                 "categorical flags on a numerical split"},
        BadTrees{"ShortLeafValues", [](TreeEnsembleModel& m) { m.leaf_values.pop_back(); },
                 "leaf_values: expected n_nodes * leaf_width"},
        BadTrees{"OffsetsEnd", [](TreeEnsembleModel& m) { m.tree_offsets.back() = 7; },
                 "expected the node count"},
        BadTrees{"EmptyTree", [](TreeEnsembleModel& m) { m.tree_offsets[1] = 0; },
                 "every tree has a node"},
        BadTrees{"NoTrees",
                 [](TreeEnsembleModel& m) {
                   m.tree_output.clear();
                   m.tree_offsets = {0};
                 },
                 "expected >= 1 tree"},
        BadTrees{"OutputOutOfRange", [](TreeEnsembleModel& m) { m.tree_output[1] = 1; },
                 "tree_output[1]"},
        BadTrees{"BaseScoreSize", [](TreeEnsembleModel& m) { m.base_score.push_back(0); },
                 "base_score: expected n_outputs"},
        BadTrees{"SoftmaxRegressor",
                 [](TreeEnsembleModel& m) { m.transform = TreeTransform::kSoftmax; },
                 "softmax needs class labels"},
        BadTrees{"ClassesVersusOutputs",
                 [](TreeEnsembleModel& m) {
                   m.classes = std::vector<std::int64_t>{0, 1, 2};
                 },
                 "a classifier of 3 classes"},
        BadTrees{"UnsortedClasses",
                 [](TreeEnsembleModel& m) {
                   m.classes = std::vector<std::int64_t>{1, 0};
                 },
                 "sorted, unique labels"},
        BadTrees{"UnsortedCategories",
                 [](TreeEnsembleModel& m) { std::swap(m.categories[0], m.categories[1]); },
                 "not ascending"},
        BadTrees{"MissingCategorySet",
                 [](TreeEnsembleModel& m) {
                   m.category_nodes.clear();
                   m.category_offsets = {0};
                   m.categories.clear();
                 },
                 "one set per categorical split"},
        BadTrees{"SigmoidAlpha",
                 [](TreeEnsembleModel& m) {
                   m.transform = TreeTransform::kSigmoid;
                   m.sigmoid_alpha = 0;
                 },
                 "sigmoid_alpha"}),
    [](const ::testing::TestParamInfo<BadTrees>& param) { return param.param.name; });

TEST(TreeModel, WrongFeatureCountIsAnInvalidArgument) {
  const TreeEnsembleModel m = stump(0.5);
  const std::vector<double> X = {1.0, 2.0};
  double out = 0;
  try {
    tree_ensemble_raw_scores<double>(m, {X.data(), 1, 2}, &out);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("X has 2 features"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pith

namespace pith {
namespace {

// ---- Golden files of format 1.2 (see tests/data/golden/README.md).

const std::filesystem::path kGoldenDir = std::filesystem::path(PITH_TEST_DATA_DIR) / "golden";

// An XGBoost-style binary classifier: `<`, float32 features and sums, a categorical split whose
// set goes right, string labels, feature names.
Model golden_boosted() {
  TreeEnsembleModel m = regressor(3);
  m.classes = std::vector<std::string>{"no", "yes"};
  m.comparison = SplitComparison::kLess;
  m.feature_precision = FeaturePrecision::kFloat32;
  m.score_precision = ScorePrecision::kFloat32;
  m.transform = TreeTransform::kSigmoid;
  m.base_score = {-0.25};
  add_tree(m, split(0, 0.5, leaf(0.125), split(1, -1.5, leaf(-0.5), leaf(0.75)),
                    node_flag::kDefaultLeft));
  add_tree(m, category_split(2, {1, 3}, leaf(-0.0625), leaf(0.25), node_flag::kDefaultLeft));
  Model model = test::as_model(std::move(m), DType::kFloat32);
  model.input.feature_names = {"age", "income", "city"};
  return model;
}

// A LightGBM-style multiclass model (3 classes, softmax, float64, zero-is-missing, a set that
// goes left with truncation) and a scikit-learn-style forest regressor in one file each.
Model golden_multiclass() {
  TreeEnsembleModel m = regressor(2, 3);
  m.classes = std::vector<std::int64_t>{-1, 0, 5};
  m.transform = TreeTransform::kSoftmax;
  m.base_score = {0.0, 0.5, -0.5};
  add_tree(m, split(0, 1.0, leaf(1.0), leaf(-1.0), node_flag::kZeroIsMissing), 0);
  add_tree(m,
           category_split(1, {0, 2}, leaf(0.5), leaf(-0.5),
                          node_flag::kCategoriesGoLeft | node_flag::kTruncateNegative),
           1);
  add_tree(m, split(1, 1e-300, leaf(-0.0), leaf(2.0), node_flag::kDefaultLeft), 2);
  return test::as_model(std::move(m));
}

Model golden_forest() {
  TreeEnsembleModel m = regressor(2, 2);
  m.leaf_width = 2;
  m.transform = TreeTransform::kAverage;
  add_tree(m, split(1, 0.1, leaf({1.0, 2.0}), leaf({3.0, 4.0})));
  add_tree(m, split(0, -0.1, leaf({0.5, 0.25}), leaf({8.0, 16.0}), node_flag::kDefaultLeft));
  return test::as_model(std::move(m));
}

struct GoldenTrees {
  const char* file;
  Model (*model)();
};
const GoldenTrees kGoldenTrees[] = {{"trees_boosted_v1_2.pith", golden_boosted},
                                    {"trees_multiclass_v1_2.pith", golden_multiclass},
                                    {"trees_forest_v1_2.pith", golden_forest}};

TEST(GoldenV12, EveryFileLoadsToExactlyItsModel) {
  for (const GoldenTrees& c : kGoldenTrees) {
    SCOPED_TRACE(c.file);
    std::vector<std::string> warnings;
    const Model loaded = load_model(kGoldenDir / c.file, &warnings);
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(serialize_model(loaded), serialize_model(c.model()));
  }
}

TEST(GoldenV12, FilesPredictWhatTheirRulesSay) {
  {
    const Model m = load_model(kGoldenDir / "trees_boosted_v1_2.pith");
    // Row 1: 0.5 is not < 0.5 -> right; -1.5 is not < -1.5 -> 0.75; city 3 in the set -> right
    // 0.25. Row 2: NaN -> left 0.125; city 2 not in the set -> left -0.0625.
    const std::vector<float> X = {0.5f, -1.5f, 3.0f, NAN, 0.0f, 2.0f};
    std::vector<float> raw(2);
    predict<float>(m, "decision_function", {X.data(), 2, 3}, nullptr, raw.data());
    EXPECT_EQ(raw, (std::vector<float>{-0.25f + 0.75f + 0.25f, -0.25f + 0.125f - 0.0625f}));
  }
  {
    const Model m = load_model(kGoldenDir / "trees_multiclass_v1_2.pith");
    // x0 = 0 is missing (zero) -> right (no default-left) -1; x1 = -0.5 truncates to category 0
    // -> left 0.5; x1 = -0.5 <= 1e-300 -> left -0.0.
    const std::vector<double> X = {0.0, -0.5};
    std::vector<double> raw(3);
    predict<double>(m, "decision_function", {X.data(), 1, 2}, nullptr, raw.data());
    EXPECT_EQ(raw, (std::vector<double>{-1.0, 1.0, -0.5}));
  }
  {
    const Model m = load_model(kGoldenDir / "trees_forest_v1_2.pith");
    // Tree 0: x1 = 0.2 > 0.1 -> right; tree 1: x0 missing -> left (its default).
    const std::vector<double> X = {NAN, 0.2};
    std::vector<double> y(2);
    predict<double>(m, "predict", {X.data(), 1, 2}, nullptr, y.data());
    EXPECT_EQ(y, (std::vector<double>{(3.0 + 0.5) / 2, (4.0 + 0.25) / 2}));
  }
}

TEST(GoldenV12, DISABLED_Write) {
  const char* out = std::getenv("PITH_GOLDEN_OUT");
  ASSERT_NE(out, nullptr) << "set PITH_GOLDEN_OUT to an empty directory";
  for (const GoldenTrees& c : kGoldenTrees) {
    Model m = c.model();
    m.producer.clear();  // the writer fills in "pith <kVersion>"
    const std::string bytes = serialize_model(m);
    std::ofstream(std::filesystem::path(out) / c.file, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
}

}  // namespace
}  // namespace pith
