// TreePredictor: the compiled form of a TreeEnsembleModel that prediction runs on. Nodes are
// renumbered so that each split's children are adjacent (right = left + 1) and leaves point to
// themselves, which lets a block of rows descend a tree in lock-step for a fixed number of levels
// with no branches (SIMD gathers); trees with categorical or zero-is-missing splits, and small
// batches, take an exact per-row walk instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pith/trees.h"

namespace pith {

// Thresholds of one precision for the lock-step walk: a row goes right iff !(x <= threshold)
// (or, for NaN, iff the node's default is right). `threshold` is exact for that precision: the
// source's comparison in the source's precision gives the same answer for every input value.
template <class TT>
struct LockstepThresholds {
  std::vector<TT> threshold;  // leaves: +inf
};

class TreePredictor {
 public:
  explicit TreePredictor(const TreeEnsembleModel& model);

  // The model's predictor, built on first use and kept in model.predictor.
  static const TreePredictor& of(const TreeEnsembleModel& model);

  // Per compiled node.
  std::vector<std::uint32_t> meta;  // feature | default-right << 31 (leaves: feature 0, left)
  std::vector<std::int32_t> left;   // the left child's index (right = left + 1); leaves: self
  std::vector<std::uint8_t> flags;  // node_flag bits (leaves: 0)
  std::vector<double> threshold;    // the source's threshold (exact walk)
  std::vector<std::uint32_t> category_begin, category_end;  // into categories, if categorical
  std::vector<std::uint32_t> categories;
  LockstepThresholds<float> threshold32;   // x as float32 (float input, or float32 precision)
  LockstepThresholds<double> threshold64;  // x as float64; float64 precision only
  std::vector<double> leaf64;              // compiled node x leaf_width
  std::vector<float> leaf32;               // the same in float32 (float32 score precision)

  // Per tree.
  std::vector<std::int32_t> root;
  std::vector<std::int32_t> depth;       // levels from the root to the deepest leaf
  std::vector<std::uint32_t> output;     // the first raw score the tree adds to
  std::vector<std::uint8_t> exact_only;  // categorical / zero-is-missing splits: no lock-step

  // Consecutive trees walked together for one row (small batches): lanes of the lock-step walk
  // are trees instead of rows. Groups keep tree order; an exact-only tree is a group of its own.
  struct TreeGroup {
    std::uint32_t begin = 0, end = 0;
    std::int32_t depth = 0;  // the deepest tree's
    bool exact_only = false;
  };
  static constexpr std::uint32_t kMaxGroup = 64;
  std::vector<TreeGroup> groups;

  std::vector<double> trees_per_output;  // kAverage's divisors
  bool any_exact_only = false;
};

}  // namespace pith
