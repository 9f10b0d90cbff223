// pith compile: a fitted model to a standalone WebAssembly module (no imports, one exported
// memory, batch prediction over row-major floats). The ABI is in docs/wasm-abi.md.
//
// The compiler is a pipeline: the model is lowered to a small intermediate form (one chain of
// vector operations per output), passes select outputs, drop no-op arithmetic and lay out
// memory, and the emitter writes the binary format directly. Both intermediate steps can be
// dumped as text for debugging.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pith/model.h"

namespace pith {

// The type of the module's inputs and outputs. Its arithmetic is pith's native prediction's for
// that dtype (pith/predict.h): float64, with the float32 roundings of predict<float> for float32.
enum class WasmDType : std::uint8_t {
  kModel,  // the model's input dtype
  kFloat32,
  kFloat64,
};

struct WasmOptions {
  WasmDType dtype = WasmDType::kModel;
  // Outputs to export, by name ("predict", "predict_proba", "decision_function", "transform");
  // empty: every output the model has.
  std::vector<std::string> outputs;
  // A "pith" custom section with the schema as JSON (feature names, class labels, outputs), read
  // by the JS loader; runtimes ignore it.
  bool metadata = true;
  // Operations with at most this many parameters become straight-line code with the parameters
  // as constants (faster: no loop, no loads); larger ones loop over a table in memory.
  std::size_t max_unrolled_values = 32;
  // A WASI command (CSV rows on stdin, predictions on stdout). Not implemented yet: kUnsupported.
  bool wasi = false;
  // Also export `exp` (f64 -> f64), the implementation probabilities use; for tests.
  bool export_exp = false;
  // If not empty: rows (row-major, n_features per row) built into the module, and an export
  // `run_embedded() -> (i64 ...)` returning `embedded_output`'s values on them as bit patterns;
  // for hosts that cannot write to memory (wabt's wasm-interp, a microcontroller smoke test).
  std::vector<double> embedded_rows;
  std::string embedded_output = "predict";
};

// The binary module. Throws Error(kUnsupported) for what cannot be compiled (with the reason),
// Error(kInvalidArgument) for an output the model does not have, Error(kFormat) for an invalid
// model.
std::vector<std::uint8_t> compile_wasm(const Model& model, const WasmOptions& options = {});

// The intermediate form after all passes, as text (one line per operation, with addresses).
std::string dump_wasm_ir(const Model& model, const WasmOptions& options = {});

// The module in the WebAssembly text format (flat instructions; wat2wasm reads it back).
std::string dump_wasm_text(const Model& model, const WasmOptions& options = {});

}  // namespace pith
