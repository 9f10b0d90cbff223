// Lowering of tree ensembles: the node tables (see TreeTables for the layout) and the routines,
// whose tails compute what pith's native transform_row does, in the same order of operations.
#include "wasm/trees.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "pith/error.h"
#include "trees/thresholds.h"

namespace pith::wasm {
namespace {

// Categories up to this value are stored as bitsets (LightGBM's own limit is far below).
constexpr std::uint32_t kMaxCategory = (1u << 20) - 1;

void put_u32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t v) {
  std::memcpy(out.data() + at, &v, 4);
}
void put_f32(std::vector<std::uint8_t>& out, std::size_t at, float v) {
  std::memcpy(out.data() + at, &v, 4);
}
void put_f64(std::vector<std::uint8_t>& out, std::size_t at, double v) {
  std::memcpy(out.data() + at, &v, 8);
}

std::size_t align8(std::size_t n) { return (n + 7) / 8 * 8; }

[[noreturn]] void too_large(const std::string& what) {
  throw Error(ErrorCode::kUnsupported, "tree ensemble too large for a wasm32 module: " + what);
}

// Every tree's nodes in breadth-first order, so that a right child follows its left sibling.
struct Ordered {
  std::size_t src;    // the node's source index
  std::size_t left;   // its left child's position in the order (split nodes)
  std::size_t level;  // edges from its root
};

std::vector<Ordered> breadth_first(const TreeEnsembleModel& m) {
  std::vector<Ordered> order;
  order.reserve(m.n_nodes());
  std::deque<std::size_t> queue;  // positions in `order` whose children are not placed yet
  for (std::size_t t = 0; t < m.n_trees(); ++t) {
    const std::size_t begin = m.tree_offsets[t];
    order.push_back({begin, 0, 0});
    queue.push_back(order.size() - 1);
    while (!queue.empty()) {
      const std::size_t i = queue.front();
      queue.pop_front();
      const std::size_t src = order[i].src;
      if (m.left_child[src] < 0) continue;
      order[i].left = order.size();
      const std::size_t level = order[i].level + 1;
      order.push_back({begin + static_cast<std::size_t>(m.left_child[src]), 0, level});
      queue.push_back(order.size() - 1);
      order.push_back({begin + static_cast<std::size_t>(m.right_child[src]), 0, level});
      queue.push_back(order.size() - 1);
    }
  }
  return order;
}

}  // namespace

