// Emission: every routine of a laid-out program becomes an exported function
// `name(input, output, rows)` looping over rows, one code template per op kind; plus the schema
// functions, the memory helper and (if used) exp. The ABI is described in docs/wasm-abi.md.
#include "wasm/emit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "pith/error.h"

namespace pith::wasm {
namespace {

// Routine function locals: params, then i32 scratch indices, then arithmetic-type values.
enum : std::uint32_t { kIn, kOut, kRows, kI, kJ, kW, kK, kAcc, kT, kBest, kSum, kP64 };

// Arithmetic-type instructions for f32 or f64.
struct Arithmetic {
  bool f32;
  std::uint32_t size() const { return f32 ? 4 : 8; }
  Opcode load() const { return f32 ? Opcode::kF32Load : Opcode::kF64Load; }
  Opcode store() const { return f32 ? Opcode::kF32Store : Opcode::kF64Store; }
  Opcode add() const { return f32 ? Opcode::kF32Add : Opcode::kF64Add; }
  Opcode sub() const { return f32 ? Opcode::kF32Sub : Opcode::kF64Sub; }
  Opcode mul() const { return f32 ? Opcode::kF32Mul : Opcode::kF64Mul; }
  Opcode div() const { return f32 ? Opcode::kF32Div : Opcode::kF64Div; }
  Opcode sqrt() const { return f32 ? Opcode::kF32Sqrt : Opcode::kF64Sqrt; }
  Opcode min() const { return f32 ? Opcode::kF32Min : Opcode::kF64Min; }
  Opcode max() const { return f32 ? Opcode::kF32Max : Opcode::kF64Max; }
  Opcode lt() const { return f32 ? Opcode::kF32Lt : Opcode::kF64Lt; }
  Opcode gt() const { return f32 ? Opcode::kF32Gt : Opcode::kF64Gt; }
  ValType type() const { return f32 ? ValType::kF32 : ValType::kF64; }
  void constant(Code& c, double v) const {
    if (v == 0.0 && !std::signbit(v)) {  // +0 as the bits of integer 0: 3 bytes, not 9 (or 5)
      if (f32) {
        c.i32_const(0);
        c.op(Opcode::kF32ReinterpretI32);
      } else {
        c.i64_const(0);
        c.op(Opcode::kF64ReinterpretI64);
      }
    } else if (f32) {
      c.f32_const(static_cast<float>(v));
    } else {
      c.f64_const(v);
    }
  }
};

class RoutineEmitter {
 public:
  RoutineEmitter(const Program& program, Code& code, std::uint32_t exp_index)
      : a_{program.arith == Arith::kF32}, c_(code), exp_(exp_index) {}

