// import_xgboost (pith/xgboost_import.h): a hand-written XGBoost model predicts exactly (`<` at
// the threshold, float32 rounding of the input, NaN defaults, categorical sets, the base margin,
// dart weights), in JSON and UBJSON; models written by XGBoost itself (tests/data/xgboost) give
// its margins bit for bit; malformed and unsupported documents are refused with pith::Error and
// a message naming the problem, truncated and corrupted ones never crash.
#include "pith/xgboost_import.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "pith/error.h"
#include "pith/trees.h"

namespace pith {
namespace {

using Json = nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Tree 0: x0 < 0.5 (NaN left) ? leaf 1 : [x1 in {1, 3} (NaN right) ? leaf 20 : leaf 10].
// Tree 1: a single leaf -0.25. Regression, base_score 0.5 (identity link).
const char* const kModel = R"({
  "learner": {
    "attributes": {},
    "feature_names": ["a", "b"],
    "feature_types": ["float", "c"],
    "gradient_booster": {
      "model": {
        "gbtree_model_param": {"num_parallel_tree": "1", "num_trees": "2"},
        "iteration_indptr": [0, 1, 2],
        "tree_info": [0, 0],
        "trees": [
          {
            "base_weights": [0, 0, 0, 0, 0],
            "categories": [3, 1],
            "categories_nodes": [2],
            "categories_segments": [0],
            "categories_sizes": [2],
            "default_left": [1, 0, 0, 0, 0],
            "id": 0,
            "left_children": [1, -1, 3, -1, -1],
            "loss_changes": [0, 0, 0, 0, 0],
            "parents": [2147483647, 0, 0, 2, 2],
            "right_children": [2, -1, 4, -1, -1],
            "split_conditions": [0.5, 1.0, 0.0, 10.0, 20.0],
            "split_indices": [0, 0, 1, 0, 0],
            "split_type": [0, 0, 1, 0, 0],
            "sum_hessian": [1, 1, 1, 1, 1],
            "tree_param": {"num_deleted": "0", "num_feature": "2", "num_nodes": "5",
                           "size_leaf_vector": "1"}
          },
          {
            "base_weights": [0],
            "categories": [], "categories_nodes": [], "categories_segments": [],
            "categories_sizes": [],
            "default_left": [0],
            "id": 1,
            "left_children": [-1],
            "loss_changes": [0],
            "parents": [2147483647],
            "right_children": [-1],
            "split_conditions": [-0.25],
            "split_indices": [0],
            "split_type": [0],
            "sum_hessian": [1],
            "tree_param": {"num_deleted": "0", "num_feature": "2", "num_nodes": "1",
                           "size_leaf_vector": "1"}
          }
        ]
      },
      "name": "gbtree"
    },
    "learner_model_param": {"base_score": "[5E-1]", "boost_from_average": "1",
                            "num_class": "0", "num_feature": "2", "num_target": "1"},
    "objective": {"name": "reg:squarederror", "reg_loss_param": {"scale_pos_weight": "1"}}
  },
  "version": [3, 2, 0]
})";

Json model_json() { return Json::parse(kModel); }
Json& tree0(Json& j) { return j["learner"]["gradient_booster"]["model"]["trees"][0]; }

std::string to_ubjson(const Json& j) {
  const std::vector<std::uint8_t> bytes = Json::to_ubjson(j, /*use_size=*/true, /*use_type=*/true);
  return {bytes.begin(), bytes.end()};
}

const TreeEnsembleModel& ensemble(const Model& model) {
  return std::get<TreeEnsembleModel>(model.estimator);
}

std::vector<double> raw_scores(const Model& model, const std::vector<double>& X) {
  const TreeEnsembleModel& m = ensemble(model);
  std::vector<double> out(X.size() / m.n_features * m.n_outputs);
  tree_ensemble_raw_scores<double>(m, {X.data(), X.size() / m.n_features, m.n_features}, out.data(),
                                   1);
  return out;
}

