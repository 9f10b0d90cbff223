// Emission: every routine of a laid-out program becomes an exported function
// `name(input, output, rows)` looping over rows, one code template per op kind; plus the schema
// functions, the memory helper and (if used) exp. The ABI is described in docs/wasm-abi.md.
#include "wasm/emit.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include "pith/error.h"
#include "wasm/trees.h"

namespace pith::wasm {
namespace {

// Routine function locals: params, then i32 indices, then float64 values; then the tree walk's
// (trimmed away when unused).
enum : std::uint32_t {
  kIn,
  kOut,
  kRows,
  kI,
  kJ,
  kW,
  kK,
  kAcc,
  kT,
  kBest,
  kSum,
  kP64,
  kNode,
  kWord,
  kTree,
  kX32,
  kT32,
  kAcc32,
  kX64,
  kNode1,
  kNode2,
  kNode3,
  kWord1,
  kWord2,
  kWord3
};

constexpr std::uint32_t kF64Size = 8;

// Emits the ops of one routine. Arithmetic is float64; loop indices are byte offsets into float64
// vectors (tables, scratch); a float32 input or output row is addressed at half that offset.
class RoutineEmitter {
 public:
  RoutineEmitter(const Program& program, Code& code, std::uint32_t exp_index)
      : io_f32_(program.io == IoType::kF32),
        accumulators_(program.accumulator_address),
        c_(code),
        exp_(exp_index) {}

  void emit_op(const Op& op) {
    rounds_ = io_f32_ && op.rounds;
    if (op.unrolled && op.kind != OpKind::kTreeEnsemble) {
      if (op.kind == OpKind::kAffine || op.kind == OpKind::kSquaredDistances) {
        matrix_unrolled(op);
      } else {
        elementwise_unrolled(op);
      }
      return;
    }
    switch (op.kind) {
      case OpKind::kAffine:
      case OpKind::kSquaredDistances:
        matrix(op);
        break;
      case OpKind::kSqrt:
      case OpKind::kStandardize:
      case OpKind::kScaleShift:
      case OpKind::kClip:
      case OpKind::kCopy:
      case OpKind::kDivide:
      case OpKind::kExp:
      case OpKind::kLogistic:
        elementwise(op);
        break;
      case OpKind::kTreeEnsemble:
        tree_ensemble(op);
        break;
      case OpKind::kProbabilityPair:
        probability_pair(op);
        break;
      case OpKind::kArgMin:
      case OpKind::kArgMax:
        arg_extreme(op);
        break;
      case OpKind::kPositive:
        positive(op);
        break;
      case OpKind::kSigmoidPair:
        sigmoid_pair(op);
        break;
      case OpKind::kSoftmax:
        softmax(op);
        break;
    }
  }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  bool narrow(const Slot& slot) const { return io_f32_ && slot.kind != Slot::Kind::kScratch; }
  std::uint32_t element_size(const Slot& slot) const { return narrow(slot) ? 4 : kF64Size; }

