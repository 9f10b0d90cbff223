// Tree ensembles in the compiler: the node tables a kTreeEnsemble op walks (their byte layout,
// built by lowering), the lowering of a TreeEnsembleModel to routines, and the emission of the
// traversal loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pith/trees.h"
#include "wasm/ir.h"
#include "wasm/module.h"

namespace pith::wasm {

// Bits of a node record's word. Split nodes: flags in bits 0-3, then the left child's distance
// in records (narrow layout: `child_bits` bits; wide: a second word), then the feature index up
// to bit 31. Leaves: kLeaf alone (feature 0, distance 0, so that a walk may step through them
// harmlessly); the threshold's place holds the leaf's value, or the byte offset of its values
// in the leaf table.
namespace record {
inline constexpr std::uint32_t kDefaultLeft = 1;
inline constexpr std::uint32_t kZeroIsMissing = 2;
inline constexpr std::uint32_t kCategorical = 4;
inline constexpr std::uint32_t kLeaf = 8;
inline constexpr std::uint32_t kFlagBits = 4;
}  // namespace record

// Header word of a category set (a bitset: n_bits, then n_bits / 32 words).
namespace category_set {
inline constexpr std::uint32_t kGoLeft = 1;
inline constexpr std::uint32_t kTruncateNegative = 2;
}  // namespace category_set

// The constants of one tree ensemble, position-independent (offsets relative to its start):
//   [tree table: per tree the root's byte offset in the node records (+ its first output's byte
//    offset in the accumulators, if outputs differ)]
//   [node records, `stride` bytes each, every tree's nodes breadth-first so that the right child
//    follows the left: threshold (float32 or float64), word, (wide: child distance)]
//   [leaf table: leaf_width values per leaf, float32 or float64 as the sums]
//   [category sets][base scores: n_outputs float64, rounded to the sums' precision]
//   [per group of kGroup consecutive trees walked together: their largest depth (u32)]
struct TreeTables {
  std::vector<std::uint8_t> bytes;
  std::size_t n_trees = 0, n_nodes = 0, n_outputs = 1, leaf_width = 1;
  bool compare_f32 = false;      // thresholds and features as float32, compared with <=
  bool less = false;             // float64 thresholds: x < t goes left (else x <= t)
  bool sum_f32 = false;          // scores summed in float32
  bool wide = false;             // the child distance in a word of its own
  std::uint32_t child_bits = 0;  // narrow layout: bits of the child distance
  std::uint32_t stride = 0;      // bytes per node record
  bool inline_leaves = false;    // a leaf's single value in its record's threshold place
  bool tree_outputs = false;     // tree table entries carry an output offset
  bool any_default_left = false, any_default_right = false;
  bool any_categorical = false, any_zero_is_missing = false;
  std::uint32_t entry = 4;  // bytes per tree table entry
  std::uint32_t nodes_offset = 0, leaves_offset = 0, categories_offset = 0, base_offset = 0;
  // Models with numeric splits only walk their trees kGroup at a time, in lock-step for the
  // group's depth (independent loads overlap); the trees after the last full group one by one.
  static constexpr std::size_t kGroup = 4;
  std::size_t n_groups = 0;
  std::uint32_t group_depths_offset = 0;
  std::vector<double> base;  // base scores, rounded to the sums' precision

  std::uint32_t value_size() const { return compare_f32 ? 4 : 8; }
};

// The tables of `model` for inputs of type `io` (float32 inputs are compared as float32, which
// is exact: a float32 value compares with a float64 threshold as with the float32 threshold
// next to it). Throws Error(kUnsupported) for what does not fit wasm32.
std::shared_ptr<const TreeTables> encode_trees(const TreeEnsembleModel& model, IoType io);

// The routines of a tree ensemble, with the outputs pith/predict.h gives it.
std::vector<Routine> lower_tree_ensemble(const TreeEnsembleModel& model, IoType io);

// Where the traversal reads a row and which locals it may use.
struct TreeWalk {
  std::uint32_t row_local = 0;   // the local holding the row's address, or kNoLocal
  std::uint32_t row_offset = 0;  // the constant part of the row's address
  bool row_f32 = false;          // the row holds float32 values
  std::uint32_t node, word, tree, go, out, set, category;              // i32 locals
  std::uint32_t nodes[TreeTables::kGroup], words[TreeTables::kGroup];  // [0]: node, word
  std::uint32_t x32, t32, acc32;                                       // f32 locals
  std::uint32_t x64, t64, acc64;                                       // f64 locals
  std::uint32_t accumulators = 0;  // address of the n_outputs float64 sums (n_outputs > 1)
  static constexpr std::uint32_t kNoLocal = 0xffffffffu;
};

// The code of a kTreeEnsemble op up to its raw scores: in `acc64` or `acc32` (sum_f32) for one
// output, else in the accumulators.
void emit_tree_scores(Code& code, const Op& op, const TreeWalk& walk);

}  // namespace pith::wasm