void expect_predictions(const Model& model) {
  const float below = std::nextafter(0.5f, 0.0f);
  struct Case {
    double x0, x1, expected;
  };
  const std::vector<Case> cases = {
      {0.25, 0.0, 0.5 + 1.0 - 0.25},
      {static_cast<double>(below), 1.0, 0.5 + 1.0 - 0.25},  // just below the threshold: left
      {0.5, 2.0, 0.5 + 10.0 - 0.25},                        // on the threshold: `<` is false
      {0.49999999999, 2.0, 0.5 + 10.0 - 0.25},              // rounds to 0.5f first
      {kNaN, 1.0, 0.5 + 1.0 - 0.25},                        // NaN: default left
      {1.0, 1.0, 0.5 + 20.0 - 0.25},                        // listed category: right
      {1.0, 3.0, 0.5 + 20.0 - 0.25},
      {1.0, 3.7, 0.5 + 20.0 - 0.25},         // truncated to category 3
      {1.0, 2.0, 0.5 + 10.0 - 0.25},         // unlisted: left
      {1.0, -1.0, 0.5 + 10.0 - 0.25},        // negative: left
      {1.0, -0.5, 0.5 + 10.0 - 0.25},        // negative, not truncated to 0: left
      {1.0, 16777216.0, 0.5 + 10.0 - 0.25},  // 2^24, out of XGBoost's range: left
      {1.0, kNaN, 0.5 + 20.0 - 0.25},        // NaN: default right
  };
  std::vector<double> X;
  for (const Case& c : cases) X.insert(X.end(), {c.x0, c.x1});
  // Many rows as well, so that the lock-step walk (not only the per-row walk) is exercised.
  std::vector<double> many;
  for (int r = 0; r < 20; ++r) many.insert(many.end(), X.begin(), X.end());
  const std::vector<double> scores = raw_scores(model, X);
  const std::vector<double> scores_many = raw_scores(model, many);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(scores[i], cases[i].expected) << "case " << i;
    EXPECT_EQ(scores_many[i + cases.size() * 7], cases[i].expected) << "case " << i;
  }
}

TEST(XgboostImport, HandWrittenModelJsonAndUbjson) {
  for (const bool ubjson : {false, true}) {
    SCOPED_TRACE(ubjson ? "UBJSON" : "JSON");
    const Model model = import_xgboost(ubjson ? to_ubjson(model_json()) : std::string(kModel));
    EXPECT_EQ(model.input.n_features, 2u);
    EXPECT_EQ(model.input.dtype, DType::kFloat32);
    EXPECT_EQ(model.input.feature_names, (std::vector<std::string>{"a", "b"}));
    const TreeEnsembleModel& m = ensemble(model);
    EXPECT_FALSE(m.is_classifier());
    EXPECT_EQ(m.feature_precision, FeaturePrecision::kFloat32);
    EXPECT_EQ(m.comparison, SplitComparison::kLess);
    EXPECT_EQ(m.score_precision, ScorePrecision::kFloat32);
    EXPECT_EQ(m.transform, TreeTransform::kIdentity);
    EXPECT_EQ(m.categories, (std::vector<std::uint32_t>{1, 3}));  // sorted
    expect_predictions(model);
  }
}

TEST(XgboostImport, PrunedNodesAreDropped) {
  // Nodes 5 and 6 are unreachable (XGBoost keeps pruned nodes in the arrays).
  Json j = model_json();
  Json& t = tree0(j);
  for (const char* key : {"left_children", "right_children"}) t[key].push_back(-1);
  for (const char* key : {"left_children", "right_children"}) t[key].push_back(-1);
  for (const char* key : {"split_indices", "default_left", "split_type"}) {
    t[key].push_back(0);
    t[key].push_back(0);
  }
  t["split_conditions"].push_back(99.0);
  t["split_conditions"].push_back(99.0);
  t["tree_param"]["num_nodes"] = "7";
  const Model model = import_xgboost(j.dump());
  EXPECT_EQ(ensemble(model).n_nodes(), 6u);
  expect_predictions(model);
}

TEST(XgboostImport, LogisticBaseMarginAndClasses) {
  Json j = model_json();
  j["learner"]["objective"]["name"] = "binary:logistic";
  j["learner"]["learner_model_param"]["base_score"] = "[2.5E-1]";
  const Model model = import_xgboost(j.dump());
  const TreeEnsembleModel& m = ensemble(model);
  EXPECT_EQ(m.transform, TreeTransform::kSigmoid);
  EXPECT_EQ(m.n_classes(), 2u);
  EXPECT_EQ(m.base_score[0], static_cast<double>(-std::log(1.0f / 0.25f - 1.0f)));

  j["learner"]["objective"]["name"] = "count:poisson";
  j["learner"]["learner_model_param"]["base_score"] = "2";
  EXPECT_EQ(ensemble(import_xgboost(j.dump())).base_score[0], static_cast<double>(std::log(2.0f)));
}

