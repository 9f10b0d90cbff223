// Code emission: a laid-out program to a WebAssembly module (see docs/wasm-abi.md for the ABI).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "wasm/ir.h"
#include "wasm/module.h"

namespace pith::wasm {

struct EmitOptions {
  std::string metadata;  // JSON for the "pith" custom section; empty: no section
  bool export_exp = false;
  // Rows placed at input_offset by a data segment, and an export `run_embedded` returning the
  // `embedded_output` routine's values on them as i64 (value bits), for hosts that cannot pass
  // data in (wabt's wasm-interp, a microcontroller smoke test).
  std::vector<double> embedded_rows;
  std::string embedded_output = "predict";
};

Module emit(const Program& program, const EmitOptions& options);

// Adds the exp function (f64 -> f64, fdlibm's algorithm) to `module`; returns its index.
std::uint32_t add_exp_function(Module& module);

}  // namespace pith::wasm
