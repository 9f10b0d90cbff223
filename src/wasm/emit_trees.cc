// Emission of a kTreeEnsemble op: a tight loop down the node records (one load of the record's
// word, one of the feature, one of the threshold, one comparison), four trees at a time in
// lock-step for models with numeric splits only, leaves added to the sums in tree order. Rare
// nodes (categorical, zero-is-missing) take a slower path, emitted only for models that have
// them, and such models walk one tree at a time. The semantics are src/trees/predict.cc's
// exact_leaf.
#include <bit>
#include <cstdint>
#include <cstring>

#include "wasm/trees.h"

namespace pith::wasm {
namespace {

// LightGBM's zero threshold, as src/trees/predict.cc: the float 1e-35f compared in double.
constexpr double kZeroThreshold = static_cast<double>(1e-35f);

class TreeEmitter {
 public:
  TreeEmitter(Code& code, const Op& op, const TreeWalk& walk)
      : c_(code),
        t_(*op.trees),
        w_(walk),
        nodes_(op.trees_address + t_.nodes_offset),
        leaves_(op.trees_address + t_.leaves_offset),
        sets_(op.trees_address + t_.categories_offset),
        table_(op.trees_address),
        depths_(op.trees_address + t_.group_depths_offset),
        node_(walk.node),
        word_(walk.word) {}

  void emit_unrolled() {
    init_sums();
    for (std::size_t tree = 0; tree < t_.n_trees; ++tree) {
      const std::uint32_t root = read_u32(static_cast<std::uint32_t>(tree * t_.entry));
      const std::uint32_t out =
          t_.tree_outputs ? read_u32(static_cast<std::uint32_t>(tree * t_.entry + 4)) : 0;
      node_code(root, out);
    }
  }

  void emit() {
    init_sums();
    c_.i32_const(0);
    c_.local_set(w_.tree);
    if (t_.n_groups > 0) groups();
    if (t_.n_groups * TreeTables::kGroup == t_.n_trees) return;
    // The remaining trees one at a time, from w_.tree on.
    c_.loop();
    c_.local_get(w_.tree);
    c_.memory(Opcode::kI32Load, table_);
    c_.local_set(node_);
    if (t_.tree_outputs) {
      c_.local_get(w_.tree);
      c_.memory(Opcode::kI32Load, table_ + 4);
      c_.local_set(w_.out);
    }
    walk();
    add_leaf();
    c_.local_get(w_.tree);
    c_.i32_const(static_cast<std::int32_t>(t_.entry));
    c_.op(Opcode::kI32Add);
    c_.local_tee(w_.tree);
    c_.i32_const(static_cast<std::int32_t>(t_.n_trees * t_.entry));
    c_.op(Opcode::kI32LtU);
    c_.br_if(0);
    c_.end();
  }

 private:
  bool many() const { return t_.n_outputs > 1; }
  bool special() const { return t_.any_categorical || t_.any_zero_is_missing; }
  std::uint32_t word_offset() const { return nodes_ + t_.value_size(); }

  void init_sums() {
    if (many()) {
      for (std::size_t j = 0; j < t_.n_outputs; ++j) {
        c_.i32_const(0);
        c_.f64_value(t_.base[j]);
        c_.memory(Opcode::kF64Store, w_.accumulators + static_cast<std::uint32_t>(8 * j));
      }
    } else if (t_.sum_f32) {
      c_.f32_const(static_cast<float>(t_.base[0]));
      c_.local_set(w_.acc32);
    } else {
      c_.f64_value(t_.base[0]);
      c_.local_set(w_.acc64);
    }
  }