  // Pushes the dynamic part of the address of element `index_local` (a float64 byte offset;
  // kNone for element 0) of `slot`; returns the constant part, for the load's or store's offset.
  std::uint32_t address(const Slot& slot, std::uint32_t index_local, std::size_t element = 0) {
    const auto constant = static_cast<std::uint32_t>(element * element_size(slot));
    const auto index = [&] {
      c_.local_get(index_local);
      if (narrow(slot)) {
        c_.i32_const(1);
        c_.op(Opcode::kI32ShrU);
      }
    };
    if (slot.kind == Slot::Kind::kScratch) {
      if (index_local == kNone) {
        c_.i32_const(0);
      } else {
        index();
      }
      return slot.address + constant;
    }
    c_.local_get(slot.kind == Slot::Kind::kInput ? kIn : kOut);
    if (index_local != kNone) {
      index();
      c_.op(Opcode::kI32Add);
    }
    return constant;
  }
  void load(const Slot& slot, std::uint32_t index_local, std::size_t element = 0) {
    const std::uint32_t offset = address(slot, index_local, element);
    c_.memory(narrow(slot) ? Opcode::kF32Load : Opcode::kF64Load, offset);
    if (narrow(slot)) c_.op(Opcode::kF64PromoteF32);
  }
  // Stores the float64 on the stack (after an `address` of the same slot).
  void store(const Slot& slot, std::uint32_t offset) {
    if (narrow(slot)) {
      // A value just rounded to float32 (demote, promote) is stored as the demoted float32.
      if (!c_.drop_last(Opcode::kF64PromoteF32)) c_.op(Opcode::kF32DemoteF64);
      c_.memory(Opcode::kF32Store, offset);
    } else {
      c_.memory(Opcode::kF64Store, offset);
    }
  }
  // The float32 rounding of pith's float32 prediction, where the op has it.
  void round() {
    if (!rounds_) return;
    c_.op(Opcode::kF32DemoteF64);
    c_.op(Opcode::kF64PromoteF32);
  }
  void arith(Opcode op) {
    c_.op(op);
    round();
  }
  void load_table(const Table& table, std::uint32_t index_local) {
    c_.local_get(index_local);
    c_.memory(Opcode::kF64Load, table.address);
  }
  void constant(double v) { c_.f64_value(v); }
  void set_i32(std::uint32_t local, std::int32_t value) {
    c_.i32_const(value);
    c_.local_set(local);
  }
  void add_i32(std::uint32_t local, std::int32_t value) {
    c_.local_get(local);
    c_.i32_const(value);
    c_.op(Opcode::kI32Add);
    c_.local_set(local);
  }
  // Closes a do-while loop over `local`, a byte offset stepping over `count` float64 elements.
  void loop_until(std::uint32_t local, std::size_t count) {
    c_.local_get(local);
    c_.i32_const(static_cast<std::int32_t>(kF64Size));
    c_.op(Opcode::kI32Add);
    c_.local_tee(local);
    c_.i32_const(static_cast<std::int32_t>(count * kF64Size));
    c_.op(Opcode::kI32LtU);
    c_.br_if(0);
    c_.end();
  }
  // acc (+)= one term of row j: w * x (affine) or (x - c)^2 (distances), from the stack order
  // of the two operands; `add` unless it is the first term.
  void term(bool affine, const std::function<void()>& parameter, const std::function<void()>& input,
            bool add) {
    if (affine) {
      parameter();
      input();
      c_.op(Opcode::kF64Mul);
    } else {
      input();
      parameter();
      arith(Opcode::kF64Sub);
      c_.local_tee(kT);
      c_.local_get(kT);
      arith(Opcode::kF64Mul);
    }
    if (add) arith(Opcode::kF64Add);
  }

  // kAffine / kSquaredDistances: one pass over the matrix, row j of it for output j; the sum
  // in feature order, as pith's native code (which is not contracted to FMA).
  void matrix(const Op& op) {
    const bool affine = op.kind == OpKind::kAffine;
    set_i32(kW, 0);
    set_i32(kJ, 0);
    c_.loop();
    constant(0.0);
    c_.local_set(kAcc);
    set_i32(kI, 0);
    c_.loop();
    c_.local_get(kAcc);
    term(
        affine, [&] { load_table(op.tables[0], kW); }, [&] { load(op.src, kI); }, true);
    c_.local_set(kAcc);
    add_i32(kW, static_cast<std::int32_t>(kF64Size));
    loop_until(kI, op.in_width);
    const std::uint32_t offset = address(op.dst, kJ);
    c_.local_get(kAcc);
    if (affine) {
      load_table(op.tables[1], kJ);
      c_.op(Opcode::kF64Add);
    }
    store(op.dst, offset);
    loop_until(kJ, op.out_width);
  }

