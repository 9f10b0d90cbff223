// import_lightgbm(): LightGBM's text model -> pith::Model. The split rules are LightGBM 4.x's
// Tree::NumericalDecision and Tree::CategoricalDecision (include/LightGBM/tree.h), the output
// GBDT::Predict's: the raw scores, divided by the iteration count when average_output (boosting
// "rf"), then the objective's ConvertOutput.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pith/error.h"
#include "pith/lightgbm_import.h"
#include "pith/model.h"
#include "pith/trees.h"
#include "trees/lightgbm_text.h"

namespace pith {
namespace {

namespace lt = lightgbm_text;

constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
// decision_type: bit 0 categorical, bit 1 default left, bits 2-3 the missing type.
constexpr std::int64_t kCategoricalBit = 1;
constexpr std::int64_t kDefaultLeftBit = 2;
enum MissingType : std::int64_t { kMissingNone = 0, kMissingZero = 1, kMissingNaN = 2 };
// Category sets are bitsets of 32-bit words; LightGBM's categories are non-negative ints.
constexpr std::int64_t kMaxCategoryWords = (kInt32Max + 1LL) / 32;

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string quoted(std::string_view text) {
  std::string out(1, '"');
  out.append(text.substr(0, 60));
  out.push_back('"');
  return out;
}

// What the objective does to the raw scores, and the classes it predicts (0 for a regressor).
struct Output {
  TreeTransform transform = TreeTransform::kIdentity;
  double sigmoid_alpha = 1.0;
  std::size_t n_classes = 0;
};

// The `objective=` line: a name and `key:value` parameters (LightGBM's ObjectiveFunction::
// ToString); every parameter must be understood, so that none silently changes the output.
Output parse_objective(const lt::Fields& header, std::size_t num_class, std::size_t per_iteration) {
  if (!header.has("objective")) {
    lt::unsupported(
        "no `objective=` line: the model was trained with a custom objective, whose output "
        "transform pith cannot know");
  }
  const lt::Field& field = header.get("objective", "header");
  const std::string at = lt::where(field, "objective");
  const auto words = lt::tokens(field.value);
  if (words.empty()) lt::fail(at + ": expected an objective name");
  const std::string name(words[0]);
  std::map<std::string, std::string, std::less<>> params;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const std::size_t colon = words[i].find(':');
    params[std::string(words[i].substr(0, colon))] =
        colon == std::string_view::npos ? "" : std::string(words[i].substr(colon + 1));
  }
  auto take = [&](const std::string& key) {
    const auto it = params.find(key);
    if (it == params.end()) lt::fail(at + ": objective " + name + " without `" + key + ":`");
    std::string value = it->second;
    params.erase(it);
    return value;
  };
  auto sigmoid = [&] {
    const double alpha = lt::parse_double(take("sigmoid"), at + " sigmoid");
    if (!(std::isfinite(alpha) && alpha > 0)) lt::fail(at + ": expected sigmoid > 0");
    return alpha;
  };
  auto single_output = [&] {
    if (per_iteration != 1 || num_class != 1) {
      lt::fail(at + ": objective " + name +
               " has one output, but num_class=" + std::to_string(num_class) +
               " and num_tree_per_iteration=" + std::to_string(per_iteration));
    }
  };
  auto n_classes_param = [&] {
    const auto k =
        static_cast<std::size_t>(lt::parse_int(take("num_class"), 2, kInt32Max, at + " num_class"));
    if (k != num_class || k != per_iteration) {
      lt::fail(at + ": num_class:" + std::to_string(k) +
               " disagrees with num_class=" + std::to_string(num_class) +
               " or num_tree_per_iteration=" + std::to_string(per_iteration));
    }
    return k;
  };