TEST(XgboostImport, MulticlassTreeInfo) {
  Json j = model_json();
  j["learner"]["objective"]["name"] = "multi:softprob";
  j["learner"]["learner_model_param"]["num_class"] = "3";
  j["learner"]["learner_model_param"]["base_score"] = "[0E0,1E0,2E0]";
  j["learner"]["gradient_booster"]["model"]["tree_info"] = {2, 1};
  const Model model = import_xgboost(j.dump());
  const TreeEnsembleModel& m = ensemble(model);
  EXPECT_EQ(m.n_classes(), 3u);
  EXPECT_EQ(m.transform, TreeTransform::kSoftmax);
  const std::vector<double> scores = raw_scores(model, {0.25, 0.0});
  EXPECT_EQ(scores, (std::vector<double>{0.0, 1.0 - 0.25, 2.0 + 1.0}));
}

TEST(XgboostImport, DartWeightsMultiplyLeavesInFloat32) {
  Json j = model_json();
  Json booster = {
      {"name", "dart"}, {"gbtree", j["learner"]["gradient_booster"]}, {"weight_drop", {0.3, 0.7}}};
  j["learner"]["gradient_booster"] = booster;
  const Model model = import_xgboost(j.dump());
  const float leaf = 0.3f * 20.0f, last = 0.7f * -0.25f;
  const std::vector<double> scores = raw_scores(model, {1.0, 1.0});
  EXPECT_EQ(scores[0], static_cast<double>(0.5f + leaf + last));
}