  // Groups of kGroup trees walked in lock-step for the group's depth, a step at a leaf staying
  // there; then their leaves added in tree order. Leaves w_.tree after the last group.
  void groups() {
    const std::uint32_t group_bytes = static_cast<std::uint32_t>(TreeTables::kGroup * t_.entry);
    const std::uint32_t depth = w_.go;
    c_.loop();
    for (std::size_t i = 0; i < TreeTables::kGroup; ++i) {
      c_.local_get(w_.tree);
      c_.memory(Opcode::kI32Load, table_ + static_cast<std::uint32_t>(i * t_.entry));
      c_.local_set(w_.nodes[i]);
    }
    c_.local_get(w_.tree);  // the group's index times 4: tree offset / group_bytes * 4
    c_.i32_const(std::countr_zero(group_bytes) - 2);
    c_.op(Opcode::kI32ShrU);
    c_.memory(Opcode::kI32Load, depths_);
    c_.local_set(depth);
    c_.block();
    c_.loop();
    c_.local_get(depth);
    c_.op(Opcode::kI32Eqz);
    c_.br_if(1);
    for (std::size_t i = 0; i < TreeTables::kGroup; ++i) step(w_.nodes[i], w_.words[i]);
    c_.local_get(depth);
    c_.i32_const(1);
    c_.op(Opcode::kI32Sub);
    c_.local_set(depth);
    c_.br(0);
    c_.end();
    c_.end();
    for (std::size_t i = 0; i < TreeTables::kGroup; ++i) {
      node_ = w_.nodes[i];
      word_ = w_.words[i];
      if (t_.tree_outputs) {
        c_.local_get(w_.tree);
        c_.memory(Opcode::kI32Load, table_ + static_cast<std::uint32_t>(i * t_.entry + 4));
        c_.local_set(w_.out);
      }
      add_leaf();
    }
    node_ = w_.node;
    word_ = w_.word;
    c_.local_get(w_.tree);
    c_.i32_const(static_cast<std::int32_t>(group_bytes));
    c_.op(Opcode::kI32Add);
    c_.local_tee(w_.tree);
    c_.i32_const(static_cast<std::int32_t>(t_.n_groups * group_bytes));
    c_.op(Opcode::kI32LtU);
    c_.br_if(0);
    c_.end();
  }

  // node = leaf ? node : node + (child distance + go right) * stride, without branches (a leaf's
  // feature is 0: its comparison reads a valid value and is ignored).
  void step(std::uint32_t node, std::uint32_t word) {
    node_ = node;
    word_ = word;
    c_.local_get(node_);
    c_.memory(Opcode::kI32Load, word_offset());
    c_.local_set(word_);
    c_.local_get(node_);
    c_.local_get(node_);

    child_distance();
    compare();
    c_.op(Opcode::kI32Add);
    c_.i32_const(static_cast<std::int32_t>(t_.stride));
    c_.op(Opcode::kI32Mul);
    c_.op(Opcode::kI32Add);
    c_.local_get(word_);
    c_.i32_const(static_cast<std::int32_t>(record::kLeaf));
    c_.op(Opcode::kI32And);
    c_.op(Opcode::kSelect);
    c_.local_set(node_);
  }

  void child_distance() {
    if (t_.wide) {
      c_.local_get(node_);
      c_.memory(Opcode::kI32Load, word_offset() + 4);
    } else {
      c_.local_get(word_);
      c_.i32_const(static_cast<std::int32_t>(record::kFlagBits));
      c_.op(Opcode::kI32ShrU);
      c_.i32_const(static_cast<std::int32_t>((1u << t_.child_bits) - 1));
      c_.op(Opcode::kI32And);
    }
  }

  // From the root in `node` down to a leaf: `node` its record, `word` its word.
  void walk() {
    c_.block();
    c_.loop();
    c_.local_get(node_);
    c_.memory(Opcode::kI32Load, word_offset());
    c_.local_tee(word_);
    c_.i32_const(static_cast<std::int32_t>(record::kLeaf));
    c_.op(Opcode::kI32And);
    c_.br_if(1);
    if (special()) {
      c_.local_get(word_);
      c_.i32_const(static_cast<std::int32_t>(record::kZeroIsMissing | record::kCategorical));
      c_.op(Opcode::kI32And);
      c_.if_();
      special_node();
      c_.else_();
      compare();
      c_.local_set(w_.go);
      c_.end();
    }
    // node += (child distance + go right) * stride
    c_.local_get(node_);
    child_distance();
    if (special()) {
      c_.local_get(w_.go);
    } else {
      compare();
    }
    c_.op(Opcode::kI32Add);
    c_.i32_const(static_cast<std::int32_t>(t_.stride));
    c_.op(Opcode::kI32Mul);
    c_.op(Opcode::kI32Add);
    c_.local_set(node_);
    c_.br(0);
    c_.end();
    c_.end();
  }