  // The same arithmetic in the same order as matrix(), with the parameters as immediates.
  void matrix_unrolled(const Op& op) {
    const bool affine = op.kind == OpKind::kAffine;
    const std::vector<double>& m = op.tables[0].values;
    for (std::size_t j = 0; j < op.out_width; ++j) {
      const std::uint32_t offset = address(op.dst, kNone, j);
      for (std::size_t i = 0; i < op.in_width; ++i) {
        term(
            affine, [&] { constant(m[j * op.in_width + i]); }, [&] { load(op.src, kNone, i); },
            i > 0);
      }
      if (affine) {
        constant(op.tables[1].values[j]);
        c_.op(Opcode::kF64Add);
      }
      store(op.dst, offset);
    }
  }

  // The value of element i of an elementwise op, from its input on the stack.
  void elementwise_value(const Op& op, const std::function<void(std::size_t)>& parameter) {
    const bool first = !op.tables.empty() && !op.tables[0].values.empty();
    const bool second = op.tables.size() > 1 && !op.tables[1].values.empty();
    switch (op.kind) {
      case OpKind::kSqrt:
        arith(Opcode::kF64Sqrt);
        break;
      case OpKind::kStandardize:  // (x - mean) / scale
        if (first) {
          parameter(0);
          arith(Opcode::kF64Sub);
        }
        if (second) {
          parameter(1);
          arith(Opcode::kF64Div);
        }
        break;
      case OpKind::kScaleShift:  // x * scale + min
        if (first) {
          parameter(0);
          arith(Opcode::kF64Mul);
        }
        if (second) {
          parameter(1);
          arith(Opcode::kF64Add);
        }
        break;
      case OpKind::kClip:
        constant(op.lo);
        c_.op(Opcode::kF64Max);
        constant(op.hi);
        c_.op(Opcode::kF64Min);
        break;
      case OpKind::kDivide:
        parameter(0);
        c_.op(Opcode::kF64Div);
        break;
      case OpKind::kExp:
        c_.call(exp_);
        break;
      case OpKind::kLogistic:  // 1 / (1 + exp(-alpha * s)), as src/trees/predict.cc
        constant(-op.lo);
        c_.op(Opcode::kF64Mul);
        c_.call(exp_);
        c_.local_set(kT);
        c_.f64_value(1.0);
        c_.f64_value(1.0);
        c_.local_get(kT);
        c_.op(Opcode::kF64Add);
        c_.op(Opcode::kF64Div);
        break;
      default:
        break;
    }
  }

  void elementwise(const Op& op) {
    set_i32(kI, 0);
    c_.loop();
    const std::uint32_t offset = address(op.dst, kI);
    load(op.src, kI);
    elementwise_value(op, [&](std::size_t t) { load_table(op.tables[t], kI); });
    store(op.dst, offset);
    loop_until(kI, op.in_width);
  }

  void elementwise_unrolled(const Op& op) {
    for (std::size_t i = 0; i < op.in_width; ++i) {
      const std::uint32_t offset = address(op.dst, kNone, i);
      load(op.src, kNone, i);
      elementwise_value(op, [&](std::size_t t) { constant(op.tables[t].values[i]); });
      store(op.dst, offset);
    }
  }

  // The first extreme wins ties: a later value replaces the best only if strictly better. The
  // best index is kept as a byte offset (kK) and divided by 8 at the end.
  void arg_extreme(const Op& op) {
    load(op.src, kNone);
    c_.local_set(kBest);
    set_i32(kK, 0);
    if (op.in_width > 1) {
      set_i32(kI, static_cast<std::int32_t>(kF64Size));
      c_.loop();
      load(op.src, kI);
      c_.local_tee(kT);
      c_.local_get(kBest);
      c_.op(op.kind == OpKind::kArgMin ? Opcode::kF64Lt : Opcode::kF64Gt);
      c_.if_();
      c_.local_get(kT);
      c_.local_set(kBest);
      c_.local_get(kI);
      c_.local_set(kK);
      c_.end();
      loop_until(kI, op.in_width);
    }
    const std::uint32_t offset = address(op.dst, kNone);
    c_.local_get(kK);
    c_.i32_const(3);
    c_.op(Opcode::kI32ShrU);
    c_.memory(Opcode::kI32Store, offset);
  }

