// Building a TreePredictor from a validated TreeEnsembleModel, and the cache that holds it.
#include "trees/predictor.h"
#include "trees/thresholds.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <utility>

namespace pith {
namespace {

double double_threshold(double t, SplitComparison comparison) {
  return comparison == SplitComparison::kLess
             ? std::nextafter(t, -std::numeric_limits<double>::infinity())
             : t;
}

}  // namespace

TreePredictor::TreePredictor(const TreeEnsembleModel& m) {
  const std::size_t n_trees = m.n_trees();
  const std::size_t n_nodes = m.n_nodes();
  const std::size_t w = m.leaf_width;
  const bool f64 = m.feature_precision == FeaturePrecision::kFloat64;
  meta.resize(n_nodes);
  left.resize(n_nodes);
  flags.resize(n_nodes);
  threshold.resize(n_nodes);
  threshold32.threshold.resize(n_nodes);
  if (f64) threshold64.threshold.resize(n_nodes);
  leaf64.assign(n_nodes * w, 0.0);
  root.resize(n_trees);
  depth.resize(n_trees);
  output.assign(m.tree_output.begin(), m.tree_output.end());
  exact_only.assign(n_trees, 0);
  trees_per_output.assign(m.n_outputs, 0.0);

  // The category set of each categorical node (global source index -> set).
  std::vector<std::uint32_t> set_of(m.category_nodes.empty() ? 0 : n_nodes, 0);
  for (std::size_t s = 0; s < m.category_nodes.size(); ++s) {
    set_of[m.category_nodes[s]] = static_cast<std::uint32_t>(s);
  }
  categories = m.categories;
  if (!m.category_nodes.empty()) {
    category_begin.assign(n_nodes, 0);
    category_end.assign(n_nodes, 0);
  }

  constexpr float kInf32 = std::numeric_limits<float>::infinity();
  constexpr double kInf64 = std::numeric_limits<double>::infinity();
  std::deque<std::pair<std::size_t, std::int32_t>> queue;  // (source node, compiled index)
  std::vector<std::int32_t> level;
  std::size_t next = 0;  // the next free compiled index
  for (std::size_t t = 0; t < n_trees; ++t) {
    const std::size_t begin = m.tree_offsets[t];
    const std::size_t size = m.tree_offsets[t + 1] - begin;
    level.assign(size, 0);
    root[t] = static_cast<std::int32_t>(next);
    queue.emplace_back(begin, static_cast<std::int32_t>(next++));
    std::int32_t max_depth = 0;
    for (std::size_t j = 0; j < w; ++j) trees_per_output[m.tree_output[t] + j] += 1.0;
    while (!queue.empty()) {
      const auto [src, dst_index] = queue.front();
      queue.pop_front();
      const auto dst = static_cast<std::size_t>(dst_index);
      const std::int32_t node_depth = level[src - begin];
      max_depth = std::max(max_depth, node_depth);
      if (m.left_child[src] < 0) {  // a leaf: points to itself, always "left"
        meta[dst] = 0;
        left[dst] = dst_index;
        threshold32.threshold[dst] = kInf32;
        if (f64) threshold64.threshold[dst] = kInf64;
        for (std::size_t j = 0; j < w; ++j) leaf64[dst * w + j] = m.leaf_values[src * w + j];
        continue;
      }
      const std::uint8_t f = m.node_flags[src];
      const bool default_right = (f & node_flag::kDefaultLeft) == 0;
      meta[dst] = m.feature[src] | (default_right ? 0x80000000u : 0u);
      flags[dst] = f;
      threshold[dst] = m.threshold[src];
      threshold32.threshold[dst] = detail::float_threshold(m.threshold[src], m.comparison);
      if (f64) threshold64.threshold[dst] = double_threshold(m.threshold[src], m.comparison);
      if ((f & (node_flag::kCategorical | node_flag::kZeroIsMissing)) != 0) exact_only[t] = 1;
      if ((f & node_flag::kCategorical) != 0) {
        const std::uint32_t s = set_of[src];
        category_begin[dst] = static_cast<std::uint32_t>(m.category_offsets[s]);
        category_end[dst] = static_cast<std::uint32_t>(m.category_offsets[s + 1]);
      }
      left[dst] = static_cast<std::int32_t>(next);
      const std::size_t l = begin + static_cast<std::size_t>(m.left_child[src]);
      const std::size_t r = begin + static_cast<std::size_t>(m.right_child[src]);
      level[l - begin] = level[r - begin] = node_depth + 1;
      queue.emplace_back(l, static_cast<std::int32_t>(next++));
      queue.emplace_back(r, static_cast<std::int32_t>(next++));
    }
    depth[t] = max_depth;
    // Feature indices above 2^31 do not fit the lock-step meta word.
    if (m.n_features > 0x7fffffffu) exact_only[t] = 1;
    any_exact_only = any_exact_only || exact_only[t] != 0;
  }
  if (m.score_precision == ScorePrecision::kFloat32) {
    leaf32.assign(leaf64.begin(), leaf64.end());
  }
  for (std::uint32_t t = 0; t < n_trees; ++t) {
    const bool exact = exact_only[t] != 0;
    if (groups.empty() || exact || groups.back().exact_only ||
        groups.back().end - groups.back().begin == kMaxGroup) {
      groups.push_back({t, t, 0, exact});
    }
    groups.back().end = t + 1;
    groups.back().depth = std::max(groups.back().depth, depth[t]);
  }
}

void prepare_tree_ensemble(const TreeEnsembleModel& model) { (void)TreePredictor::of(model); }

const TreePredictor& TreePredictor::of(const TreeEnsembleModel& model) {
  return model.predictor.get<TreePredictor>(
      [&] { return std::make_shared<const TreePredictor>(model); });
}

}  // namespace pith