  // Pushes the split feature's value, in the comparison's type.
  void load_feature() {
    const std::uint32_t shift = record::kFlagBits + (t_.wide ? 0 : t_.child_bits);
    if (w_.row_local != TreeWalk::kNoLocal) c_.local_get(w_.row_local);
    c_.local_get(word_);
    c_.i32_const(static_cast<std::int32_t>(shift));
    c_.op(Opcode::kI32ShrU);
    c_.i32_const(w_.row_f32 ? 2 : 3);
    c_.op(Opcode::kI32Shl);
    if (w_.row_local != TreeWalk::kNoLocal) c_.op(Opcode::kI32Add);
    c_.memory(w_.row_f32 ? Opcode::kF32Load : Opcode::kF64Load, w_.row_offset);
    if (t_.compare_f32 && !w_.row_f32) c_.op(Opcode::kF32DemoteF64);
    if (!t_.compare_f32 && w_.row_f32) c_.op(Opcode::kF64PromoteF32);
  }

  void load_threshold() {
    c_.local_get(node_);
    c_.memory(t_.compare_f32 ? Opcode::kF32Load : Opcode::kF64Load, nodes_);
  }

  // x OP t, true to the left (OP: <= for float32 records, the model's for float64 ones).
  Opcode goes_left() const {
    if (t_.compare_f32) return Opcode::kF32Le;
    return t_.less ? Opcode::kF64Lt : Opcode::kF64Le;
  }
  // !(x OP t) except for NaN: true to the right.
  Opcode goes_right() const {
    if (t_.compare_f32) return Opcode::kF32Gt;
    return t_.less ? Opcode::kF64Ge : Opcode::kF64Gt;
  }

  // Pushes 1 if the row goes right at a numeric node, NaN following the node's default: NaN
  // fails every comparison, so !(x OP t) sends it right and (x !OP t) left.
  void compare() {
    if (!t_.any_default_left) {
      load_feature();
      load_threshold();
      c_.op(goes_left());
      c_.op(Opcode::kI32Eqz);
      return;
    }
    if (!t_.any_default_right) {
      load_feature();
      load_threshold();
      c_.op(goes_right());
      return;
    }
    const std::uint32_t x = t_.compare_f32 ? w_.x32 : w_.x64;
    const std::uint32_t t = t_.compare_f32 ? w_.t32 : w_.t64;
    load_feature();
    c_.local_tee(x);
    load_threshold();
    c_.local_tee(t);
    c_.op(goes_right());  // default left
    c_.local_get(x);
    c_.local_get(t);
    c_.op(goes_left());
    c_.op(Opcode::kI32Eqz);  // default right
    c_.local_get(word_);
    c_.i32_const(static_cast<std::int32_t>(record::kDefaultLeft));
    c_.op(Opcode::kI32And);
    c_.op(Opcode::kSelect);
  }

  // Categorical and zero-is-missing nodes, in float64 (the feature value is exact there): sets
  // `go`.
  void special_node() {
    load_feature();
    if (t_.compare_f32) c_.op(Opcode::kF64PromoteF32);
    c_.local_tee(w_.x64);
    c_.local_get(w_.x64);
    c_.op(Opcode::kF64Ne);  // NaN
    if (t_.any_zero_is_missing) {
      c_.local_get(word_);
      c_.i32_const(1);
      c_.op(Opcode::kI32ShrU);
      c_.i32_const(1);
      c_.op(Opcode::kI32And);  // zero-is-missing bit
      c_.local_get(w_.x64);
      c_.op(Opcode::kF64Abs);
      c_.f64_const(kZeroThreshold);
      c_.op(Opcode::kF64Le);
      c_.op(Opcode::kI32And);
      c_.op(Opcode::kI32Or);
    }
    c_.if_();  // missing: the default direction
    c_.local_get(word_);
    c_.i32_const(static_cast<std::int32_t>(record::kDefaultLeft));
    c_.op(Opcode::kI32And);
    c_.op(Opcode::kI32Eqz);
    c_.local_set(w_.go);
    c_.else_();
    if (t_.any_categorical) {
      c_.local_get(word_);
      c_.i32_const(static_cast<std::int32_t>(record::kCategorical));
      c_.op(Opcode::kI32And);
      c_.if_();
      category();
      c_.else_();
      numeric64();
      c_.end();
    } else {
      numeric64();
    }
    c_.end();
  }

  // A numeric split on a value that is not missing.
  void numeric64() {
    c_.local_get(w_.x64);
    load_threshold();
    if (t_.compare_f32) c_.op(Opcode::kF64PromoteF32);
    c_.op(t_.less && !t_.compare_f32 ? Opcode::kF64Lt : Opcode::kF64Le);
    c_.op(Opcode::kI32Eqz);
    c_.local_set(w_.go);
  }

