// import_xgboost(): an XGBoost JSON/UBJSON model -> TreeEnsembleModel. The mapping follows what
// XGBoost's CPU predictor does (src/predictor/predict_fn.h, src/common/categorical.h): float32
// features, `x < split_condition` goes left, missing values take default_left, the categories of
// a categorical split go right (all others, negative and out-of-range values left), float32 sums
// per output group in tree order starting from the base margin.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pith/error.h"
#include "pith/model.h"
#include "pith/trees.h"
#include "pith/xgboost_import.h"
#include "trees/xgboost_json.h"

namespace pith {
namespace {

using xgboost_json::fail;
using xgboost_json::Json;

// XGBoost's categories are bit positions below 2^24 (common/categorical.h, OutOfRangeCat).
constexpr std::int64_t kMaxCategory = std::int64_t{1} << 24;

[[noreturn]] void unsupported(const std::string& what) {
  fail(what + " is not supported", ErrorCode::kUnsupported);
}

std::string str(std::size_t value) { return std::to_string(value); }

// How an objective turns raw scores into predictions, and base_score into the base margin
// (its ProbToMargin).
enum class Link { kIdentity, kLogit, kLog };
struct Objective {
  TreeTransform transform = TreeTransform::kIdentity;
  Link link = Link::kIdentity;
  bool binary_classifier = false;
  bool multiclass = false;
};

Objective objective_of(const std::string& name) {
  Objective o;
  if (name == "reg:squarederror" || name == "reg:linear" || name == "reg:absoluteerror" ||
      name == "reg:pseudohubererror" || name == "reg:quantileerror" ||
      name == "reg:squaredlogerror" || name == "binary:logitraw" || name == "rank:pairwise" ||
      name == "rank:ndcg" || name == "rank:map") {
    return o;  // raw scores are the predictions; base_score is the margin itself
  }
  if (name == "reg:logistic" || name == "binary:logistic") {
    o.transform = TreeTransform::kSigmoid;
    o.link = Link::kLogit;
    o.binary_classifier = name == "binary:logistic";
    return o;
  }
  if (name == "multi:softprob" || name == "multi:softmax") {
    o.transform = TreeTransform::kSoftmax;
    o.multiclass = true;
    return o;
  }
  if (name == "count:poisson" || name == "reg:gamma" || name == "reg:tweedie" ||
      name == "survival:cox") {
    o.transform = TreeTransform::kExp;
    o.link = Link::kLog;
    return o;
  }
  if (name == "survival:aft") {
    unsupported("the objective survival:aft (interval predictions from a distribution)");
  }
  unsupported("the objective \"" + name +
              "\" (supported: reg:*, binary:logistic, binary:logitraw, multi:softprob, "
              "multi:softmax, count:poisson, reg:gamma, reg:tweedie, survival:cox, rank:*)");
}

// The base margin of each output, computed in float32 as XGBoost's ProbToMargin does.
std::vector<double> base_margin(const std::vector<float>& scores, Link link, std::size_t n_outputs,
                                const std::string& path) {
  if (scores.size() != 1 && scores.size() != n_outputs) {
    fail(path + ": expected 1 or " + str(n_outputs) + " values (one per output), found " +
         str(scores.size()));
  }
  std::vector<double> margins(n_outputs);
  for (std::size_t j = 0; j < n_outputs; ++j) {
    const float p = scores[scores.size() == 1 ? 0 : j];
    float m = p;
    if (link == Link::kLogit) {
      if (!(p > 0.0f && p < 1.0f))
        fail(path + ": expected values in (0, 1) for a logistic objective");
      m = -std::log(1.0f / p - 1.0f);
    } else if (link == Link::kLog) {
      if (!(p > 0.0f)) fail(path + ": expected values > 0 for a log-link objective");
      m = std::log(p);
    }
    if (!std::isfinite(m)) fail(path + ": the base margin is not finite");
    margins[j] = static_cast<double>(m);
  }
  return margins;
}

// The category sets of one tree: node -> [begin, end) in `values`.
struct TreeCategories {
  std::vector<std::int64_t> values;
  std::vector<std::int64_t> node_begin, node_end;  // per node; -1 if none
};

TreeCategories read_categories(const Json& tree, std::size_t n_nodes, const std::string& path) {
  TreeCategories c;
  c.node_begin.assign(n_nodes, -1);
  c.node_end.assign(n_nodes, -1);
  if (xgboost_json::find_member(tree, "categories_nodes", path) == nullptr) return c;
  using xgboost_json::integer_array;
  c.values = integer_array(tree, "categories", path);
  const auto nodes = integer_array(tree, "categories_nodes", path);
  const auto begins = integer_array(tree, "categories_segments", path);
  const auto sizes = integer_array(tree, "categories_sizes", path);
  if (begins.size() != nodes.size() || sizes.size() != nodes.size()) {
    fail(path + ": categories_nodes, categories_segments and categories_sizes have " +
         str(nodes.size()) + ", " + str(begins.size()) + " and " + str(sizes.size()) +
         " values; expected the same count");
  }
  const auto total = static_cast<std::int64_t>(c.values.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::int64_t node = nodes[i], begin = begins[i], size = sizes[i];
    if (node < 0 || node >= static_cast<std::int64_t>(n_nodes)) {
      fail(path + ".categories_nodes[" + str(i) + "]: node " + std::to_string(node) +
           " is outside the tree's " + str(n_nodes) + " nodes");
    }
    if (begin < 0 || size < 0 || begin > total || size > total - begin) {
      fail(path + ".categories_segments[" + str(i) + "]: the segment is outside the " +
           std::to_string(total) + " categories");
    }
    c.node_begin[static_cast<std::size_t>(node)] = begin;
    c.node_end[static_cast<std::size_t>(node)] = begin + size;
  }
  for (std::size_t i = 0; i < c.values.size(); ++i) {
    if (c.values[i] < 0 || c.values[i] >= kMaxCategory) {
      fail(path + ".categories[" + str(i) + "]: expected a category in 0 .. 2^24 - 1, found " +
           std::to_string(c.values[i]));
    }
  }
  return c;
}

void push_leaf(TreeEnsembleModel& m, float value) {
  m.left_child.push_back(-1);
  m.right_child.push_back(-1);
  m.feature.push_back(0);
  m.threshold.push_back(0.0);
  m.node_flags.push_back(0);
  m.leaf_values.push_back(static_cast<double>(value));
}

// Appends one XGBoost tree to the ensemble, its nodes renumbered breadth-first from the root
// (pruned, unreachable nodes are dropped). Leaf values are multiplied by `weight` in float32
// (dart), as XGBoost does.
void append_tree(const Json& tree, const std::string& path, std::size_t n_features, float weight,
                 TreeEnsembleModel& m) {
  using xgboost_json::find_member;
  using xgboost_json::float_array;
  using xgboost_json::integer_array;
  using xgboost_json::integer_value;
  using xgboost_json::member;
  const Json& param = member(tree, "tree_param", path);
  const std::int64_t leaf_vector =
      integer_value(member(param, "size_leaf_vector", path + ".tree_param"),
                    path + ".tree_param.size_leaf_vector");
  if (leaf_vector > 1) {
    unsupported(
        "a tree with vector leaves (multi_strategy=\"multi_output_tree\", size_leaf_vector " +
        std::to_string(leaf_vector) + ")");
  }
  const std::int64_t declared = integer_value(member(param, "num_nodes", path + ".tree_param"),
                                              path + ".tree_param.num_nodes");
  const auto left = integer_array(tree, "left_children", path);
  const auto right = integer_array(tree, "right_children", path);
  const auto split_feature = integer_array(tree, "split_indices", path);
  const auto condition = float_array(tree, "split_conditions", path);
  const auto default_left = integer_array(tree, "default_left", path);
  const Json* split_type_json = find_member(tree, "split_type", path);
  const std::size_t n = left.size();
  const auto split_type = split_type_json != nullptr
                              ? integer_array(*split_type_json, path + ".split_type")
                              : std::vector<std::int64_t>(n, 0);
  if (declared != static_cast<std::int64_t>(n) || n == 0 ||
      n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) || right.size() != n ||
      split_feature.size() != n || condition.size() != n || default_left.size() != n ||
      split_type.size() != n) {
    fail(path + ": tree_param.num_nodes is " + std::to_string(declared) +
         "; left_children, right_children, split_indices, split_conditions, default_left and "
         "split_type have " +
         str(n) + ", " + str(right.size()) + ", " + str(split_feature.size()) + ", " +
         str(condition.size()) + ", " + str(default_left.size()) + " and " +
         str(split_type.size()) + " values; expected num_nodes >= 1 values each");
  }
  const TreeCategories cats = read_categories(tree, n, path);