  void emit_op(const Op& op) {
    if (op.unrolled) {
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
        elementwise(op);
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
  // Pushes the base address of element `index_local` (a byte offset; kNone for element 0) of
  // `slot`, and returns the constant offset that the load or store must add.
  static constexpr std::uint32_t kNone = 0xffffffffu;
  std::uint32_t address(const Slot& slot, std::uint32_t index_local) {
    if (slot.kind == Slot::Kind::kScratch) {
      if (index_local == kNone) {
        c_.i32_const(0);
      } else {
        c_.local_get(index_local);
      }
      return slot.address;
    }
    c_.local_get(slot.kind == Slot::Kind::kInput ? kIn : kOut);
    if (index_local != kNone) {
      c_.local_get(index_local);
      c_.op(Opcode::kI32Add);
    }
    return 0;
  }
  void load(const Slot& slot, std::uint32_t index_local, std::uint32_t extra = 0) {
    const std::uint32_t offset = address(slot, index_local);
    c_.memory(a_.load(), offset + extra);
  }
  void load_table(const Table& table, std::uint32_t index_local) {
    c_.local_get(index_local);
    c_.memory(a_.load(), table.address);
  }
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
  // Closes a do-while loop over `local` (a byte offset stepping by the element size).
  void loop_until(std::uint32_t local, std::size_t count) {
    c_.local_get(local);
    c_.i32_const(static_cast<std::int32_t>(a_.size()));
    c_.op(Opcode::kI32Add);
    c_.local_tee(local);
    c_.i32_const(static_cast<std::int32_t>(count * a_.size()));
    c_.op(Opcode::kI32LtU);
    c_.br_if(0);
    c_.end();
  }
  void to_f64() {
    if (a_.f32) c_.op(Opcode::kF64PromoteF32);
  }
  void from_f64() {
    if (a_.f32) c_.op(Opcode::kF32DemoteF64);
  }

  // kAffine / kSquaredDistances: one pass over the matrix, row j of it for output j.
  void matrix(const Op& op) {
    const bool affine = op.kind == OpKind::kAffine;
    set_i32(kW, 0);
    set_i32(kJ, 0);
    c_.loop();
    a_.constant(c_, 0.0);
    c_.local_set(kAcc);
    set_i32(kI, 0);
    c_.loop();
    c_.local_get(kAcc);
    if (affine) {
      load_table(op.tables[0], kW);
      load(op.src, kI);
      c_.op(a_.mul());
    } else {
      load(op.src, kI);
      load_table(op.tables[0], kW);
      c_.op(a_.sub());
      c_.local_tee(kT);
      c_.local_get(kT);
      c_.op(a_.mul());
    }
    c_.op(a_.add());
    c_.local_set(kAcc);
    add_i32(kW, static_cast<std::int32_t>(a_.size()));
    loop_until(kI, op.in_width);
    const std::uint32_t offset = address(op.dst, kJ);
    c_.local_get(kAcc);
    if (affine) {
      load_table(op.tables[1], kJ);
      c_.op(a_.add());
    }
    c_.memory(a_.store(), offset);
    loop_until(kJ, op.out_width);
  }

  // The same arithmetic in the same order as matrix(), with the matrix as immediates.
  void matrix_unrolled(const Op& op) {
    const bool affine = op.kind == OpKind::kAffine;
    const std::vector<double>& m = op.tables[0].values;
    for (std::size_t j = 0; j < op.out_width; ++j) {
      const std::uint32_t offset = address(op.dst, kNone);
      for (std::size_t i = 0; i < op.in_width; ++i) {
        const double v = m[j * op.in_width + i];
        const auto at = static_cast<std::uint32_t>(i * a_.size());
        if (affine) {
          a_.constant(c_, v);
          load(op.src, kNone, at);
          c_.op(a_.mul());
        } else {
          load(op.src, kNone, at);
          a_.constant(c_, v);
          c_.op(a_.sub());
          c_.local_tee(kT);
          c_.local_get(kT);
          c_.op(a_.mul());
        }
        if (i > 0) c_.op(a_.add());
      }
      if (affine) {
        a_.constant(c_, op.tables[1].values[j]);
        c_.op(a_.add());
      }
      c_.memory(a_.store(), offset + static_cast<std::uint32_t>(j * a_.size()));
    }
  }

  void elementwise_unrolled(const Op& op) {
    const std::vector<double>& first = op.tables[0].values;
    const std::vector<double>& second = op.tables[1].values;
    const bool standardize = op.kind == OpKind::kStandardize;
    for (std::size_t i = 0; i < op.in_width; ++i) {
      const auto at = static_cast<std::uint32_t>(i * a_.size());
      const std::uint32_t offset = address(op.dst, kNone);
      load(op.src, kNone, at);
      if (!first.empty()) {
        a_.constant(c_, first[i]);
        c_.op(standardize ? a_.sub() : a_.mul());
      }
      if (!second.empty()) {
        a_.constant(c_, second[i]);
        c_.op(standardize ? a_.div() : a_.add());
      }
      c_.memory(a_.store(), offset + at);
    }
  }

  void elementwise(const Op& op) {
    set_i32(kI, 0);
    c_.loop();
    const std::uint32_t offset = address(op.dst, kI);
    load(op.src, kI);
    switch (op.kind) {
      case OpKind::kSqrt:
        c_.op(a_.sqrt());
        break;
      case OpKind::kStandardize:
        if (!op.tables[0].values.empty()) {
          load_table(op.tables[0], kI);
          c_.op(a_.sub());
        }
        if (!op.tables[1].values.empty()) {
          load_table(op.tables[1], kI);
          c_.op(a_.div());
        }
        break;
      case OpKind::kScaleShift:
        if (!op.tables[0].values.empty()) {
          load_table(op.tables[0], kI);
          c_.op(a_.mul());
        }
        if (!op.tables[1].values.empty()) {
          load_table(op.tables[1], kI);
          c_.op(a_.add());
        }
        break;
      case OpKind::kClip:
        a_.constant(c_, op.lo);
        c_.op(a_.max());
        a_.constant(c_, op.hi);
        c_.op(a_.min());
        break;
      default:
        break;
    }
    c_.memory(a_.store(), offset);
    loop_until(kI, op.in_width);
  }

  // The first extreme wins ties: a later value replaces the best only if strictly better.
  void arg_extreme(const Op& op) {
    const Opcode better = op.kind == OpKind::kArgMin ? a_.lt() : a_.gt();
    load(op.src, kNone);
    c_.local_set(kBest);
    set_i32(kK, 0);
    if (op.in_width > 1) {
      set_i32(kI, static_cast<std::int32_t>(a_.size()));
      set_i32(kJ, 1);
      c_.loop();
      load(op.src, kI);
      c_.local_set(kT);
      c_.local_get(kJ);
      c_.local_get(kK);
      c_.local_get(kT);
      c_.local_get(kBest);
      c_.op(better);
      c_.op(Opcode::kSelect);
      c_.local_set(kK);
      c_.local_get(kT);
      c_.local_get(kBest);
      c_.local_get(kT);
      c_.local_get(kBest);
      c_.op(better);
      c_.op(Opcode::kSelect);
      c_.local_set(kBest);
      add_i32(kJ, 1);
      loop_until(kI, op.in_width);
    }
    const std::uint32_t offset = address(op.dst, kNone);
    c_.local_get(kK);
    c_.memory(Opcode::kI32Store, offset);
  }

  void positive(const Op& op) {
    const std::uint32_t offset = address(op.dst, kNone);
    load(op.src, kNone);
    a_.constant(c_, 0.0);
    c_.op(a_.gt());
    c_.memory(Opcode::kI32Store, offset);
  }

  // p = 1 / (1 + exp(-z)) in float64 (then rounded once to f32 for f32 modules); [1 - p, p].
  void sigmoid_pair(const Op& op) {
    c_.f64_const(1.0);
    c_.f64_const(1.0);
    load(op.src, kNone);
    to_f64();
    c_.op(Opcode::kF64Neg);
    c_.call(exp_);
    c_.op(Opcode::kF64Add);
    c_.op(Opcode::kF64Div);
    c_.local_set(kP64);
    std::uint32_t offset = address(op.dst, kNone);
    c_.f64_const(1.0);
    c_.local_get(kP64);
    c_.op(Opcode::kF64Sub);
    from_f64();
    c_.memory(a_.store(), offset);
    offset = address(op.dst, kNone);
    c_.local_get(kP64);
    from_f64();
    c_.memory(a_.store(), offset + a_.size());
  }

  // max, then e_i = exp(z_i - max) and their sum, then e_i / sum (scikit-learn's order).
  void softmax(const Op& op) {
    const std::size_t k = op.in_width;
    load(op.src, kNone);
    c_.local_set(kBest);
    if (k > 1) {
      set_i32(kI, static_cast<std::int32_t>(a_.size()));
      c_.loop();
      c_.local_get(kBest);
      load(op.src, kI);
      c_.op(a_.max());
      c_.local_set(kBest);
      loop_until(kI, k);
    }
    a_.constant(c_, 0.0);
    c_.local_set(kSum);
    set_i32(kI, 0);
    c_.loop();
    std::uint32_t offset = address(op.dst, kI);
    load(op.src, kI);
    c_.local_get(kBest);
    c_.op(a_.sub());
    to_f64();
    c_.call(exp_);
    from_f64();
    c_.local_tee(kT);
    c_.memory(a_.store(), offset);
    c_.local_get(kSum);
    c_.local_get(kT);
    c_.op(a_.add());
    c_.local_set(kSum);
    loop_until(kI, k);
    set_i32(kI, 0);
    c_.loop();
    offset = address(op.dst, kI);
    load(op.dst, kI);
    c_.local_get(kSum);
    c_.op(a_.div());
    c_.memory(a_.store(), offset);
    loop_until(kI, k);
  }

  Arithmetic a_;
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
  const ValType t = p.arith == Arith::kF32 ? ValType::kF32 : ValType::kF64;
  f.locals = {ValType::kI32, ValType::kI32, ValType::kI32, ValType::kI32, t, t, t, t,
              ValType::kF64};
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

std::uint32_t constant_function(Module& m, const std::string& name, std::int32_t value) {
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
    if (p.arith == Arith::kF32) {
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

  // Function indices are fixed in advance: [shared], then per routine the routine and its
  // width, then exp; routines call shared and exp by index.
  std::uint32_t next = static_cast<std::uint32_t>(m.functions.size());
  const std::uint32_t shared_index = p.shared.empty() ? 0 : next++;
  const std::uint32_t exp_index = next + static_cast<std::uint32_t>(2 * p.routines.size());
  if (!p.shared.empty()) {
    Routine shared;
    shared.name = "shared";
    shared.ops = p.shared;
    Function f = routine_function(m, p, shared, exp_index, 0, /*row_loop=*/false);
    add_function(m, std::move(f));
  }
  std::uint32_t memory_end = p.input_offset;
  std::vector<std::uint32_t> routine_indices;
  for (std::size_t i = 0; i < p.routines.size(); ++i) {
    const Routine& r = p.routines[i];
    const std::uint32_t index = add_function(
        m, routine_function(m, p, r, exp_index, p.shared.empty() ? 0 : shared_index + 1, true));
    routine_indices.push_back(index);
    add_export(m, r.name, index);
    const std::uint32_t width =
        constant_function(m, r.name + "_width", static_cast<std::int32_t>(r.width));
    add_export(m, r.name + "_width", width);
    // n_outputs: the width of the default output (predict, or transform for a transformer).
    if (i == 0) add_export(m, "n_outputs", width);
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
  if (!p.constants.empty()) m.data.insert(m.data.begin(), DataSegment{0, p.constants});
  m.memory_pages = std::max<std::uint32_t>(1, (memory_end + 65535) / 65536);
  if (!options.metadata.empty()) m.custom.push_back({"pith", options.metadata});
  return m;
}

}  // namespace pith::wasm