  void positive(const Op& op) {
    const std::uint32_t offset = address(op.dst, kNone);
    load(op.src, kNone);
    constant(0.0);
    c_.op(Opcode::kF64Gt);
    c_.memory(Opcode::kI32Store, offset);
  }

  // The raw scores of a tree ensemble (wasm/emit_trees.cc), then copied to the destination.
  void tree_ensemble(const Op& op) {
    TreeWalk walk{};
    walk.row_local = op.src.kind == Slot::Kind::kInput ? kIn : TreeWalk::kNoLocal;
    walk.row_offset = op.src.kind == Slot::Kind::kScratch ? op.src.address : 0;
    walk.row_f32 = narrow(op.src);
    walk.node = kNode;
    walk.word = kWord;
    walk.tree = kTree;
    walk.go = kK;
    walk.out = kW;
    walk.set = kJ;
    walk.category = kI;
    walk.x32 = kX32;
    walk.t32 = kT32;
    walk.acc32 = kAcc32;
    walk.x64 = kX64;
    walk.t64 = kT;
    walk.acc64 = kAcc;
    walk.accumulators = accumulators_;
    const std::uint32_t nodes[] = {kNode, kNode1, kNode2, kNode3};
    const std::uint32_t words[] = {kWord, kWord1, kWord2, kWord3};
    static_assert(sizeof nodes / sizeof nodes[0] == TreeTables::kGroup);
    for (std::size_t i = 0; i < TreeTables::kGroup; ++i) {
      walk.nodes[i] = nodes[i];
      walk.words[i] = words[i];
    }
    emit_tree_scores(c_, op, walk);
    if (op.out_width == 1) {
      const std::uint32_t offset = address(op.dst, kNone);
      if (op.trees->sum_f32) {
        c_.local_get(kAcc32);
        c_.op(Opcode::kF64PromoteF32);
      } else {
        c_.local_get(kAcc);
      }
      store(op.dst, offset);
      return;
    }
    set_i32(kI, 0);
    c_.loop();
    const std::uint32_t offset = address(op.dst, kI);
    c_.local_get(kI);
    c_.memory(Opcode::kF64Load, accumulators_);
    store(op.dst, offset);
    loop_until(kI, op.out_width);
  }

  // [1 - p, p] for p = in[0].
  void probability_pair(const Op& op) {
    load(op.src, kNone);
    c_.local_set(kP64);
    std::uint32_t offset = address(op.dst, kNone);
    c_.f64_value(1.0);
    c_.local_get(kP64);
    c_.op(Opcode::kF64Sub);
    store(op.dst, offset);
    offset = address(op.dst, kNone, 1);
    c_.local_get(kP64);
    store(op.dst, offset);
  }

  // scipy's expit, as pith's native code: e = exp(-|z|); p = z >= 0 ? 1 / (1 + e) : e / (1 + e).
  // Output [1 - p, p].
  void sigmoid_pair(const Op& op) {
    load(op.src, kNone);
    c_.local_tee(kT);
    c_.op(Opcode::kF64Abs);
    c_.op(Opcode::kF64Neg);
    c_.call(exp_);
    c_.local_set(kP64);  // e
    c_.f64_value(1.0);
    c_.f64_value(1.0);
    c_.local_get(kP64);
    c_.op(Opcode::kF64Add);
    c_.local_tee(kSum);
    c_.op(Opcode::kF64Div);  // 1 / (1 + e)
    c_.local_get(kP64);
    c_.local_get(kSum);
    c_.op(Opcode::kF64Div);  // e / (1 + e)
    c_.local_get(kT);
    constant(0.0);
    c_.op(Opcode::kF64Ge);
    c_.op(Opcode::kSelect);  // z >= 0 ? 1 / (1 + e) : e / (1 + e)
    c_.local_set(kP64);
    std::uint32_t offset = address(op.dst, kNone);
    c_.f64_value(1.0);
    c_.local_get(kP64);
    c_.op(Opcode::kF64Sub);
    store(op.dst, offset);
    offset = address(op.dst, kNone, 1);
    c_.local_get(kP64);
    store(op.dst, offset);
  }