  // go = (x, truncated, in the node's set) != (the set goes left); negative values (unless
  // truncated toward zero) and values past the bitset are outside.
  void category() {
    c_.local_get(node_);
    c_.memory(Opcode::kI32Load, nodes_);
    c_.local_set(w_.set);
    c_.local_get(w_.x64);
    c_.f64_value(-1.0);
    c_.op(Opcode::kF64Gt);
    c_.local_get(w_.x64);
    c_.f64_value(0.0);
    c_.op(Opcode::kF64Ge);
    c_.local_get(w_.set);
    c_.memory(Opcode::kI32Load, sets_);
    c_.i32_const(static_cast<std::int32_t>(category_set::kTruncateNegative));
    c_.op(Opcode::kI32And);
    c_.op(Opcode::kSelect);
    c_.local_get(w_.x64);
    c_.local_get(w_.set);
    c_.memory(Opcode::kI32Load, sets_ + 4);
    c_.op(Opcode::kF64ConvertI32S);
    c_.op(Opcode::kF64Lt);
    c_.op(Opcode::kI32And);
    c_.if_();
    c_.local_get(w_.set);
    c_.local_get(w_.x64);
    c_.op(Opcode::kI32TruncF64S);  // in (-1, 2^20): no trap
    c_.local_tee(w_.category);
    c_.i32_const(5);
    c_.op(Opcode::kI32ShrU);
    c_.i32_const(2);
    c_.op(Opcode::kI32Shl);
    c_.op(Opcode::kI32Add);
    c_.memory(Opcode::kI32Load, sets_ + 8);
    c_.local_get(w_.category);
    c_.op(Opcode::kI32ShrU);  // shifts count modulo 32
    c_.i32_const(1);
    c_.op(Opcode::kI32And);
    c_.local_set(w_.go);
    c_.else_();
    c_.i32_const(0);
    c_.local_set(w_.go);
    c_.end();
    c_.local_get(w_.go);
    c_.local_get(w_.set);
    c_.memory(Opcode::kI32Load, sets_);
    c_.i32_const(static_cast<std::int32_t>(category_set::kGoLeft));
    c_.op(Opcode::kI32And);
    c_.op(Opcode::kI32Xor);
    c_.local_set(w_.go);
  }

  // Pushes value j of the leaf in `node` / `word`, in the sums' type.
  void leaf_value(std::size_t j) {
    if (t_.inline_leaves) {
      c_.local_get(node_);
      c_.memory(t_.compare_f32 ? Opcode::kF32Load : Opcode::kF64Load, nodes_);
      if (t_.sum_f32 && !t_.compare_f32) c_.op(Opcode::kF32DemoteF64);  // exact
      return;
    }
    c_.local_get(node_);
    c_.memory(Opcode::kI32Load, nodes_);  // the leaf's offset in the leaf table
    const std::uint32_t size = t_.sum_f32 ? 4 : 8;
    c_.memory(t_.sum_f32 ? Opcode::kF32Load : Opcode::kF64Load,
              leaves_ + static_cast<std::uint32_t>(j * size));
  }

  void add_leaf() {
    if (!many()) {
      const std::uint32_t acc = t_.sum_f32 ? w_.acc32 : w_.acc64;
      c_.local_get(acc);
      leaf_value(0);
      c_.op(t_.sum_f32 ? Opcode::kF32Add : Opcode::kF64Add);
      c_.local_set(acc);
      return;
    }
    // Float32 sums are kept as float64 in memory; each is exactly a float32.
    for (std::size_t j = 0; j < t_.leaf_width; ++j) {
      const auto offset = w_.accumulators + static_cast<std::uint32_t>(8 * j);
      for (int k = 0; k < 2; ++k) {
        if (t_.tree_outputs) {
          c_.local_get(w_.out);
        } else {
          c_.i32_const(0);
        }
      }
      c_.memory(Opcode::kF64Load, offset);
      if (t_.sum_f32) c_.op(Opcode::kF32DemoteF64);
      leaf_value(j);
      c_.op(t_.sum_f32 ? Opcode::kF32Add : Opcode::kF64Add);
      if (t_.sum_f32) c_.op(Opcode::kF64PromoteF32);
      c_.memory(Opcode::kF64Store, offset);
    }
  }