TEST(XgboostImport, NoTreesPredictsTheBaseMargin) {
  Json j = model_json();
  j["learner"]["gradient_booster"]["model"]["trees"] = Json::array();
  j["learner"]["gradient_booster"]["model"]["tree_info"] = Json::array();
  j["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "0";
  EXPECT_EQ(raw_scores(import_xgboost(j.dump()), {1.0, 2.0}), std::vector<double>{0.5});
}

struct Bad {
  const char* name;
  std::string bytes;
  ErrorCode code;
  const char* message;
};

std::string edit(void (*change)(Json&)) {
  Json j = model_json();
  change(j);
  return j.dump();
}

std::vector<Bad> bad_inputs() {
  const std::string ubj = to_ubjson(model_json());
  std::string deep_json = "{\"a\":";
  std::string deep_ubjson =
      "{i\x01"
      "a";
  for (int i = 0; i < 100000; ++i) {
    deep_json += '[';
    deep_ubjson += '[';
  }
  std::string huge_count =
      "{i\x01"
      "a[$d#L";
  huge_count += std::string("\x00\x00\x01\x00\x00\x00\x00\x00", 8);
  // A byte that is not UTF-8 in a string: the JSON parser refuses it, UBJSON takes it as is.
  std::string raw_json(kModel);
  raw_json.replace(raw_json.find("reg:squarederror"), 16, "reg:\xff");
  Json odd = model_json();
  odd["learner"]["objective"]["name"] = "reg:_";
  std::string raw_ubjson = to_ubjson(odd);
  raw_ubjson[raw_ubjson.find("reg:_") + 4] = '\xff';
  return {
      {"empty", "", ErrorCode::kFormat, "empty input"},
      {"invalid UTF-8 JSON", raw_json, ErrorCode::kFormat,
       "ill-formed UTF-8 byte; last read: '\"reg:\\xff"},
      {"invalid UTF-8 UBJSON", raw_ubjson, ErrorCode::kUnsupported, "the objective \"reg:\\xff\""},
      {"text", "hello", ErrorCode::kFormat, "expected a JSON or UBJSON document"},
      {"legacy binary", "binf\x01\x02", ErrorCode::kUnsupported, "legacy binary format"},
      {"truncated JSON", std::string(kModel).substr(0, 300), ErrorCode::kFormat, "not valid JSON"},
      {"trailing bytes", std::string(kModel) + "x", ErrorCode::kFormat, "not valid JSON"},
      {"truncated UBJSON", ubj.substr(0, ubj.size() / 2), ErrorCode::kFormat, "not valid UBJSON"},
      {"deep JSON", deep_json, ErrorCode::kFormat, "nested deeper than"},
      {"deep UBJSON", deep_ubjson, ErrorCode::kFormat, "nested deeper than"},
      {"huge UBJSON count", huge_count, ErrorCode::kFormat, "not valid UBJSON"},
      {"no learner", "{\"version\": [3, 2, 0]}", ErrorCode::kFormat, "missing the field 'learner'"},
      {"float out of range", edit([](Json& j) { tree0(j)["split_conditions"][0] = 1e39; }),
       ErrorCode::kFormat, "float32"},
      {"gblinear", edit([](Json& j) { j["learner"]["gradient_booster"]["name"] = "gblinear"; }),
       ErrorCode::kUnsupported, "gblinear"},
      {"vector leaves", edit([](Json& j) { tree0(j)["tree_param"]["size_leaf_vector"] = "3"; }),
       ErrorCode::kUnsupported, "multi_output_tree"},
      {"survival:aft", edit([](Json& j) { j["learner"]["objective"]["name"] = "survival:aft"; }),
       ErrorCode::kUnsupported, "survival:aft"},
      {"unknown objective", edit([](Json& j) { j["learner"]["objective"]["name"] = "foo:bar"; }),
       ErrorCode::kUnsupported, "the objective \"foo:bar\""},
      {"short array", edit([](Json& j) { tree0(j)["left_children"].erase(4); }), ErrorCode::kFormat,
       "num_nodes"},
      {"child out of range", edit([](Json& j) { tree0(j)["right_children"][2] = 9; }),
       ErrorCode::kFormat, "child 9 is not a fresh node"},
      {"cycle", edit([](Json& j) { tree0(j)["left_children"][2] = 0; }), ErrorCode::kFormat,
       "child 0 is not a fresh node"},
      {"half leaf", edit([](Json& j) { tree0(j)["right_children"][1] = 3; }), ErrorCode::kFormat,
       "left child -1 (a leaf) but right child 3"},
      {"feature", edit([](Json& j) { tree0(j)["split_indices"][0] = 5; }), ErrorCode::kFormat,
       "splits on feature 5"},
      {"tree_info",
       edit([](Json& j) { j["learner"]["gradient_booster"]["model"]["tree_info"][1] = 3; }),
       ErrorCode::kFormat, "output group 3"},
      {"num_trees", edit([](Json& j) {
         j["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "5";
       }),
       ErrorCode::kFormat, "num_trees is 5"},
      {"base_score text",
       edit([](Json& j) { j["learner"]["learner_model_param"]["base_score"] = "[abc]"; }),
       ErrorCode::kFormat, "expected float32 numbers"},
      {"base_score count",
       edit([](Json& j) { j["learner"]["learner_model_param"]["base_score"] = "[1,2]"; }),
       ErrorCode::kFormat, "expected 1 or 1 values"},
      {"logistic base_score", edit([](Json& j) {
         j["learner"]["objective"]["name"] = "binary:logistic";
         j["learner"]["learner_model_param"]["base_score"] = "1.5";
       }),
       ErrorCode::kFormat, "in (0, 1)"},
      {"no category set", edit([](Json& j) { tree0(j)["categories_nodes"][0] = 0; }),
       ErrorCode::kFormat, "without a category set"},
      {"negative category", edit([](Json& j) { tree0(j)["categories"][0] = -1; }),
       ErrorCode::kFormat, "expected a category in 0 .. 2^24 - 1"},
      {"segment", edit([](Json& j) { tree0(j)["categories_sizes"][0] = 5; }), ErrorCode::kFormat,
       "outside the 2 categories"},
      {"split_type", edit([](Json& j) { tree0(j)["split_type"][0] = 7; }), ErrorCode::kFormat,
       "split_type 7"},
      {"string condition", edit([](Json& j) { tree0(j)["split_conditions"][0] = "0.5"; }),
       ErrorCode::kFormat, "expected a number, found string"},
      {"num_feature",
       edit([](Json& j) { j["learner"]["learner_model_param"]["num_feature"] = "x"; }),
       ErrorCode::kFormat, "num_feature: expected an integer"},
      {"feature names", edit([](Json& j) { j["learner"]["feature_names"] = {"a"}; }),
       ErrorCode::kFormat, "1 names for num_feature 2"},
      {"multiclass num_class",
       edit([](Json& j) { j["learner"]["objective"]["name"] = "multi:softprob"; }),
       ErrorCode::kFormat, "num_class: expected >= 2"},
      {"dart weights", edit([](Json& j) {
         Json booster = {{"name", "dart"},
                         {"gbtree", j["learner"]["gradient_booster"]},
                         {"weight_drop", {1.0}}};
         j["learner"]["gradient_booster"] = booster;
       }),
       ErrorCode::kFormat, "1 weight_drop values"},
  };
}

TEST(XgboostImport, MalformedAndUnsupportedInputsAreRefused) {
  for (const Bad& bad : bad_inputs()) {
    SCOPED_TRACE(bad.name);
    try {
      import_xgboost(bad.bytes);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), bad.code) << e.what();
      const std::string message = e.what();
      EXPECT_NE(message.find(bad.message), std::string::npos) << message;
      // Printable ASCII: the document's bytes are escaped, so Python can always decode it.
      for (const char c : message) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << message;
    }
  }
}

