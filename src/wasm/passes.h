// The passes between lowering and emission, in the order compile_wasm runs them. Each takes the
// program and rewrites it in place; none changes a computed value (see docs/wasm-abi.md).
#pragma once

#include <string>
#include <vector>

#include "wasm/ir.h"

namespace pith::wasm {

// Keeps the routines named in `outputs` (all if empty), in the program's order. Throws
// Error(kInvalidArgument) naming the outputs the model has for an unknown name.
void select_routines(Program& program, const std::vector<std::string>& outputs);

// Removes arithmetic that cannot change a value: subtracting or adding 0, dividing or
// multiplying by 1 (scalers without centring or scaling). An op left with nothing to do goes;
// a routine left empty copies its input.
void drop_identities(Program& program);

// Moves the ops that every routine starts with (a classifier's scores, a pipeline's transforms)
// into Program::shared, so that their code is emitted once. Needs two routines or more.
void share_prefix(Program& program);

// Marks ops whose tables hold at most `max_values` numbers for straight-line code with the
// numbers as instruction immediates: smaller than a loop plus a table for small models, and
// faster (no loop, no loads of parameters). Tree ensembles of at most `max_values` nodes with
// numeric splits only become nested if/else per tree, the thresholds and leaves immediates.
void unroll_small(Program& program, std::size_t max_values);

// Decides where every op reads and writes: the first reads the input row, the last writes the
// output row, intermediates alternate between two scratch vectors (elementwise ops in place).
void assign_slots(Program& program);

// Places constant tables (identical tables shared, float64) and the
// scratch vectors in linear memory; sets input_offset and uses_exp.
void layout(Program& program);

}  // namespace pith::wasm