  Output out;
  if (name == "regression" || name == "regression_l1" || name == "huber" || name == "fair" ||
      name == "quantile" || name == "mape" || name == "lambdarank" || name == "rank_xendcg") {
    if (params.count("sqrt") != 0) {
      lt::unsupported("objective=" + name +
                      " sqrt (reg_sqrt=True): predictions are sign(s) * s^2, a transform pith "
                      "does not have");
    }
    single_output();
  } else if (name == "binary") {
    single_output();
    out = {TreeTransform::kSigmoid, sigmoid(), 2};
  } else if (name == "multiclass") {
    out = {TreeTransform::kSoftmax, 1.0, n_classes_param()};
  } else if (name == "multiclassova") {
    const std::size_t k = n_classes_param();
    out = {TreeTransform::kSigmoid, sigmoid(), k};
  } else if (name == "poisson" || name == "gamma" || name == "tweedie") {
    single_output();
    out.transform = TreeTransform::kExp;
  } else if (name == "cross_entropy") {
    single_output();
    out.transform = TreeTransform::kSigmoid;
  } else if (name == "cross_entropy_lambda") {
    lt::unsupported(
        "objective=cross_entropy_lambda: its output transform log(1 + exp(s)) is not "
        "one pith has");
  } else {
    lt::unsupported("objective=" + name +
                    " is not supported (pith imports regression, regression_l1, huber, fair, "
                    "quantile, mape, poisson, gamma, tweedie, binary, multiclass, multiclassova, "
                    "cross_entropy, lambdarank and rank_xendcg)");
  }
  if (!params.empty()) {
    lt::unsupported("objective=" + name + ": unknown parameter `" + params.begin()->first + "`");
  }
  return out;
}

// The set of categorical split `node` (global index): the bits of words [begin, end).
void add_category_set(TreeEnsembleModel& m, std::size_t node, const std::vector<std::int64_t>& bits,
                      std::int64_t begin, std::int64_t end) {
  m.category_nodes.push_back(node);
  for (std::int64_t w = begin; w < end; ++w) {
    const auto word = static_cast<std::uint32_t>(bits[static_cast<std::size_t>(w)]);
    for (std::uint32_t b = 0; b < 32; ++b) {
      if ((word >> b) & 1u) m.categories.push_back(static_cast<std::uint32_t>(w - begin) * 32 + b);
    }
  }
  m.category_offsets.push_back(m.categories.size());
}

// Appends LightGBM tree `index` (its `key=value` block) to m: internal nodes first, in
// LightGBM's order (the root is node 0), then the leaves (LightGBM's child ~j is leaf j).
void add_tree(TreeEnsembleModel& m, const lt::Fields& f, std::size_t index) {
  const std::string what = "tree " + std::to_string(index);
  auto field = [&](const char* key) -> const lt::Field& { return f.get(key, what); };
  auto where = [&](const char* key) { return what + ", " + lt::where(field(key), key); };
  if (f.has("is_linear") &&
      lt::parse_int(field("is_linear").value, 0, 1, where("is_linear")) != 0) {
    lt::unsupported(what +
                    " is a linear tree (linear_tree=True): pith imports trees with "
                    "constant leaves only");
  }
  const std::int64_t n_leaves =
      lt::parse_int(field("num_leaves").value, 1, kInt32Max / 2, where("num_leaves"));
  const auto n_splits = static_cast<std::size_t>(n_leaves - 1);
  const std::int64_t n_cat =
      lt::parse_int(field("num_cat").value, 0, n_leaves - 1, where("num_cat"));
  const auto leaf_value = lt::double_array(field("leaf_value"), where("leaf_value"),
                                           static_cast<std::size_t>(n_leaves));
  const std::size_t base = m.left_child.size();
  const std::size_t n_nodes = n_splits + static_cast<std::size_t>(n_leaves);
  m.tree_output.push_back(static_cast<std::uint32_t>(index % m.n_outputs));
  m.left_child.resize(base + n_nodes, -1);
  m.right_child.resize(base + n_nodes, -1);
  m.feature.resize(base + n_nodes, 0);
  m.threshold.resize(base + n_nodes, 0.0);
  m.node_flags.resize(base + n_nodes, 0);
  m.leaf_values.resize(base + n_nodes, 0.0);
  for (std::size_t j = 0; j < leaf_value.size(); ++j)
    m.leaf_values[base + n_splits + j] = leaf_value[j];
  m.tree_offsets.push_back(base + n_nodes);
  if (n_splits == 0) return;

  const auto max_feature = static_cast<std::int64_t>(m.n_features) - 1;
  const auto feature =
      lt::int_array(field("split_feature"), where("split_feature"), n_splits, 0, max_feature);
  const auto threshold = lt::double_array(field("threshold"), where("threshold"), n_splits);
  const auto decision =
      lt::int_array(field("decision_type"), where("decision_type"), n_splits, 0, 15);
  const std::int64_t last_split = n_leaves - 2;
  const auto left =
      lt::int_array(field("left_child"), where("left_child"), n_splits, -n_leaves, last_split);
  const auto right =
      lt::int_array(field("right_child"), where("right_child"), n_splits, -n_leaves, last_split);
  std::vector<std::int64_t> cat_boundaries, cat_bits;
  // LightGBM gives every categorical split its own set; one set per split also keeps the
  // expanded category lists as small as the text.
  std::vector<std::uint8_t> set_used(static_cast<std::size_t>(n_cat), 0);
  if (n_cat > 0) {
    cat_boundaries = lt::int_array(field("cat_boundaries"), where("cat_boundaries"),
                                   static_cast<std::size_t>(n_cat) + 1, 0, kInt32Max);
    for (std::size_t c = 0; c < cat_boundaries.size(); ++c) {
      const bool ok = c == 0 ? cat_boundaries[0] == 0
                             : cat_boundaries[c - 1] <= cat_boundaries[c] &&
                                   cat_boundaries[c] - cat_boundaries[c - 1] <= kMaxCategoryWords;
      if (!ok) lt::fail(where("cat_boundaries") + ": expected 0, then non-decreasing offsets");
    }
    cat_bits = lt::int_array(field("cat_threshold"), where("cat_threshold"),
                             static_cast<std::size_t>(cat_boundaries.back()), 0,
                             std::numeric_limits<std::uint32_t>::max());
  }
  auto child = [&](std::int64_t c) {  // LightGBM child -> index within the pith tree
    return static_cast<std::int32_t>(c >= 0 ? c : static_cast<std::int64_t>(n_splits) + ~c);
  };
  for (std::size_t i = 0; i < n_splits; ++i) {
    const std::size_t node = base + i;
    m.left_child[node] = child(left[i]);
    m.right_child[node] = child(right[i]);
    m.feature[node] = static_cast<std::uint32_t>(feature[i]);
    const std::int64_t type = decision[i];
    const std::string at = what + " node " + std::to_string(i);
    if ((type & kCategoricalBit) != 0) {
      // static_cast<int>(x) looked up in the bitset: (-1, 0) is category 0, other negatives,
      // NaN and values past the set go right (LightGBM ignores the default-left bit here).
      const double t = threshold[i];
      if (!(t >= 0 && t < static_cast<double>(n_cat) && t == std::floor(t))) {
        lt::fail(at + ": categorical threshold " + std::to_string(t) +
                 " is not a category-set index in 0 .. num_cat - 1");
      }
      const auto s = static_cast<std::size_t>(t);
      if (set_used[s]++ != 0) lt::fail(at + ": category set " + std::to_string(s) + " is reused");
      add_category_set(m, node, cat_bits, cat_boundaries[s], cat_boundaries[s + 1]);
      m.node_flags[node] =
          node_flag::kCategorical | node_flag::kCategoriesGoLeft | node_flag::kTruncateNegative;
      continue;
    }
    m.threshold[node] = threshold[i];
    const bool default_left = (type & kDefaultLeftBit) != 0;
    switch ((type >> 2) & 3) {
      case kMissingNone:  // NaN is compared as 0.0
        m.node_flags[node] = 0.0 <= threshold[i] ? node_flag::kDefaultLeft : 0;
        break;
      case kMissingZero:  // NaN is turned into 0.0, which is missing
        m.node_flags[node] =
            node_flag::kZeroIsMissing | (default_left ? node_flag::kDefaultLeft : 0);
        break;
      case kMissingNaN:
        m.node_flags[node] = default_left ? node_flag::kDefaultLeft : 0;
        break;
      default:
        lt::fail(at + ": decision_type " + std::to_string(type) + " has missing type 3");
    }
  }
}

// The header: everything before the first tree.
struct Header {
  std::size_t num_class = 1;
  std::size_t per_iteration = 1;
  std::size_t n_features = 0;
  bool average_output = false;
  std::vector<std::string> feature_names;
  std::string version;
};

Header parse_header(const lt::Fields& f) {
  Header h;
  auto int_field = [&](const char* key, std::int64_t min, std::int64_t max) {
    const lt::Field& field = f.get(key, "header");
    return static_cast<std::size_t>(lt::parse_int(field.value, min, max, lt::where(field, key)));
  };
  if (f.has("version")) {
    h.version = f.get("version", "header").value;
    if (h.version != "v2" && h.version != "v3" && h.version != "v4") {
      lt::unsupported("version=" + h.version + ": pith reads LightGBM text models v2 to v4");
    }
  }
  h.num_class = int_field("num_class", 1, kInt32Max);
  h.per_iteration = f.has("num_tree_per_iteration")
                        ? int_field("num_tree_per_iteration", 1, kInt32Max)
                        : h.num_class;
  h.n_features = int_field("max_feature_idx", 0, kInt32Max - 1) + 1;
  h.average_output = f.has("average_output");
  const lt::Field& names = f.get("feature_names", "header");
  const auto words = lt::tokens(names.value);
  if (words.size() != h.n_features) {
    lt::fail(lt::where(names, "feature_names") + ": expected max_feature_idx + 1 = " +
             std::to_string(h.n_features) + " names, found " + std::to_string(words.size()));
  }
  bool defaults = true;  // LightGBM names unnamed features Column_0, Column_1, ...
  for (std::size_t i = 0; i < words.size(); ++i) {
    defaults = defaults && words[i] == "Column_" + std::to_string(i);
    h.feature_names.emplace_back(words[i]);
  }
  if (defaults) h.feature_names.clear();
  return h;
}

// Rounds out an ensemble of K outputs for GBDT::Predict's rules (see the file comment).
void set_output(TreeEnsembleModel& m, const Output& out, bool average_output) {
  m.transform = out.transform;
  m.sigmoid_alpha = out.sigmoid_alpha;
  if (out.n_classes > 0) {
    std::vector<std::int64_t> labels(out.n_classes);
    for (std::size_t k = 0; k < labels.size(); ++k) labels[k] = static_cast<std::int64_t>(k);
    m.classes = std::move(labels);
  }
  if (!average_output) return;
  // Random forest: transform(s / n) with n the iterations. pith averages only without another
  // transform, so: identity -> average (exact); sigmoid(a * (s / n)) -> alpha a / n (one
  // rounding apart); softmax, exp -> leaf values divided by n (a few roundings apart).
  const double n = static_cast<double>(m.n_trees() / m.n_outputs);
  switch (out.transform) {
    case TreeTransform::kIdentity:
      m.transform = TreeTransform::kAverage;
      break;
    case TreeTransform::kSigmoid:
      m.sigmoid_alpha = out.sigmoid_alpha / n;
      break;
    default:
      for (double& v : m.leaf_values) v /= n;
      break;
  }
}

}  // namespace

