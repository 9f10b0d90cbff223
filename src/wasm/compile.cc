// compile_wasm and the dumps (pith/wasm.h): the pass pipeline from model to module, and the JSON
// schema the module carries for loaders.
#include <cmath>
#include <cstdio>
#include <string>
#include <type_traits>
#include <variant>

#include "pith/error.h"
#include "pith/predict.h"
#include "pith/wasm.h"
#include "wasm/emit.h"
#include "wasm/lower.h"
#include "wasm/passes.h"

namespace pith {
namespace {

using wasm::IoType;

IoType io_for(const Model& model, const WasmOptions& options) {
  switch (options.dtype) {
    case WasmDType::kFloat32:
      return IoType::kF32;
    case WasmDType::kFloat64:
      return IoType::kF64;
    case WasmDType::kModel:
      break;
  }
  return model.input.dtype == DType::kFloat32 ? IoType::kF32 : IoType::kF64;
}

wasm::Program build_program(const Model& model, const WasmOptions& options) {
  validate_model(model);
  if (options.wasi) {
    throw Error(ErrorCode::kUnsupported,
                "--wasi (a WASI command module) is not implemented yet; compile without it and "
                "run the module through the JS loader or a runtime's API");
  }
  wasm::Program program = wasm::lower(model, io_for(model, options));
  wasm::select_routines(program, options.outputs);
  wasm::drop_identities(program);
  wasm::share_prefix(program);
  wasm::unroll_small(program, options.max_unrolled_values);
  wasm::assign_slots(program);
  wasm::layout(program);
  return program;
}

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", u);
      out += buffer;
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string metadata_json(const Model& model, const wasm::Program& program) {
  // Only what the exported functions cannot say: numbers (n_features, widths, element size)
  // are functions of the module.
  std::string j = "{\"abi\":1,\"kind\":";
  append_json_string(j, program.kind);
  if (!model.input.feature_names.empty()) {
    j += ",\"feature_names\":[";
    for (std::size_t i = 0; i < model.input.feature_names.size(); ++i) {
      if (i) j += ',';
      append_json_string(j, model.input.feature_names[i]);
    }
    j += ']';
  }
  if (const ClassLabels* classes = model_classes(model)) {
    j += ",\"classes\":[";
    std::visit(
        [&](const auto& labels) {
          for (std::size_t i = 0; i < labels.size(); ++i) {
            if (i) j += ',';
            if constexpr (std::is_same_v<std::decay_t<decltype(labels[i])>, std::string>) {
              append_json_string(j, labels[i]);
            } else {
              j += std::to_string(labels[i]);
            }
          }
        },
        *classes);
    j += ']';
  }
  // Outputs of int32 indices (classes if "classes" is present, else clusters); the others are
  // reals. Their widths are exported functions.
  j += ",\"int_outputs\":[";
  bool first = true;
  for (const wasm::Routine& r : program.routines) {
    if (!r.index_output) continue;
    if (!first) j += ',';
    first = false;
    append_json_string(j, r.name);
  }
  j += ']';
  // Trees route missing values: the loader then passes NaN through.
  if (accepts_missing(model)) j += ",\"accepts_nan\":true";
  j += '}';
  return j;
}

wasm::Module build_module(const Model& model, const WasmOptions& options) {
  const wasm::Program program = build_program(model, options);
  wasm::EmitOptions emit_options;
  if (options.metadata) emit_options.metadata = metadata_json(model, program);
  emit_options.export_exp = options.export_exp;
  emit_options.embedded_rows = options.embedded_rows;
  emit_options.embedded_output = options.embedded_output;
  if (!options.embedded_rows.empty() && options.embedded_rows.size() % program.n_features != 0) {
    throw_invalid_argument("embedded rows: " + std::to_string(options.embedded_rows.size()) +
                           " values is not a multiple of " + std::to_string(program.n_features) +
                           " features");
  }
  return wasm::emit(program, emit_options);
}

}  // namespace

std::vector<std::uint8_t> compile_wasm(const Model& model, const WasmOptions& options) {
  return wasm::encode(build_module(model, options));
}

std::string dump_wasm_ir(const Model& model, const WasmOptions& options) {
  return wasm::dump(build_program(model, options));
}

std::string dump_wasm_text(const Model& model, const WasmOptions& options) {
  return wasm::to_text(build_module(model, options));
}

}  // namespace pith
