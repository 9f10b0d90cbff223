// The compiler's passes over the intermediate form (declared in passes.h), and its text dump.
#include "wasm/passes.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "pith/error.h"
#include "wasm/module.h"
#include "wasm/trees.h"

namespace pith::wasm {

const char* op_name(OpKind kind) {
  switch (kind) {
    case OpKind::kAffine:
      return "affine";
    case OpKind::kSquaredDistances:
      return "squared_distances";
    case OpKind::kSqrt:
      return "sqrt";
    case OpKind::kStandardize:
      return "standardize";
    case OpKind::kScaleShift:
      return "scale_shift";
    case OpKind::kClip:
      return "clip";
    case OpKind::kCopy:
      return "copy";
    case OpKind::kArgMin:
      return "argmin";
    case OpKind::kArgMax:
      return "argmax";
    case OpKind::kPositive:
      return "positive";
    case OpKind::kSigmoidPair:
      return "sigmoid_pair";
    case OpKind::kSoftmax:
      return "softmax";
    case OpKind::kTreeEnsemble:
      return "tree_ensemble";
    case OpKind::kDivide:
      return "divide";
    case OpKind::kExp:
      return "exp";
    case OpKind::kLogistic:
      return "logistic";
    case OpKind::kProbabilityPair:
      return "probability_pair";
  }
  return "?";
}

void select_routines(Program& program, const std::vector<std::string>& outputs) {
  if (outputs.empty()) return;
  for (const std::string& name : outputs) {
    const bool known = std::any_of(program.routines.begin(), program.routines.end(),
                                   [&](const Routine& r) { return r.name == name; });
    if (!known) {
      std::string message = "a ";
      message.append(program.kind).append(" model has no output '").append(name);
      message.append("'; it has:");
      for (const Routine& r : program.routines) message.append(" ").append(r.name);
      throw_invalid_argument(message);
    }
  }
  std::erase_if(program.routines, [&](const Routine& r) {
    return std::find(outputs.begin(), outputs.end(), r.name) == outputs.end();
  });
}

namespace {

bool all_equal(const std::vector<double>& values, double x) {
  return std::all_of(values.begin(), values.end(), [x](double v) { return v == x; });
}

}  // namespace

void drop_identities(Program& program) {
  for (Routine& routine : program.routines) {
    for (Op& op : routine.ops) {
      if (op.kind == OpKind::kStandardize) {
        if (all_equal(op.tables[0].values, 0.0)) op.tables[0].values.clear();
        if (all_equal(op.tables[1].values, 1.0)) op.tables[1].values.clear();
      } else if (op.kind == OpKind::kScaleShift) {
        if (all_equal(op.tables[0].values, 1.0)) op.tables[0].values.clear();
        if (all_equal(op.tables[1].values, 0.0)) op.tables[1].values.clear();
      } else if (op.kind == OpKind::kDivide) {
        if (all_equal(op.tables[0].values, 1.0)) op.tables[0].values.clear();
      }
    }
    std::erase_if(routine.ops, [](const Op& op) {
      if (op.kind == OpKind::kDivide) return op.tables[0].values.empty();
      return (op.kind == OpKind::kStandardize || op.kind == OpKind::kScaleShift) &&
             op.tables[0].values.empty() && op.tables[1].values.empty();
    });
    if (routine.ops.empty()) {
      Op copy;
      copy.kind = OpKind::kCopy;
      copy.in_width = copy.out_width = program.n_features;
      routine.ops.push_back(copy);
    }
  }
}

namespace {

bool same_op(const Op& a, const Op& b) {
  if (a.kind != b.kind || a.in_width != b.in_width || a.out_width != b.out_width ||
      a.tables.size() != b.tables.size() || a.lo != b.lo || a.hi != b.hi || a.trees != b.trees) {
    return false;
  }
  for (std::size_t t = 0; t < a.tables.size(); ++t) {
    if (a.tables[t].values != b.tables[t].values) return false;
  }
  return true;
}

}  // namespace

void share_prefix(Program& program) {
  if (program.routines.size() < 2) return;
  std::vector<Op>& first = program.routines[0].ops;
  std::size_t n = first.size();
  for (const Routine& r : program.routines) {
    std::size_t k = 0;
    while (k < std::min(n, r.ops.size()) && same_op(first[k], r.ops[k])) ++k;
    n = k;
  }
  if (n == 0) return;
  program.shared.assign(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(n));
  for (Routine& r : program.routines) {
    r.ops.erase(r.ops.begin(), r.ops.begin() + static_cast<std::ptrdiff_t>(n));
    // Float32 outputs: the shared ops write float64 scratch, which a copy rounds to the output.
    if (r.ops.empty() && program.io == IoType::kF32) {
      Op copy;
      copy.kind = OpKind::kCopy;
      copy.in_width = copy.out_width = program.shared.back().out_width;
      r.ops.push_back(copy);
    }
  }
}

void unroll_small(Program& program, std::size_t max_values) {
  const auto mark = [max_values](Op& op) {
    std::size_t values = 0;
    for (const Table& t : op.tables) values += t.values.size();
    const bool has_code = op.kind == OpKind::kAffine || op.kind == OpKind::kSquaredDistances ||
                          op.kind == OpKind::kStandardize || op.kind == OpKind::kScaleShift ||
                          op.kind == OpKind::kDivide;
    op.unrolled = has_code && values <= max_values;
    // Trees: nested if/else with immediates for models of few nodes (numeric splits only).
    if (op.trees != nullptr) {
      op.unrolled = op.trees->n_nodes <= max_values && !op.trees->any_categorical &&
                    !op.trees->any_zero_is_missing;
    }
  };
  for (Op& op : program.shared) mark(op);
  for (Routine& r : program.routines) {
    for (Op& op : r.ops) mark(op);
  }
}

namespace {

bool elementwise(OpKind kind) {
  return kind == OpKind::kSqrt || kind == OpKind::kStandardize || kind == OpKind::kScaleShift ||
         kind == OpKind::kClip || kind == OpKind::kSoftmax || kind == OpKind::kCopy ||
         kind == OpKind::kDivide || kind == OpKind::kExp || kind == OpKind::kLogistic;
}

}  // namespace

void assign_slots(Program& program) {
  std::size_t widest = 0;
  // Walks a chain of ops from `current`; the last op writes the output row unless `to_scratch`.
  const auto chain = [&](std::vector<Op>& ops, Slot& current, std::uint32_t& next,
                         bool to_scratch) {
    for (std::size_t i = 0; i < ops.size(); ++i) {
      Op& op = ops[i];
      op.src = current;
      if (i + 1 == ops.size() && !to_scratch) {
        op.dst = Slot{Slot::Kind::kOutput, 0, 0};
      } else if (elementwise(op.kind) && current.kind == Slot::Kind::kScratch) {
        op.dst = current;
      } else {
        op.dst = Slot{Slot::Kind::kScratch, next, 0};
        next ^= 1;
        widest = std::max(widest, op.out_width);
      }
      current = op.dst;
    }
  };
  Slot after_shared{Slot::Kind::kInput, 0, 0};
  std::uint32_t next_after_shared = 0;
  if (!program.shared.empty() && program.io == IoType::kF32) {
    chain(program.shared, after_shared, next_after_shared, true);
    program.shared_result = after_shared;
  } else if (!program.shared.empty()) {
    // The last shared op writes where it is told: an output row, or this scratch vector.
    chain(program.shared, after_shared, next_after_shared, false);
    after_shared = Slot{Slot::Kind::kScratch, next_after_shared, 0};
    next_after_shared ^= 1;
    widest = std::max(widest, program.shared.back().out_width);
    program.shared_result = after_shared;
  }
  for (Routine& routine : program.routines) {
    Slot current = after_shared;
    std::uint32_t next = next_after_shared;
    chain(routine.ops, current, next, false);
  }
  program.scratch_bytes = static_cast<std::uint32_t>(2 * widest * Program::kScratchElement);
}

namespace {

std::uint32_t align_up(std::size_t value, std::size_t alignment) {
  const std::size_t aligned = (value + alignment - 1) / alignment * alignment;
  if (aligned > 0x7fffffffu) throw Error(ErrorCode::kUnsupported, "model too large for wasm32");
  return static_cast<std::uint32_t>(aligned);
}

}  // namespace

void layout(Program& program) {
  const std::size_t es = Program::kScratchElement;
  std::vector<const std::vector<double>*> placed;  // pooled tables, by content
  std::vector<std::uint32_t> addresses;
  std::vector<std::pair<const TreeTables*, std::uint32_t>> placed_trees;
  std::size_t accumulators = 0;  // float64 sums of tree ensembles with several outputs
  std::vector<std::uint8_t>& data = program.constants;
  data.clear();
  program.uses_exp = false;
  const auto all_ops = [&program](const auto& visit) {
    for (Op& op : program.shared) visit(op);
    for (Routine& routine : program.routines) {
      for (Op& op : routine.ops) visit(op);
    }
  };
  all_ops([&](Op& op) {
    {
      if (op.kind == OpKind::kSigmoidPair || op.kind == OpKind::kSoftmax ||
          op.kind == OpKind::kExp || op.kind == OpKind::kLogistic) {
        program.uses_exp = true;
      }
      if (op.trees != nullptr) {
        if (op.out_width > 1) accumulators = std::max(accumulators, op.out_width);
        if (op.unrolled) return;  // the code holds the tables
        const auto same = std::find_if(placed_trees.begin(), placed_trees.end(),
                                       [&](const auto& p) { return p.first == op.trees.get(); });
        if (same != placed_trees.end()) {
          op.trees_address = same->second;
        } else {
          op.trees_address = align_up(data.size(), es);
          data.resize(op.trees_address);
          data.insert(data.end(), op.trees->bytes.begin(), op.trees->bytes.end());
          placed_trees.emplace_back(op.trees.get(), op.trees_address);
        }
      }
      for (Table& table : op.tables) {
        if (table.values.empty() || op.unrolled) continue;
        const auto same = std::find_if(placed.begin(), placed.end(), [&](const auto* p) {
          return p->size() == table.values.size() &&
                 std::memcmp(p->data(), table.values.data(), p->size() * sizeof(double)) == 0;
        });
        if (same != placed.end()) {
          table.address = addresses[static_cast<std::size_t>(same - placed.begin())];
          continue;
        }
        table.address = align_up(data.size(), es);
        data.resize(table.address);
        for (const double v : table.values) append_f64(data, v);
        placed.push_back(&table.values);
        addresses.push_back(table.address);
      }
    }
  });
  program.scratch_address = align_up(data.size(), 8);
  const std::uint32_t half = program.scratch_bytes / 2;
  all_ops([&](Op& op) {
    for (Slot* slot : {&op.src, &op.dst}) {
      if (slot->kind == Slot::Kind::kScratch) {
        slot->address = program.scratch_address + slot->index * half;
      }
    }
  });
  program.shared_result.address = program.scratch_address + program.shared_result.index * half;
  program.accumulator_address = program.scratch_address + program.scratch_bytes;
  program.accumulator_bytes = static_cast<std::uint32_t>(accumulators * Program::kScratchElement);
  program.input_offset = align_up(program.accumulator_address + program.accumulator_bytes, 16);
}

namespace {

std::string slot_text(const Slot& slot) {
  switch (slot.kind) {
    case Slot::Kind::kInput:
      return "input";
    case Slot::Kind::kOutput:
      return "output";
    case Slot::Kind::kScratch:
      return "scratch@" + std::to_string(slot.address);
  }
  return "?";
}

// The tree tables' shape: sizes, record layout, comparison and sums.
std::string tree_text(const TreeTables& t, std::uint32_t address) {
  std::string out = " trees=" + std::to_string(t.n_trees) + " nodes=" + std::to_string(t.n_nodes);
  out.append(" records=").append(t.compare_f32 ? "f32" : "f64");
  out.append(t.wide ? "+word+child:" : "+word:").append(std::to_string(t.stride)).append("B");
  out.append(t.compare_f32 ? " x<=t" : (t.less ? " x<t" : " x<=t"));
  out.append(t.sum_f32 ? " sums=f32" : " sums=f64");
  out.append(t.inline_leaves ? " leaves=inline" : " leaves=table");
  if (t.any_categorical) out.append(" categorical");
  if (t.any_zero_is_missing) out.append(" zero_is_missing");
  if (t.n_groups > 0) out.append(" groups_of_4=").append(std::to_string(t.n_groups));
  out.append(" tables[").append(std::to_string(t.bytes.size())).append("B]@");
  out.append(std::to_string(address));
  return out;
}

}  // namespace

std::string dump(const Program& p) {
  std::string out = "program ";
  out.append(p.kind).append(p.io == IoType::kF32 ? " io=f32" : " io=f64");
  out.append(" n_features=").append(std::to_string(p.n_features));
  out.append(" n_classes=").append(std::to_string(p.n_classes));
  out.append(" constants=").append(std::to_string(p.constants.size())).append("B");
  out.append(" scratch=").append(std::to_string(p.scratch_bytes)).append("B@");
  out.append(std::to_string(p.scratch_address));
  if (p.accumulator_bytes > 0) {
    out.append(" accumulators=").append(std::to_string(p.accumulator_bytes)).append("B@");
    out.append(std::to_string(p.accumulator_address));
  }
  out.append(" input_offset=").append(std::to_string(p.input_offset));
  out.append(p.uses_exp ? " uses_exp\n" : "\n");
  const auto dump_op = [&out](const Op& op) {
    out.append("  ").append(slot_text(op.dst)).append("[").append(std::to_string(op.out_width));
    out.append("] = ").append(op_name(op.kind)).append(op.unrolled ? ".unrolled" : "");
    out.append(op.rounds ? ".f32 " : " ");
    out.append(slot_text(op.src)).append("[").append(std::to_string(op.in_width)).append("]");
    for (const Table& t : op.tables) {
      if (t.values.empty()) {
        out.append(" -");
      } else if (op.unrolled) {
        out.append(" inline[").append(std::to_string(t.values.size())).append("]");
      } else {
        out.append(" table[").append(std::to_string(t.values.size())).append("]@");
        out.append(std::to_string(t.address));
      }
    }
    if (op.trees != nullptr) out.append(tree_text(*op.trees, op.trees_address));
    if (op.kind == OpKind::kLogistic) {
      char alpha[48];
      std::snprintf(alpha, sizeof alpha, " alpha=%.17g", op.lo);
      out.append(alpha);
    }
    if (op.kind == OpKind::kClip) {
      char range[64];
      std::snprintf(range, sizeof range, " [%.17g, %.17g]", op.lo, op.hi);
      out.append(range);
    }
    out.append("\n");
  };
  if (!p.shared.empty()) {
    out.append("shared -> output of routines without ops, else ");
    out.append(slot_text(p.shared_result)).append("\n");
  }
  for (const Op& op : p.shared) dump_op(op);
  for (const Routine& r : p.routines) {
    out.append("routine ").append(r.name).append(" -> ");
    out.append(r.index_output ? (r.class_index ? "class" : "cluster") : "real");
    out.append("[").append(std::to_string(r.width)).append("]\n");
    for (const Op& op : r.ops) dump_op(op);
  }
  return out;
}

}  // namespace pith::wasm