std::shared_ptr<const TreeTables> encode_trees(const TreeEnsembleModel& m, IoType io) {
  auto tables = std::make_shared<TreeTables>();
  TreeTables& t = *tables;
  t.n_trees = m.n_trees();
  t.n_nodes = m.n_nodes();
  t.n_outputs = m.n_outputs;
  t.leaf_width = m.leaf_width;
  t.compare_f32 = m.feature_precision == FeaturePrecision::kFloat32 || io == IoType::kF32;
  t.less = m.comparison == SplitComparison::kLess;
  t.sum_f32 = m.score_precision == ScorePrecision::kFloat32;
  t.inline_leaves = m.leaf_width == 1 && (t.sum_f32 || !t.compare_f32);
  t.tree_outputs = m.n_outputs > m.leaf_width;
  t.entry = t.tree_outputs ? 8 : 4;

  const std::vector<Ordered> order = breadth_first(m);
  std::vector<std::size_t> root(t.n_trees);
  for (std::size_t i = 0, tree = 0; i < order.size(); ++i) {
    if (tree < t.n_trees && order[i].src == m.tree_offsets[tree]) root[tree++] = i;
  }
  std::size_t max_distance = 1;
  // The leaf table: each distinct leaf (its values in the sums' precision) once, at the byte
  // offset leaf_offset[source node] (pure leaves of a forest repeat a lot).
  const std::size_t leaf_value = t.sum_f32 ? 4 : 8;
  std::vector<std::uint8_t> leaf_table;
  std::vector<std::uint32_t> leaf_offset(t.inline_leaves ? 0 : m.n_nodes(), 0);
  std::map<std::string, std::uint32_t> distinct;  // leaf bytes -> offset
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::size_t src = order[i].src;
    if (m.left_child[src] < 0) {
      if (t.inline_leaves) continue;
      std::string leaf(m.leaf_width * leaf_value, '\0');
      for (std::size_t j = 0; j < m.leaf_width; ++j) {
        const double v = m.leaf_values[src * m.leaf_width + j];
        const float f = static_cast<float>(v);
        std::memcpy(leaf.data() + j * leaf_value, t.sum_f32 ? static_cast<const void*>(&f) : &v,
                    leaf_value);
      }
      const auto [it, added] =
          distinct.emplace(std::move(leaf), static_cast<std::uint32_t>(leaf_table.size()));
      if (added) leaf_table.insert(leaf_table.end(), it->first.begin(), it->first.end());
      leaf_offset[src] = it->second;
      continue;
    }
    max_distance = std::max(max_distance, order[i].left - i);
    const std::uint8_t f = m.node_flags[src];
    ((f & node_flag::kDefaultLeft) != 0 ? t.any_default_left : t.any_default_right) = true;
    t.any_categorical = t.any_categorical || (f & node_flag::kCategorical) != 0;
    t.any_zero_is_missing = t.any_zero_is_missing || (f & node_flag::kZeroIsMissing) != 0;
  }
  const auto feature_bits =
      static_cast<std::uint32_t>(std::bit_width(std::max<std::size_t>(m.n_features, 2) - 1));
  t.child_bits = static_cast<std::uint32_t>(std::bit_width(max_distance));
  const std::uint32_t word_bits = 32 - record::kFlagBits;
  t.wide = t.child_bits + feature_bits > word_bits;
  if (feature_bits > word_bits) too_large(std::to_string(m.n_features) + " features");
  t.stride = t.value_size() + (t.wide ? 8 : 4);

  // Sections.
  const std::size_t nodes = align8(t.n_trees * t.entry);
  const std::size_t leaves = align8(nodes + t.n_nodes * t.stride);
  const std::size_t categories = align8(leaves + leaf_table.size());
  std::size_t category_bytes = 0;
  for (std::size_t s = 0; s < m.category_nodes.size(); ++s) {
    std::uint32_t top = 0;
    for (std::uint64_t c = m.category_offsets[s]; c < m.category_offsets[s + 1]; ++c) {
      top = std::max(top, m.categories[c] + 1);
    }
    if (top > kMaxCategory + 1) {
      throw Error(ErrorCode::kUnsupported,
                  "tree ensemble: category " + std::to_string(top - 1) + " of node " +
                      std::to_string(m.category_nodes[s]) + " is above " +
                      std::to_string(kMaxCategory) +
                      ", the largest a compiled module stores (as bitsets)");
    }
    category_bytes += 8 + (top + 31) / 32 * 4;
  }
  const std::size_t base = align8(categories + category_bytes);
  if (!t.any_categorical && !t.any_zero_is_missing) t.n_groups = t.n_trees / TreeTables::kGroup;
  const std::size_t group_depths = base + m.n_outputs * 8;
  const std::size_t total = group_depths + t.n_groups * 4;
  if (total > 0x7fff0000u) too_large(std::to_string(total) + " bytes of node tables");
  t.nodes_offset = static_cast<std::uint32_t>(nodes);
  t.leaves_offset = static_cast<std::uint32_t>(leaves);
  t.categories_offset = static_cast<std::uint32_t>(categories);
  t.base_offset = static_cast<std::uint32_t>(base);
  t.group_depths_offset = static_cast<std::uint32_t>(group_depths);
  t.bytes.assign(total, 0);

  // Tree table.
  for (std::size_t tree = 0; tree < t.n_trees; ++tree) {
    put_u32(t.bytes, tree * t.entry, static_cast<std::uint32_t>(root[tree] * t.stride));
    if (t.tree_outputs) put_u32(t.bytes, tree * t.entry + 4, m.tree_output[tree] * 8);
  }
  // Category sets, by source node.
  std::vector<std::uint32_t> set_at(m.category_nodes.empty() ? 0 : m.n_nodes(), 0);
  std::size_t at = categories;
  for (std::size_t s = 0; s < m.category_nodes.size(); ++s) {
    const std::size_t node = m.category_nodes[s];
    std::uint32_t top = 0;
    for (std::uint64_t c = m.category_offsets[s]; c < m.category_offsets[s + 1]; ++c) {
      top = std::max(top, m.categories[c] + 1);
    }
    const std::uint32_t words = (top + 31) / 32;
    const std::uint8_t f = m.node_flags[node];
    put_u32(t.bytes, at,
            ((f & node_flag::kCategoriesGoLeft) != 0 ? category_set::kGoLeft : 0) |
                ((f & node_flag::kTruncateNegative) != 0 ? category_set::kTruncateNegative : 0));
    put_u32(t.bytes, at + 4, words * 32);
    for (std::uint64_t c = m.category_offsets[s]; c < m.category_offsets[s + 1]; ++c) {
      const std::uint32_t v = m.categories[c];
      const std::size_t word_at = at + 8 + v / 32 * 4;
      std::uint32_t word = 0;
      std::memcpy(&word, t.bytes.data() + word_at, 4);
      put_u32(t.bytes, word_at, word | (1u << (v % 32)));
    }
    set_at[node] = static_cast<std::uint32_t>(at - categories);
    at += 8 + words * 4;
  }
  // Node records and leaves.
  std::copy(leaf_table.begin(), leaf_table.end(), t.bytes.begin() + static_cast<long>(leaves));
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::size_t src = order[i].src;
    const std::size_t rec = nodes + i * t.stride;
    const std::size_t word_at = rec + t.value_size();
    if (m.left_child[src] < 0) {
      const double* values = m.leaf_values.data() + src * m.leaf_width;
      if (t.inline_leaves) {
        const double v = t.sum_f32 ? static_cast<double>(static_cast<float>(values[0])) : values[0];
        if (t.compare_f32) {
          put_f32(t.bytes, rec, static_cast<float>(v));
        } else {
          put_f64(t.bytes, rec, v);
        }
        put_u32(t.bytes, word_at, record::kLeaf);
        continue;
      }
      put_u32(t.bytes, word_at, record::kLeaf);
      put_u32(t.bytes, rec, leaf_offset[src]);
      continue;
    }
    const std::uint8_t f = m.node_flags[src];
    const auto distance = static_cast<std::uint32_t>(order[i].left - i);
    const auto feature = static_cast<std::uint32_t>(m.feature[src]);
    std::uint32_t word = ((f & node_flag::kDefaultLeft) != 0 ? record::kDefaultLeft : 0) |
                         ((f & node_flag::kZeroIsMissing) != 0 ? record::kZeroIsMissing : 0) |
                         ((f & node_flag::kCategorical) != 0 ? record::kCategorical : 0);
    if (t.wide) {
      word |= feature << record::kFlagBits;
      put_u32(t.bytes, word_at + 4, distance);
    } else {
      word |= (distance << record::kFlagBits) | (feature << (record::kFlagBits + t.child_bits));
    }
    put_u32(t.bytes, word_at, word);
    if ((f & node_flag::kCategorical) != 0) {
      put_u32(t.bytes, rec, set_at[src]);  // the threshold's place holds the set's offset
    } else if (t.compare_f32) {
      put_f32(t.bytes, rec, detail::float_threshold(m.threshold[src], m.comparison));
    } else {
      put_f64(t.bytes, rec, m.threshold[src]);
    }
  }
  std::vector<std::size_t> depth(t.n_trees, 0);
  for (std::size_t i = 0, tree = 0; i < order.size(); ++i) {
    if (tree + 1 < t.n_trees && i == root[tree + 1]) ++tree;
    depth[tree] = std::max(depth[tree], order[i].level);
  }
  for (std::size_t g = 0; g < t.n_groups; ++g) {
    const auto first = depth.begin() + static_cast<std::ptrdiff_t>(g * TreeTables::kGroup);
    put_u32(t.bytes, group_depths + 4 * g,
            static_cast<std::uint32_t>(*std::max_element(first, first + TreeTables::kGroup)));
  }
  for (std::size_t j = 0; j < m.n_outputs; ++j) {
    const double b = m.base_score[j];
    t.base.push_back(t.sum_f32 ? static_cast<double>(static_cast<float>(b)) : b);
    put_f64(t.bytes, base + j * 8, t.base.back());
  }
  return tables;
}

