// `pith compile MODEL -o model.wasm`: a model file to a standalone WebAssembly module (or, with
// --dump, the compiler's intermediate form or the module as text).
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"
#include "output.h"
#include "pith/error.h"
#include "pith/wasm.h"

namespace pith::cli {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

int run_compile(const Args& args) {
  WasmOptions options;
  if (args.flag("float32") && args.flag("float64")) {
    args.usage_error("--float32 and --float64 exclude each other");
  }
  if (args.flag("float32")) options.dtype = WasmDType::kFloat32;
  if (args.flag("float64")) options.dtype = WasmDType::kFloat64;
  options.wasi = args.flag("wasi");
  options.metadata = !args.flag("no-metadata");
  if (const auto outputs = args.value("outputs")) options.outputs = split_list(*outputs);
  const std::optional<std::string> dump = args.value("dump");
  if (dump && *dump != "ir" && *dump != "wat") {
    args.usage_error("--dump expects 'ir' or 'wat', got '" + *dump + "'");
  }
  const std::optional<std::string> output = args.value("output");
  if (!dump && !output) args.usage_error("missing -o FILE (where to write the module)");

  const LoadedModel loaded = load_model_file(args.operand(0), "compile");
  if (dump) {
    write_output(output.value_or("-"), *dump == "ir" ? dump_wasm_ir(loaded.model, options)
                                                     : dump_wasm_text(loaded.model, options));
    return kExitOk;
  }
  const std::vector<std::uint8_t> module = compile_wasm(loaded.model, options);
  write_output(*output,
               std::string_view(reinterpret_cast<const char*>(module.data()), module.size()));
  return kExitOk;
}

}  // namespace

const Subcommand& compile_subcommand() {
  static const Subcommand command{
      .name = "compile",
      .summary = "Compile a model to a standalone WebAssembly module (.wasm).",
      .operands = {"MODEL"},
      .options =
          {
              value_option("output", "FILE", "write the module to FILE (replaced atomically)", 'o'),
              flag_option("float32", "float32 inputs and outputs (default: the model's dtype)"),
              flag_option("float64", "float64 inputs and outputs"),
              value_option("outputs", "LIST",
                           "comma-separated outputs to export (default: all the model has)"),
              flag_option("no-metadata", "leave out the 'pith' schema section (JSON)"),
              value_option("dump", "ir|wat",
                           "write the intermediate form or the module as text instead"),
              flag_option("wasi", "a WASI command reading CSV on stdin (not implemented yet)"),
          },
      .details =
          "The module has no imports. It exports its memory, the schema (n_features,\n"
          "n_outputs, n_classes, element_size, input_offset, <output>_width) and one\n"
          "function per output (predict, predict_proba, decision_function, transform),\n"
          "each taking (input address, output address, rows). It computes what\n"
          "'pith predict' computes for the same dtype. See docs/wasm-abi.md; js/pith.mjs\n"
          "loads it in Node and browsers.\n",
      .run = &run_compile,
  };
  return command;
}

}  // namespace pith::cli