  std::vector<std::uint8_t> seen(n, 0);
  std::deque<std::size_t> queue{0};  // source nodes in breadth-first order
  seen[0] = 1;
  std::int32_t next = 1;  // the new index of the next node queued
  while (!queue.empty()) {
    const std::size_t u = queue.front();
    queue.pop_front();
    const std::string node = path + " node " + str(u);
    if (left[u] == -1) {
      if (right[u] != -1)
        fail(node + ": left child -1 (a leaf) but right child " + std::to_string(right[u]));
      push_leaf(m, weight * condition[u]);  // exact for gbtree's weight 1
      continue;
    }
    for (const std::int64_t child : {left[u], right[u]}) {
      if (child < 0 || child >= static_cast<std::int64_t>(n) ||
          seen[static_cast<std::size_t>(child)] != 0) {
        fail(node + ": child " + std::to_string(child) +
             " is not a fresh node of the tree (expected 1 .. " + str(n - 1) +
             ", each node reached once)");
      }
      seen[static_cast<std::size_t>(child)] = 1;
      queue.push_back(static_cast<std::size_t>(child));
    }
    if (split_feature[u] < 0 || split_feature[u] >= static_cast<std::int64_t>(n_features)) {
      fail(node + ": splits on feature " + std::to_string(split_feature[u]) + "; expected 0 .. " +
           str(n_features - 1) + " (num_feature " + str(n_features) + ")");
    }
    std::uint8_t flags = default_left[u] != 0 ? node_flag::kDefaultLeft : 0;
    double threshold = static_cast<double>(condition[u]);
    if (split_type[u] == 1) {  // categorical: the listed categories go right
      if (cats.node_begin[u] < 0) fail(node + ": a categorical split without a category set");
      flags |= node_flag::kCategorical;
      threshold = 0.0;
      std::vector<std::uint32_t> set(cats.values.begin() + cats.node_begin[u],
                                     cats.values.begin() + cats.node_end[u]);
      std::sort(set.begin(), set.end());
      set.erase(std::unique(set.begin(), set.end()), set.end());
      m.category_nodes.push_back(m.left_child.size());
      m.categories.insert(m.categories.end(), set.begin(), set.end());
      m.category_offsets.push_back(m.categories.size());
    } else if (split_type[u] != 0) {
      fail(node + ": split_type " + std::to_string(split_type[u]) +
           "; expected 0 (numerical) or 1 (categorical)");
    }
    m.left_child.push_back(next);
    m.right_child.push_back(next + 1);
    next += 2;
    m.feature.push_back(static_cast<std::uint32_t>(split_feature[u]));
    m.threshold.push_back(threshold);
    m.node_flags.push_back(flags);
    m.leaf_values.push_back(0.0);
  }
  m.tree_offsets.push_back(m.left_child.size());
}

// Where the trees are: gbtree's model, or dart's (with its per-tree weights).
struct Booster {
  const Json* model = nullptr;
  std::string path;
  bool dart = false;
  std::vector<float> weight_drop;
};

Booster read_booster(const Json& learner) {
  using xgboost_json::member;
  const Json& booster = member(learner, "gradient_booster", "learner");
  const std::string path = "learner.gradient_booster";
  const std::string name =
      xgboost_json::string_value(member(booster, "name", path), path + ".name");
  Booster b;
  if (name == "gbtree") {
    b.model = &member(booster, "model", path);
    b.path = path + ".model";
  } else if (name == "dart") {
    b.model = &member(member(booster, "gbtree", path), "model", path + ".gbtree");
    b.path = path + ".gbtree.model";
    b.dart = true;
    b.weight_drop = xgboost_json::float_array(booster, "weight_drop", path);
  } else if (name == "gblinear") {
    unsupported(
        "the gblinear booster (a linear model; pith imports the tree boosters gbtree and dart)");
  } else {
    unsupported("the booster \"" + name + "\" (expected gbtree or dart)");
  }
  return b;
}

// Features, outputs, classes, transform and base margins from learner_model_param and the
// objective.
void read_outputs(const Json& learner, TreeEnsembleModel& m) {
  using xgboost_json::integer_value;
  using xgboost_json::member;
  const std::string path = "learner.learner_model_param";
  const Json& param = member(learner, "learner_model_param", "learner");
  const std::int64_t num_feature =
      integer_value(member(param, "num_feature", path), path + ".num_feature");
  const std::int64_t num_class =
      integer_value(member(param, "num_class", path), path + ".num_class");
  const Json* num_target_json = xgboost_json::find_member(param, "num_target", path);
  const std::int64_t num_target =
      num_target_json != nullptr ? integer_value(*num_target_json, path + ".num_target") : 1;
  const std::string objective_name = xgboost_json::string_value(
      member(member(learner, "objective", "learner"), "name", "learner.objective"),
      "learner.objective.name");
  const Objective objective = objective_of(objective_name);
  if (num_feature < 1 || num_feature > std::numeric_limits<std::uint32_t>::max()) {
    fail(path + ".num_feature: expected 1 .. 2^32 - 1, found " + std::to_string(num_feature));
  }
  if (num_target < 1 || num_target > (1 << 20)) {
    fail(path + ".num_target: expected >= 1, found " + std::to_string(num_target));
  }
  if (num_target > 1 && (objective.binary_classifier || objective.multiclass)) {
    unsupported(objective_name + " with num_target " + std::to_string(num_target) +
                " (multi-label classification)");
  }
  m.n_features = static_cast<std::size_t>(num_feature);
  m.transform = objective.transform;
  if (objective.multiclass) {
    if (num_class < 2 || num_class > (1 << 20)) {
      fail(path + ".num_class: expected >= 2 for " + objective_name + ", found " +
           std::to_string(num_class));
    }
    m.n_outputs = static_cast<std::size_t>(num_class);
  } else {
    if (num_class > 1) {
      fail(path + ".num_class is " + std::to_string(num_class) + " but the objective " +
           objective_name + " is not multiclass");
    }
    m.n_outputs = static_cast<std::size_t>(num_target);
  }
  if (objective.binary_classifier || objective.multiclass) {
    // XGBoost's labels are 0 .. K - 1 (pith.from_xgboost puts an XGBClassifier's classes_).
    std::vector<std::int64_t> labels(objective.multiclass ? m.n_outputs : 2);
    for (std::size_t k = 0; k < labels.size(); ++k) labels[k] = static_cast<std::int64_t>(k);
    m.classes = std::move(labels);
  }
  const std::string base_score =
      xgboost_json::string_value(member(param, "base_score", path), path + ".base_score");
  m.base_score = base_margin(xgboost_json::float_list_string(base_score, path + ".base_score"),
                             objective.link, m.n_outputs, path + ".base_score");
}

void read_trees(const Booster& b, TreeEnsembleModel& m) {
  using xgboost_json::integer_value;
  using xgboost_json::member;
  const Json& trees = member(*b.model, "trees", b.path);
  if (!trees.is_array()) fail(b.path + ".trees: expected an array");
  const auto tree_info = xgboost_json::integer_array(*b.model, "tree_info", b.path);
  const std::size_t n_trees = trees.size();
  if (tree_info.size() != n_trees || (b.dart && b.weight_drop.size() != n_trees)) {
    fail(b.path + ": " + str(n_trees) + " trees but " + str(tree_info.size()) +
         " tree_info values" +
         (b.dart ? " and " + str(b.weight_drop.size()) + " weight_drop values" : "") +
         "; expected one per tree");
  }
  if (const Json* param = xgboost_json::find_member(*b.model, "gbtree_model_param", b.path)) {
    const std::string p = b.path + ".gbtree_model_param";
    const std::int64_t num_trees = integer_value(member(*param, "num_trees", p), p + ".num_trees");
    if (num_trees != static_cast<std::int64_t>(n_trees)) {
      fail(p + ".num_trees is " + std::to_string(num_trees) + " but the model has " + str(n_trees) +
           " trees");
    }
  }
  m.tree_offsets.push_back(0);
  m.category_offsets.push_back(0);
  for (std::size_t t = 0; t < n_trees; ++t) {
    if (tree_info[t] < 0 || tree_info[t] >= static_cast<std::int64_t>(m.n_outputs)) {
      fail(b.path + ".tree_info[" + str(t) + "]: output group " + std::to_string(tree_info[t]) +
           "; expected 0 .. " + str(m.n_outputs - 1));
    }
    m.tree_output.push_back(static_cast<std::uint32_t>(tree_info[t]));
    append_tree(trees[t], b.path + ".trees[" + str(t) + "]", m.n_features,
                b.dart ? b.weight_drop[t] : 1.0f, m);
  }
  if (n_trees == 0) {  // no boosting round: a zero leaf per output keeps the base margins exact
    for (std::size_t j = 0; j < m.n_outputs; ++j) {
      m.tree_output.push_back(static_cast<std::uint32_t>(j));
      push_leaf(m, 0.0f);
      m.tree_offsets.push_back(m.left_child.size());
    }
  }
}

std::vector<std::string> read_feature_names(const Json& learner, std::size_t n_features) {
  const Json* names = xgboost_json::find_member(learner, "feature_names", "learner");
  if (names == nullptr) return {};
  auto feature_names = xgboost_json::string_array(*names, "learner.feature_names");
  if (!feature_names.empty() && feature_names.size() != n_features) {
    fail("learner.feature_names: " + str(feature_names.size()) + " names for num_feature " +
         str(n_features));
  }
  return feature_names;
}

}  // namespace

Model import_xgboost(std::string_view bytes) {
  const Json document = xgboost_json::parse_document(bytes);
  const Json& learner = xgboost_json::member(document, "learner", "the document");
  const Booster booster = read_booster(learner);
  TreeEnsembleModel m;
  m.feature_precision = FeaturePrecision::kFloat32;
  m.comparison = SplitComparison::kLess;
  m.score_precision = ScorePrecision::kFloat32;
  read_outputs(learner, m);
  read_trees(booster, m);
  Model model;
  model.input.n_features = m.n_features;
  model.input.dtype = DType::kFloat32;
  model.input.feature_names = read_feature_names(learner, m.n_features);
  model.estimator = std::move(m);
  validate_model(model);
  return model;
}

}  // namespace pith
