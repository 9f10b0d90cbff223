// validate_tree_ensemble(): everything prediction relies on, checked once when a model is loaded
// or built, so the predictor can follow child links and index arrays without checks.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "pith/error.h"
#include "pith/trees.h"

namespace pith {
namespace {

[[noreturn]] void fail(const std::string& message) {
  throw Error(ErrorCode::kFormat, "tree_ensemble." + message);
}

std::string str(std::size_t value) { return std::to_string(value); }

template <class Vector>
void check_size(const Vector& values, std::size_t expected, const char* field, const char* what) {
  if (values.size() != expected) {
    fail(std::string(field) + ": expected " + what + " = " + str(expected) + " values, found " +
         str(values.size()));
  }
}

void check_outputs(const TreeEnsembleModel& m) {
  if (m.n_outputs < 1) fail("n_outputs: expected >= 1, found 0");
  if (m.leaf_width < 1 || m.leaf_width > m.n_outputs) {
    fail("leaf_width: expected 1 .. n_outputs = " + str(m.n_outputs) + ", found " +
         str(m.leaf_width));
  }
  check_size(m.base_score, m.n_outputs, "base_score", "n_outputs");
  for (std::size_t j = 0; j < m.base_score.size(); ++j) {
    if (!std::isfinite(m.base_score[j])) fail("base_score[" + str(j) + "]: expected finite");
  }
  if (m.transform == TreeTransform::kSigmoid &&
      !(std::isfinite(m.sigmoid_alpha) && m.sigmoid_alpha > 0)) {
    fail("sigmoid_alpha: expected a finite value > 0");
  }
  if (!m.is_classifier()) {
    if (m.transform == TreeTransform::kSoftmax) {
      fail("transform: softmax needs class labels (a classifier); this ensemble has none");
    }
    return;
  }
  validate_classes(m.classes, "tree_ensemble.classes");
  const std::size_t k = m.n_classes();
  const bool binary_score = k == 2 && m.n_outputs == 1 && m.transform == TreeTransform::kSigmoid;
  if (!binary_score && m.n_outputs != k) {
    fail("n_outputs: a classifier of " + str(k) +
         " classes needs one raw score per class (or one, with a sigmoid, for two classes); "
         "found " +
         str(m.n_outputs));
  }
  if (m.transform == TreeTransform::kExp) fail("transform: exp is not a classifier's transform");
}

void check_trees(const TreeEnsembleModel& m) {
  const std::size_t n_trees = m.tree_output.size();
  if (n_trees < 1) fail("tree_output: expected >= 1 tree, found none");
  check_size(m.tree_offsets, n_trees + 1, "tree_offsets", "n_trees + 1");
  if (m.tree_offsets[0] != 0) fail("tree_offsets[0]: expected 0");
  for (std::size_t t = 0; t < n_trees; ++t) {
    if (!(m.tree_offsets[t] < m.tree_offsets[t + 1])) {
      fail("tree_offsets[" + str(t + 1) + "]: expected > tree_offsets[" + str(t) +
           "] (every tree has a node)");
    }
    if (m.tree_output[t] > m.n_outputs - m.leaf_width) {
      fail("tree_output[" + str(t) + "]: expected <= n_outputs - leaf_width = " +
           str(m.n_outputs - m.leaf_width) + ", found " + str(m.tree_output[t]));
    }
  }
  const std::size_t n = m.left_child.size();
  if (m.tree_offsets.back() != n) {
    fail("tree_offsets[" + str(n_trees) + "]: expected the node count " + str(n) + ", found " +
         str(m.tree_offsets.back()));
  }
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    fail("left_child: more than 2^31 - 1 nodes");
  }
  check_size(m.right_child, n, "right_child", "n_nodes");
  check_size(m.feature, n, "feature", "n_nodes");
  check_size(m.threshold, n, "threshold", "n_nodes");
  check_size(m.node_flags, n, "node_flags", "n_nodes");
  if (m.leaf_width > std::numeric_limits<std::size_t>::max() / n) fail("leaf_values: overflow");
  check_size(m.leaf_values, n * m.leaf_width, "leaf_values", "n_nodes * leaf_width");
}

// Every tree is a binary tree: each node reached from the root exactly once.
void check_links(const TreeEnsembleModel& m) {
  std::vector<std::uint8_t> seen;
  std::vector<std::int32_t> stack;
  for (std::size_t t = 0; t < m.n_trees(); ++t) {
    const std::size_t begin = m.tree_offsets[t];
    const auto size = static_cast<std::int64_t>(m.tree_offsets[t + 1] - begin);
    seen.assign(static_cast<std::size_t>(size), 0);
    stack.assign(1, 0);
    std::int64_t visited = 0;
    while (!stack.empty()) {
      const std::int32_t local = stack.back();
      stack.pop_back();
      const std::size_t i = begin + static_cast<std::size_t>(local);
      const std::string where = "tree " + str(t) + " node " + str(static_cast<std::size_t>(local));
      if (seen[static_cast<std::size_t>(local)] != 0) {
        fail("left_child/right_child: " + where + " is reached twice; expected a tree");
      }
      seen[static_cast<std::size_t>(local)] = 1;
      ++visited;
      const std::int32_t left = m.left_child[i];
      const std::int32_t right = m.right_child[i];
      if (left == -1 && right == -1) {
        if (m.node_flags[i] != 0) fail("node_flags: " + where + " is a leaf with split flags");
        for (std::size_t j = 0; j < m.leaf_width; ++j) {
          if (!std::isfinite(m.leaf_values[i * m.leaf_width + j])) {
            fail("leaf_values: " + where + " has a non-finite value");
          }
        }
        continue;
      }
      for (const std::int32_t child : {left, right}) {
        if (child < 0 || child >= size) {
          fail("left_child/right_child: " + where + " has child " + std::to_string(child) +
               "; expected both in 0 .. " + std::to_string(size - 1) + ", or both -1 (a leaf)");
        }
        stack.push_back(child);
      }
      if (m.feature[i] >= m.n_features) {
        fail("feature: " + where + " splits on feature " + str(m.feature[i]) +
             "; expected < n_features = " + str(m.n_features));
      }
      const std::uint8_t flags = m.node_flags[i];
      if ((flags & ~node_flag::kAll) != 0) fail("node_flags: " + where + " has unknown bits");
      const bool categorical = (flags & node_flag::kCategorical) != 0;
      constexpr std::uint8_t kCategoryFlags =
          node_flag::kCategoriesGoLeft | node_flag::kTruncateNegative | node_flag::kWholeCategories;
      if (!categorical && (flags & kCategoryFlags) != 0) {
        fail("node_flags: " + where + " has categorical flags on a numerical split");
      }
      if (std::isnan(m.threshold[i])) fail("threshold: " + where + " is NaN");
    }
    if (visited != size) {
      fail("left_child/right_child: tree " + str(t) + " has " +
           str(static_cast<std::size_t>(size)) + " nodes but only " +
           str(static_cast<std::size_t>(visited)) + " are reachable from its root");
    }
  }
}

void check_categories(const TreeEnsembleModel& m) {
  const std::size_t count = m.category_nodes.size();
  check_size(m.category_offsets, count + 1, "category_offsets", "category_nodes + 1");
  if (m.category_offsets[0] != 0) fail("category_offsets[0]: expected 0");
  if (m.category_offsets.back() != m.categories.size()) {
    fail("category_offsets: expected to end at the category count " + str(m.categories.size()));
  }
  std::size_t n_categorical = 0;
  for (const std::uint8_t flags : m.node_flags) {
    n_categorical += (flags & node_flag::kCategorical) != 0 ? 1 : 0;
  }
  if (n_categorical != count) {
    fail("category_nodes: " + str(count) + " sets for " + str(n_categorical) +
         " categorical splits; expected one set per categorical split");
  }
  for (std::size_t s = 0; s < count; ++s) {
    const std::uint64_t node = m.category_nodes[s];
    if (node >= m.node_flags.size() || (m.node_flags[node] & node_flag::kCategorical) == 0 ||
        (s > 0 && node <= m.category_nodes[s - 1])) {
      fail("category_nodes[" + str(s) + "]: expected ascending categorical split nodes");
    }
    const std::uint64_t begin = m.category_offsets[s];
    const std::uint64_t end = m.category_offsets[s + 1];
    if (begin > end || end > m.categories.size()) {
      fail("category_offsets[" + str(s + 1) + "]: expected non-decreasing offsets");
    }
    for (std::uint64_t c = begin + 1; c < end; ++c) {
      if (!(m.categories[c - 1] < m.categories[c])) {
        fail("categories: the set of node " + str(node) + " is not ascending and unique");
      }
    }
  }
}

}  // namespace

