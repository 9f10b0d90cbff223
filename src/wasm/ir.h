// The compiler's intermediate form: per exported output, a chain of vector operations on one row
// (input row -> scratch vectors -> output row) over constant tables. Lowering (lower.cc) builds it
// from a model, passes (passes.cc) rewrite it and lay it out in memory, emit.cc turns it into code.
//
// Everything a model kind computes per row is a short chain of these ops; a tree ensemble is one
// more op (node tables in constants, a traversal loop per tree, a sum per output) feeding the
// same sigmoid/softmax/argmax tail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pith::wasm {

struct TreeTables;  // wasm/trees.h

enum class OpKind : std::uint8_t {
  kAffine,            // out[j] = (sum_i W[j,i] * in[i]) + b[j]; W: out x in, summed in i order
  kSquaredDistances,  // out[j] = sum_i (in[i] - C[j,i])^2; C: out x in
  kSqrt,              // elementwise
  kStandardize,       // (in[i] - a[i]) / b[i]; either vector may be empty (skipped)
  kScaleShift,        // in[i] * a[i] + b[i]; either vector may be empty (skipped)
  kClip,              // min(max(in[i], lo), hi)
  kCopy,              // in -> out unchanged
  kArgMin,            // index of the first smallest value (int32 out, width 1)
  kArgMax,            // index of the first largest value (int32 out, width 1)
  kPositive,          // in[0] > 0 ? 1 : 0 (int32 out, width 1)
  kSigmoidPair,       // p = 1 / (1 + exp(-in[0])); out = [1 - p, p]
  kSoftmax,           // e_i = exp(in[i] - max(in)); out = e / sum(e)
  kTreeEnsemble,      // raw scores: base scores plus the leaves the row reaches (Op::trees)
  kDivide,            // in[i] / a[i] (a forest's average)
  kExp,               // exp(in[i])
  kLogistic,          // 1 / (1 + exp(-alpha * in[i])), alpha in Op::lo (boosted trees)
  kProbabilityPair,   // p = in[0]; out = [1 - p, p]
};

const char* op_name(OpKind kind);

// Where a vector lives: the caller's input row, the caller's output row, or a scratch area.
struct Slot {
  enum class Kind : std::uint8_t { kInput, kOutput, kScratch };
  Kind kind = Kind::kScratch;
  std::uint32_t index = 0;    // kScratch: which of the two scratch vectors (assign_slots)
  std::uint32_t address = 0;  // kScratch: byte address in linear memory (layout)
};

// A constant table of float64 values (rounded to float32 by lowering where pith's float32
// prediction rounds its parameters).
struct Table {
  std::vector<double> values;
  std::uint32_t address = 0;  // byte address in linear memory (set by layout)
};

struct Op {
  OpKind kind{};
  std::size_t in_width = 0;
  std::size_t out_width = 0;
  std::vector<Table> tables;  // kAffine: W, b; kSquaredDistances: C; kStandardize/kScaleShift: a, b
  double lo = 0.0, hi = 0.0;  // kClip; lo: kLogistic's alpha
  // kTreeEnsemble: the node tables, placed as one block of constants at `trees_address`.
  std::shared_ptr<const TreeTables> trees;
  std::uint32_t trees_address = 0;
  Slot src, dst;          // set by assign_slots
  bool unrolled = false;  // straight-line code with the tables as immediates (unroll_small)
  // Float32 I/O only: every arithmetic result is rounded to float32, as pith's float32 code
  // computes it (a float64 operation on float32 values rounded to float32 is the float32
  // operation: float64 has more than twice the precision).
  bool rounds = false;
  bool index_out() const {
    return kind == OpKind::kArgMin || kind == OpKind::kArgMax || kind == OpKind::kPositive;
  }
};

// One exported function: rows in, `width` values per row out (int32 indices or reals).
struct Routine {
  std::string name;  // "predict", "predict_proba", "decision_function", "transform"
  bool index_output = false;
  bool class_index = false;  // the indices are classes of the classifier (else clusters)
  std::size_t width = 1;
  std::vector<Op> ops;
};

// The type of inputs and outputs. Arithmetic is float64 (as pith's native prediction), with the
// float32 roundings of pith's float32 prediction where ops say so.
enum class IoType : std::uint8_t { kF32, kF64 };

struct Program {
  std::size_t n_features = 0;
  IoType io = IoType::kF64;
  std::size_t n_classes = 0;  // 0 unless a classifier
  std::string kind;           // estimator kind, informative
  std::vector<Routine> routines;
  // Ops every routine starts with (share_prefix): an internal function that writes its result to
  // `shared_result` (a scratch vector) where the routines' own ops start; for float64 outputs, to
  // the output row instead for a routine that is nothing more (it passes the address).
  std::vector<Op> shared;
  Slot shared_result;
  // Memory layout, set by layout(): [constants][scratch][caller's area from input_offset).
  std::uint32_t scratch_address = 0;
  std::uint32_t scratch_bytes = 0;
  std::uint32_t input_offset = 0;
  std::vector<std::uint8_t> constants;  // the data segment at address 0
  // The raw scores of a tree ensemble with several outputs are summed here (float64 values).
  std::uint32_t accumulator_address = 0;
  std::uint32_t accumulator_bytes = 0;
  bool uses_exp = false;

  std::size_t element_size() const { return io == IoType::kF32 ? 4 : 8; }  // inputs, outputs
  static constexpr std::size_t kScratchElement = 8;  // scratch vectors and tables: float64
};

// Text form of the program, one line per op; after layout, with addresses.
std::string dump(const Program& program);

}  // namespace pith::wasm