// Every prefix of the document, and random byte changes: an Error or a valid model, never a
// crash or another exception (run under ASan + UBSan in CI).
TEST(XgboostImport, TruncationsAndCorruptionsNeverCrash) {
  for (const std::string& document : {std::string(kModel), to_ubjson(model_json())}) {
    for (std::size_t size = 0; size < document.size(); ++size) {
      EXPECT_THROW(import_xgboost(document.substr(0, size)), Error) << "prefix " << size;
    }
    std::mt19937 rng(7);
    std::uniform_int_distribution<std::size_t> position(0, document.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int trial = 0; trial < 3000; ++trial) {
      std::string corrupted = document;
      for (int k = 0; k < 1 + trial % 3; ++k) {
        corrupted[position(rng)] = static_cast<char>(byte(rng));
      }
      try {
        const Model model = import_xgboost(corrupted);
        std::vector<double> X = {0.25, 1.0};
        if (ensemble(model).n_features == 2) raw_scores(model, X);
      } catch (const Error&) {
      }
    }
  }
}

// Models written by XGBoost 3.2.0 (tests/data/xgboost/make_models.py) with its margins for rows
// that hit every threshold, NaN, unseen, negative and huge categories: bit-equal raw scores.
std::string read_file(const std::string& name) {
  std::ifstream in(std::string(PITH_TEST_DATA_DIR) + "/xgboost/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test data " + name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<float> floats_from_bits(const Json& bits) {
  std::vector<float> values;
  for (const Json& b : bits) {
    const auto u = b.get<std::uint32_t>();
    float f;
    std::memcpy(&f, &u, sizeof f);
    values.push_back(f);
  }
  return values;
}

class XgboostFiles : public ::testing::TestWithParam<const char*> {};

TEST_P(XgboostFiles, RawScoresAreBitEqualToXgboostMargins) {
  const Json expected = Json::parse(read_file(std::string(GetParam()) + ".expected.json"));
  const std::vector<float> X = floats_from_bits(expected["X"]);
  const std::vector<float> margins = floats_from_bits(expected["margins"]);
  for (const char* format : {".json", ".ubj"}) {
    SCOPED_TRACE(format);
    const Model model = import_xgboost(read_file(GetParam() + std::string(format)));
    const TreeEnsembleModel& m = ensemble(model);
    const std::size_t rows = expected["rows"].get<std::size_t>();
    ASSERT_EQ(X.size(), rows * m.n_features);
    ASSERT_EQ(margins.size(), rows * m.n_outputs);
    std::vector<float> scores(margins.size());
    tree_ensemble_raw_scores<float>(m, {X.data(), rows, m.n_features}, scores.data(), 2);
    const std::vector<double> scores64 = raw_scores(model, {X.begin(), X.end()});
    for (std::size_t i = 0; i < margins.size(); ++i) {
      EXPECT_EQ(std::memcmp(&scores[i], &margins[i], sizeof(float)), 0)
          << "value " << i << ": " << scores[i] << " vs XGBoost " << margins[i];
      EXPECT_EQ(static_cast<float>(scores64[i]), margins[i]) << "value " << i;
    }
    // Corrupted real documents (typed UBJSON arrays, long JSON): an Error or a model, no crash.
    std::string document = read_file(GetParam() + std::string(format));
    std::mt19937 rng(11);
    std::uniform_int_distribution<std::size_t> position(0, document.size() - 1);
    for (int trial = 0; trial < 500; ++trial) {
      std::string corrupted = document;
      corrupted[position(rng)] = static_cast<char>(rng() & 0xff);
      try {
        const Model loaded = import_xgboost(corrupted);
        const std::size_t d = ensemble(loaded).n_features;
        if (d <= 1000) raw_scores(loaded, std::vector<double>(d, 0.5));
      } catch (const Error&) {
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Xgboost320, XgboostFiles,
                         ::testing::Values("multiclass_categorical", "dart_regression"));

}  // namespace
}  // namespace pith
