// pith._core.compile_wasm / dump_wasm: the WebAssembly compiler (pith/wasm.h) for Python. Models
// cross as the bytes of a .pith file, so every estimator that can save itself can be compiled.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "binding.h"
#include "pith/error.h"
#include "pith/model_io.h"
#include "pith/wasm.h"

namespace pith::python {
namespace {

using namespace nb::literals;

pith::WasmOptions make_options(const std::optional<std::string>& dtype,
                               const std::vector<std::string>& outputs, bool metadata,
                               bool export_exp, const std::vector<double>& embedded_rows,
                               const std::string& embedded_output, std::size_t max_unrolled) {
  pith::WasmOptions options;
  options.max_unrolled_values = max_unrolled;
  if (dtype == "float32") {
    options.dtype = pith::WasmDType::kFloat32;
  } else if (dtype == "float64") {
    options.dtype = pith::WasmDType::kFloat64;
  } else if (dtype) {
    pith::throw_invalid_argument("dtype must be None, 'float32' or 'float64', got '" + *dtype +
                                 "'");
  }
  options.outputs = outputs;
  options.metadata = metadata;
  options.export_exp = export_exp;
  options.embedded_rows = embedded_rows;
  options.embedded_output = embedded_output;
  return options;
}

nb::bytes compile_wasm(const nb::bytes& model_bytes, const std::optional<std::string>& dtype,
                       const std::vector<std::string>& outputs, bool metadata, bool export_exp,
                       const std::vector<double>& embedded_rows, const std::string& embedded_output,
                       std::size_t max_unrolled) {
  const std::string_view bytes(model_bytes.c_str(), model_bytes.size());
  const pith::WasmOptions options = make_options(dtype, outputs, metadata, export_exp,
                                                 embedded_rows, embedded_output, max_unrolled);
  std::vector<std::uint8_t> module;
  {
    nb::gil_scoped_release release;
    module = pith::compile_wasm(pith::parse_model(bytes), options);
  }
  return nb::bytes(reinterpret_cast<const char*>(module.data()), module.size());
}

std::string dump_wasm(const nb::bytes& model_bytes, const std::string& what,
                      const std::optional<std::string>& dtype,
                      const std::vector<std::string>& outputs) {
  const pith::Model model =
      pith::parse_model(std::string_view(model_bytes.c_str(), model_bytes.size()));
  const pith::WasmOptions options = make_options(dtype, outputs, true, false, {}, "predict",
                                                 pith::WasmOptions{}.max_unrolled_values);
  if (what == "ir") return pith::dump_wasm_ir(model, options);
  if (what == "wat") return pith::dump_wasm_text(model, options);
  pith::throw_invalid_argument("what must be 'ir' or 'wat', got '" + what + "'");
}

}  // namespace

void bind_wasm(nb::module_& m) {
  m.def("compile_wasm", &compile_wasm, "model_bytes"_a, "dtype"_a = nb::none(),
        "outputs"_a = std::vector<std::string>{}, "metadata"_a = true, "export_exp"_a = false,
        "embedded_rows"_a = std::vector<double>{}, "embedded_output"_a = "predict",
        "max_unrolled_values"_a = pith::WasmOptions{}.max_unrolled_values,
        "Compiles the bytes of a .pith model to a WebAssembly module (bytes); see "
        "docs/wasm-abi.md.");
  m.def("dump_wasm", &dump_wasm, "model_bytes"_a, "what"_a = "ir", "dtype"_a = nb::none(),
        "outputs"_a = std::vector<std::string>{},
        "The compiler's intermediate form ('ir') or the module as text ('wat').");
}

}  // namespace pith::python