namespace {

Op tree_op(OpKind kind, std::size_t in_width, std::size_t out_width) {
  Op op;
  op.kind = kind;
  op.in_width = in_width;
  op.out_width = out_width;
  return op;
}

Routine tree_routine(const char* name, std::size_t width, std::vector<Op> ops, bool index) {
  Routine r;
  r.name = name;
  r.width = width;
  r.ops = std::move(ops);
  r.index_output = index;
  r.class_index = index;
  return r;
}

// The ops of transform_row (src/trees/predict.cc) after the raw scores.
std::vector<Op> transform_ops(const TreeEnsembleModel& m) {
  const std::size_t k = m.n_outputs;
  switch (m.transform) {
    case TreeTransform::kIdentity:
      return {};
    case TreeTransform::kAverage: {
      Op divide = tree_op(OpKind::kDivide, k, k);
      std::vector<double> trees_per_output(k, 0.0);
      for (std::size_t t = 0; t < m.n_trees(); ++t) {
        for (std::size_t j = 0; j < m.leaf_width; ++j) trees_per_output[m.tree_output[t] + j] += 1;
      }
      divide.tables.push_back(Table{std::move(trees_per_output), 0});
      return {divide};
    }
    case TreeTransform::kExp:
      return {tree_op(OpKind::kExp, k, k)};
    case TreeTransform::kSigmoid: {
      Op logistic = tree_op(OpKind::kLogistic, k, k);
      logistic.lo = m.sigmoid_alpha;
      if (m.is_classifier() && k == 1) return {logistic, tree_op(OpKind::kProbabilityPair, 1, 2)};
      return {logistic};
    }
    case TreeTransform::kSoftmax:
      return {tree_op(OpKind::kSoftmax, k, k)};
  }
  return {};
}

}  // namespace

std::vector<Routine> lower_tree_ensemble(const TreeEnsembleModel& m, IoType io) {
  Op scores = tree_op(OpKind::kTreeEnsemble, m.n_features, m.n_outputs);
  scores.trees = encode_trees(m, io);
  std::vector<Op> values = {scores};
  for (Op& op : transform_ops(m)) values.push_back(std::move(op));
  if (!m.is_classifier()) return {tree_routine("predict", m.n_outputs, values, false)};
  const std::size_t k = m.n_classes();
  std::vector<Op> classes = values;
  classes.push_back(tree_op(OpKind::kArgMax, k, 1));
  std::vector<Routine> routines = {tree_routine("predict", 1, std::move(classes), true),
                                   tree_routine("predict_proba", k, values, false)};
  // As pith/predict.h: forests (averages, or a single tree's fractions) have no decision function.
  if (m.transform != TreeTransform::kAverage && m.transform != TreeTransform::kIdentity) {
    routines.push_back(tree_routine("decision_function", m.n_outputs, {scores}, false));
  }
  return routines;
}

}  // namespace pith::wasm