  // max, then e_i = exp(z_i - max) and their sum, then e_i / sum (pith's and scikit-learn's
  // order). The exponentials wait in the output row, or for a float32 output in the input scratch
  // vector (read just before), so that only the final quotients are rounded.
  void softmax(const Op& op) {
    const std::size_t k = op.in_width;
    load(op.src, kNone);
    c_.local_set(kBest);
    if (k > 1) {
      set_i32(kI, static_cast<std::int32_t>(kF64Size));
      c_.loop();
      c_.local_get(kBest);
      load(op.src, kI);
      c_.op(Opcode::kF64Max);
      c_.local_set(kBest);
      loop_until(kI, k);
    }
    const Slot exps = narrow(op.dst) && op.src.kind == Slot::Kind::kScratch ? op.src : op.dst;
    constant(0.0);
    c_.local_set(kSum);
    set_i32(kI, 0);
    c_.loop();
    std::uint32_t offset = address(exps, kI);
    load(op.src, kI);
    c_.local_get(kBest);
    c_.op(Opcode::kF64Sub);
    c_.call(exp_);
    c_.local_tee(kT);
    store(exps, offset);
    c_.local_get(kSum);
    c_.local_get(kT);
    c_.op(Opcode::kF64Add);
    c_.local_set(kSum);
    loop_until(kI, k);
    set_i32(kI, 0);
    c_.loop();
    offset = address(op.dst, kI);
    load(exps, kI);
    c_.local_get(kSum);
    c_.op(Opcode::kF64Div);
    store(op.dst, offset);
    loop_until(kI, k);
  }