void validate_tree_ensemble(const TreeEnsembleModel& m) {
  if (m.n_features < 1) fail("n_features: expected >= 1, found 0");
  check_outputs(m);
  check_trees(m);
  check_links(m);
  check_categories(m);
}

TreeEnsembleStats tree_ensemble_stats(const TreeEnsembleModel& m) {
  TreeEnsembleStats stats;
  std::vector<std::size_t> depth;
  for (std::size_t t = 0; t < m.n_trees(); ++t) {
    const std::size_t begin = m.tree_offsets[t];
    depth.assign(m.tree_offsets[t + 1] - begin, 0);
    // Children may precede their parent in the arrays: walk from the root.
    std::vector<std::size_t> stack{0};
    while (!stack.empty()) {
      const std::size_t local = stack.back();
      stack.pop_back();
      const std::size_t i = begin + local;
      if (m.left_child[i] < 0) {
        ++stats.n_leaves;
        stats.max_depth = std::max(stats.max_depth, depth[local]);
        continue;
      }
      if ((m.node_flags[i] & node_flag::kCategorical) != 0) ++stats.n_categorical_splits;
      for (const std::int32_t child : {m.left_child[i], m.right_child[i]}) {
        depth[static_cast<std::size_t>(child)] = depth[local] + 1;
        stack.push_back(static_cast<std::size_t>(child));
      }
    }
  }
  return stats;
}

const char* to_string(FeaturePrecision value) {
  return value == FeaturePrecision::kFloat32 ? "float32" : "float64";
}
const char* to_string(SplitComparison value) {
  return value == SplitComparison::kLess ? "<" : "<=";
}
const char* to_string(ScorePrecision value) {
  return value == ScorePrecision::kFloat32 ? "float32" : "float64";
}
const char* to_string(TreeTransform value) {
  switch (value) {
    case TreeTransform::kIdentity:
      return "identity";
    case TreeTransform::kAverage:
      return "average";
    case TreeTransform::kSigmoid:
      return "sigmoid";
    case TreeTransform::kSoftmax:
      return "softmax";
    case TreeTransform::kExp:
      return "exp";
  }
  return "unknown";
}

std::size_t tree_ensemble_prediction_width(const TreeEnsembleModel& m) {
  return m.is_classifier() ? m.n_classes() : m.n_outputs;
}

}  // namespace pith