Model import_lightgbm(std::string_view text) {
  lt::LineReader reader(text);
  lt::Line line;
  if (!reader.next_nonempty(line) || line.text != "tree") {
    lt::fail("line " + std::to_string(reader.line_number()) +
             ": expected \"tree\", the first line of a LightGBM text model, found " +
             (line.number == 0 ? std::string("no text") : quoted(line.text)));
  }
  lt::Fields header_fields;
  bool more = reader.next_nonempty(line);
  for (; more && !starts_with(line.text, "Tree="); more = reader.next_nonempty(line)) {
    if (line.text == "end of trees") lt::fail("line " + std::to_string(line.number) + ": no trees");
    header_fields.add(line);
  }
  // All of the text is read before anything is interpreted, so that a truncated text is
  // reported as such (kFormat), not as whatever its cut-off last line seems to say.
  std::vector<lt::Fields> tree_blocks;
  for (;;) {
    const std::size_t n = tree_blocks.size();
    if (!more) {
      lt::fail("the text ends after " + std::to_string(n) +
               " trees without `end of trees` (truncated?)");
    }
    if (line.text == "end of trees") break;
    const std::string at = "line " + std::to_string(line.number);
    if (!starts_with(line.text, "Tree=")) {
      lt::fail(at + ": expected `Tree=" + std::to_string(n) + "` or `end of trees`, found " +
               quoted(line.text));
    }
    const auto index = lt::parse_int(line.text.substr(5), 0, kInt32Max, at + " (Tree)");
    if (static_cast<std::size_t>(index) != n) {
      lt::fail(at + ": expected Tree=" + std::to_string(n) +
               ", found Tree=" + std::to_string(index));
    }
    lt::Fields& fields = tree_blocks.emplace_back();
    while (reader.next(line) && !line.text.empty()) fields.add(line);
    more = reader.next_nonempty(line);
  }

  const Header h = parse_header(header_fields);
  const Output out = parse_objective(header_fields, h.num_class, h.per_iteration);
  TreeEnsembleModel m;
  m.n_features = h.n_features;
  m.n_outputs = h.per_iteration;
  m.feature_precision = FeaturePrecision::kFloat64;
  m.comparison = SplitComparison::kLessEqual;
  m.score_precision = ScorePrecision::kFloat64;
  m.tree_offsets.push_back(0);
  m.category_offsets.push_back(0);
  const std::size_t n_trees = tree_blocks.size();
  for (std::size_t t = 0; t < n_trees; ++t) add_tree(m, tree_blocks[t], t);
  if (n_trees == 0) lt::fail("no trees before `end of trees`");
  if (n_trees % m.n_outputs != 0) {
    lt::fail(std::to_string(n_trees) + " trees is not a whole number of iterations of " +
             "num_tree_per_iteration=" + std::to_string(m.n_outputs) + " trees");
  }
  if (header_fields.has("tree_sizes")) {
    const lt::Field& sizes = header_fields.get("tree_sizes", "header");
    const std::size_t listed = lt::tokens(sizes.value).size();
    if (listed != n_trees) {
      lt::fail(lt::where(sizes, "tree_sizes") + " lists " + std::to_string(listed) +
               " trees, but the text holds " + std::to_string(n_trees));
    }
  }
  m.base_score.assign(m.n_outputs, 0.0);  // LightGBM's initial score is in the first trees
  set_output(m, out, h.average_output);

  Model model;
  model.input.n_features = h.n_features;
  model.input.dtype = DType::kFloat64;
  model.input.feature_names = h.feature_names;
  model.producer = "LightGBM" + (h.version.empty() ? std::string() : " (model " + h.version + ")");
  model.estimator = std::move(m);
  try {
    validate_model(model);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kFormat) throw;
    lt::fail(std::string("the imported trees are inconsistent: ") + e.what());
  }
  return model;
}

}  // namespace pith