  bool io_f32_;
  std::uint32_t accumulators_;
  bool rounds_ = false;
  Code& c_;
  std::uint32_t exp_;
};

std::uint32_t output_size(const Program& p, const Routine& r) {
  return static_cast<std::uint32_t>(r.width * (r.index_output ? 4 : p.element_size()));
}

// `name(input, output, rows)`: the row loop around the routine's ops (after a call to the
// shared ops, `call_shared` = their function index + 1, 0 for none). Without the row loop, the
// ops once on the row at `input` (the shared function).
Function routine_function(Module& module, const Program& p, const Routine& r,
                          std::uint32_t exp_index, std::uint32_t call_shared, bool row_loop) {
  Function f;
  f.name = r.name;
  f.type = module.type_index({{ValType::kI32, ValType::kI32, ValType::kI32}, {}});
  f.locals = {ValType::kI32, ValType::kI32, ValType::kI32, ValType::kI32, ValType::kF64,
              ValType::kF64, ValType::kF64, ValType::kF64, ValType::kF64, ValType::kI32,
              ValType::kI32, ValType::kI32, ValType::kF32, ValType::kF32, ValType::kF32,
              ValType::kF64, ValType::kI32, ValType::kI32, ValType::kI32, ValType::kI32,
              ValType::kI32, ValType::kI32};
  Code& c = f.body;
  RoutineEmitter emitter(p, c, exp_index);
  if (!row_loop) {
    for (const Op& op : r.ops) emitter.emit_op(op);
    return f;
  }
  c.local_get(kRows);
  c.if_();
  c.loop();
  if (call_shared != 0) {
    c.local_get(kIn);
    if (r.ops.empty()) {
      c.local_get(kOut);
    } else {
      c.i32_const(static_cast<std::int32_t>(p.shared_result.address));
    }
    c.local_get(kRows);
    c.call(call_shared - 1);
  }
  for (const Op& op : r.ops) emitter.emit_op(op);
  const auto step = [&](std::uint32_t local, std::uint32_t bytes) {
    c.local_get(local);
    c.i32_const(static_cast<std::int32_t>(bytes));
    c.op(Opcode::kI32Add);
    c.local_set(local);
  };
  step(kIn, static_cast<std::uint32_t>(p.n_features * p.element_size()));
  step(kOut, output_size(p, r));
  c.local_get(kRows);
  c.i32_const(1);
  c.op(Opcode::kI32Sub);
  c.local_tee(kRows);
  c.br_if(0);
  c.end();
  c.end();
  return f;
}

void add_export(Module& m, const std::string& name, std::uint32_t function) {
  m.exports.push_back({name, Export::Kind::kFunction, function});
}

std::uint32_t add_function(Module& m, Function f) {
  m.functions.push_back(std::move(f));
  return static_cast<std::uint32_t>(m.imports.size() + m.functions.size() - 1);
}

// () -> i32 returning `value`; one function per value, exported under every name that has it.
std::uint32_t constant_function(Module& m, const std::string& name, std::int32_t value) {
  const FuncType type{{}, {ValType::kI32}};
  for (std::size_t i = 0; i < m.functions.size(); ++i) {
    const Function& g = m.functions[i];
    const auto& body = g.body.instrs();
    if (m.types[g.type] == type && body.size() == 1 && body[0].op == Opcode::kI32Const &&
        body[0].index == value) {
      return static_cast<std::uint32_t>(m.imports.size() + i);
    }
  }
  Function f;
  f.name = name;
  f.type = m.type_index({{}, {ValType::kI32}});
  f.body.i32_const(value);
  return add_function(m, std::move(f));
}

std::uint32_t embedded_function(Module& m, const Program& p, const EmitOptions& options,
                                std::uint32_t routine_index, const Routine& r,
                                std::uint32_t* end_address) {
  const std::size_t rows = options.embedded_rows.size() / p.n_features;
  const std::size_t n_values = rows * r.width;
  if (n_values == 0 || n_values > 1000) {
    throw_invalid_argument("embedded rows: 1 to 1000 output values, got " +
                           std::to_string(n_values));
  }
  DataSegment rows_data;
  rows_data.offset = p.input_offset;
  for (const double v : options.embedded_rows) {
    if (p.io == IoType::kF32) {
      append_f32(rows_data.bytes, static_cast<float>(v));
    } else {
      append_f64(rows_data.bytes, v);
    }
  }
  const std::uint32_t out = static_cast<std::uint32_t>(p.input_offset + rows_data.bytes.size());
  m.data.push_back(std::move(rows_data));
  Function f;
  f.name = "run_embedded";
  f.type = m.type_index({{}, std::vector<ValType>(n_values, ValType::kI64)});
  Code& c = f.body;
  c.i32_const(static_cast<std::int32_t>(p.input_offset));
  c.i32_const(static_cast<std::int32_t>(out));
  c.i32_const(static_cast<std::int32_t>(rows));
  c.call(routine_index);
  const std::uint32_t size = r.index_output ? 4 : static_cast<std::uint32_t>(p.element_size());
  for (std::size_t i = 0; i < n_values; ++i) {
    c.i32_const(0);
    const std::uint32_t at = out + static_cast<std::uint32_t>(i) * size;
    if (size == 8) {
      c.memory(Opcode::kI64Load, at);
    } else {
      c.memory(Opcode::kI32Load, at);
      c.op(r.index_output ? Opcode::kI64ExtendI32S : Opcode::kI64ExtendI32U);
    }
  }
  *end_address = out + static_cast<std::uint32_t>(n_values) * size;
  return add_function(m, std::move(f));
}

// Drops the trailing declared locals that the code never touches (each run of a type costs
// two bytes in every function that declares it).
void trim_locals(const Module& m, Function& f) {
  std::size_t used = 0;
  for (const Instr& in : f.body.instrs()) {
    if (in.op == Opcode::kLocalGet || in.op == Opcode::kLocalSet || in.op == Opcode::kLocalTee) {
      used = std::max(used, static_cast<std::size_t>(in.index) + 1);
    }
  }
  const std::size_t params = m.types.at(f.type).params.size();
  f.locals.resize(std::min(f.locals.size(), used > params ? used - params : 0));
}

}  // namespace

Module emit(const Program& p, const EmitOptions& options) {
  Module m;
  m.exports.push_back({"memory", Export::Kind::kMemory, 0});
  add_export(m, "n_features", constant_function(m, "n_features", static_cast<int>(p.n_features)));
  add_export(m, "n_classes", constant_function(m, "n_classes", static_cast<int>(p.n_classes)));
  add_export(m, "element_size",
             constant_function(m, "element_size", static_cast<int>(p.element_size())));
  add_export(m, "input_offset",
             constant_function(m, "input_offset", static_cast<std::int32_t>(p.input_offset)));

  std::vector<std::uint32_t> widths;
  for (const Routine& r : p.routines) {
    widths.push_back(constant_function(m, r.name + "_width", static_cast<std::int32_t>(r.width)));
  }
  // Function indices are fixed in advance: [shared], the routines, then exp; routines call
  // shared and exp by index.
  std::uint32_t next = static_cast<std::uint32_t>(m.functions.size());
  const std::uint32_t shared_index = p.shared.empty() ? 0 : next++;
  const std::uint32_t exp_index = next + static_cast<std::uint32_t>(p.routines.size());
  if (!p.shared.empty()) {
    Routine shared;
    shared.name = "shared";
    shared.ops = p.shared;
    add_function(m, routine_function(m, p, shared, exp_index, 0, /*row_loop=*/false));
  }
  std::uint32_t memory_end = p.input_offset;
  std::vector<std::uint32_t> routine_indices;
  for (std::size_t i = 0; i < p.routines.size(); ++i) {
    const Routine& r = p.routines[i];
    const std::uint32_t index = add_function(
        m, routine_function(m, p, r, exp_index, p.shared.empty() ? 0 : shared_index + 1, true));
    routine_indices.push_back(index);
    add_export(m, r.name, index);
    add_export(m, r.name + "_width", widths[i]);
    // n_outputs: the width of the default output (predict, or transform for a transformer).
    if (i == 0) add_export(m, "n_outputs", widths[i]);
  }
  if (p.uses_exp || options.export_exp) {
    const std::uint32_t index = add_exp_function(m);
    if (index != exp_index) throw std::logic_error("wasm emitter: exp index mismatch");
    if (options.export_exp) add_export(m, "exp", index);
  }
  if (!options.embedded_rows.empty()) {
    bool found = false;
    for (std::size_t i = 0; i < p.routines.size(); ++i) {
      if (p.routines[i].name != options.embedded_output) continue;
      add_export(m, "run_embedded",
                 embedded_function(m, p, options, routine_indices[i], p.routines[i], &memory_end));
      found = true;
    }
    if (!found) throw_invalid_argument("embedded output '" + options.embedded_output + "' unknown");
  }
  for (Function& f : m.functions) trim_locals(m, f);
  if (!p.constants.empty()) m.data.insert(m.data.begin(), DataSegment{0, p.constants});
  m.memory_pages = std::max<std::uint32_t>(1, (memory_end + 65535) / 65536);
  if (!options.metadata.empty()) m.custom.push_back({"pith", options.metadata});
  return m;
}

}  // namespace pith::wasm