  std::uint32_t read_u32(std::uint32_t at) const {
    std::uint32_t v;
    std::memcpy(&v, t_.bytes.data() + at, 4);
    return v;
  }
  double read_value(std::uint32_t at, bool f32) const {
    if (f32) {
      float v;
      std::memcpy(&v, t_.bytes.data() + at, 4);
      return v;
    }
    double v;
    std::memcpy(&v, t_.bytes.data() + at, 8);
    return v;
  }
  void sum_constant(double v) {
    if (t_.sum_f32) {
      c_.f32_const(static_cast<float>(v));  // exact: v is a float32
    } else {
      c_.f64_value(v);
    }
  }

  // Unrolled: the subtree at record offset `rec` as nested if/else with the thresholds, feature
  // offsets and leaf values as immediates (numeric splits only). `out`: the tree's first sum.
  void node_code(std::uint32_t rec, std::uint32_t out) {
    const std::uint32_t at = t_.nodes_offset + rec;
    const std::uint32_t word = read_u32(at + t_.value_size());
    if ((word & record::kLeaf) != 0) {
      for (std::size_t j = 0; j < t_.leaf_width; ++j) {
        const double v = t_.inline_leaves
                             ? read_value(at, t_.compare_f32)
                             : read_value(t_.leaves_offset + read_u32(at) +
                                              static_cast<std::uint32_t>(j * (t_.sum_f32 ? 4 : 8)),
                                          t_.sum_f32);
        if (!many()) {
          const std::uint32_t acc = t_.sum_f32 ? w_.acc32 : w_.acc64;
          c_.local_get(acc);
          sum_constant(v);
          c_.op(t_.sum_f32 ? Opcode::kF32Add : Opcode::kF64Add);
          c_.local_set(acc);
          continue;
        }
        const auto offset = w_.accumulators + out + static_cast<std::uint32_t>(8 * j);
        c_.i32_const(0);
        c_.i32_const(0);
        c_.memory(Opcode::kF64Load, offset);
        if (t_.sum_f32) c_.op(Opcode::kF32DemoteF64);
        sum_constant(v);
        c_.op(t_.sum_f32 ? Opcode::kF32Add : Opcode::kF64Add);
        if (t_.sum_f32) c_.op(Opcode::kF64PromoteF32);
        c_.memory(Opcode::kF64Store, offset);
      }
      return;
    }
    const std::uint32_t shift = record::kFlagBits + (t_.wide ? 0 : t_.child_bits);
    const std::uint32_t feature = word >> shift;
    if (w_.row_local != TreeWalk::kNoLocal) {
      c_.local_get(w_.row_local);
    } else {
      c_.i32_const(0);
    }
    c_.memory(w_.row_f32 ? Opcode::kF32Load : Opcode::kF64Load,
              w_.row_offset + feature * (w_.row_f32 ? 4 : 8));
    if (t_.compare_f32 && !w_.row_f32) c_.op(Opcode::kF32DemoteF64);
    const double threshold = read_value(at, t_.compare_f32);
    if (t_.compare_f32) {
      c_.f32_const(static_cast<float>(threshold));
    } else {
      c_.f64_const(threshold);
    }
    const std::uint32_t distance = t_.wide
                                       ? read_u32(at + t_.value_size() + 4)
                                       : (word >> record::kFlagBits) & ((1u << t_.child_bits) - 1);
    const std::uint32_t left = rec + distance * t_.stride, right = left + t_.stride;
    // NaN fails both comparisons: it takes the else branch, the node's default.
    const bool default_left = (word & record::kDefaultLeft) != 0;
    c_.op(default_left ? goes_right() : goes_left());
    c_.if_();
    node_code(default_left ? right : left, out);
    c_.else_();
    node_code(default_left ? left : right, out);
    c_.end();
  }

  Code& c_;
  const TreeTables& t_;
  const TreeWalk& w_;
  std::uint32_t nodes_, leaves_, sets_, table_, depths_;
  std::uint32_t node_, word_;  // the locals of the walk being emitted (one of a group's)
};

}  // namespace

void emit_tree_scores(Code& code, const Op& op, const TreeWalk& walk) {
  if (op.unrolled) {
    TreeEmitter(code, op, walk).emit_unrolled();
  } else {
    TreeEmitter(code, op, walk).emit();
  }
}

}  // namespace pith::wasm
