// Input validation and prediction for one request, shared by the gRPC and REST front ends.
#include "inference.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <variant>

#include "pith/error.h"

namespace pith::serve {
namespace {

struct Layout {
  std::size_t rows = 0;
  std::size_t cols = 0;
};

std::string shape_text(std::span<const std::int64_t> shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  out += "]";
  return out;
}

std::string input_prefix(const Servable& model, const InferInput& input) {
  std::string out = "model '";
  out += model.name;
  out += "', input '";
  out += input.name;
  out += "': ";
  return out;
}

std::string expected_shapes(std::size_t n_features) {
  const std::string n = std::to_string(n_features);
  return "expected [" + n + "] (one row) or [batch, " + n + "]";
}

Layout check_shape(const Servable& model, const InferInput& input) {
  const std::size_t n_features = model.model.input.n_features;
  const std::string shape = shape_text(input.shape);
  if (input.shape.size() != 1 && input.shape.size() != 2) {
    invalid(input_prefix(model, input) + "shape " + shape + " has rank " +
            std::to_string(input.shape.size()) + "; " + expected_shapes(n_features));
  }
  for (const std::int64_t dim : input.shape) {
    if (dim < 0) {
      invalid(input_prefix(model, input) + "shape " + shape + " has a negative dimension; " +
              expected_shapes(n_features));
    }
  }
  const std::int64_t cols = input.shape.back();
  if (static_cast<std::uint64_t>(cols) != n_features) {
    invalid(input_prefix(model, input) + "shape " + shape + " has " + std::to_string(cols) +
            " features per row, the model expects " + std::to_string(n_features) + "; " +
            expected_shapes(n_features));
  }
  const std::int64_t rows = input.shape.size() == 2 ? input.shape[0] : 1;
  if (rows == 0) {
    invalid(input_prefix(model, input) + "empty batch (shape " + shape +
            "); send at least one row");
  }
  if (static_cast<std::uint64_t>(rows) > std::numeric_limits<std::uint32_t>::max() / n_features) {
    invalid(input_prefix(model, input) + "shape " + shape + " is too large");
  }
  return {static_cast<std::size_t>(rows), n_features};
}

template <class T>
void check_finite(const Servable& model, const InferInput& input, MatrixView<T> X) {
  const std::size_t n = X.rows * X.cols;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(X.data[i])) [[unlikely]] {
      const char* what = std::isnan(X.data[i]) ? "NaN" : "infinite";
      invalid(input_prefix(model, input) + "row " + std::to_string(i / X.cols) + ", column " +
              std::to_string(i % X.cols) + " is " + what + "; values must be finite");
    }
  }
}

// The input as a matrix of the model's dtype T: the request's own bytes when the wire type is T
// and the bytes are aligned, else a copy or conversion into the scratch buffer. `data` holds
// Wire values, possibly misaligned (raw bytes), so the conversion reads them with memcpy.
template <class T, class Wire>
MatrixView<T> view_as(const void* data, bool aligned, Layout layout, std::vector<T>& buffer) {
  const std::size_t n = layout.rows * layout.cols;
  if constexpr (std::is_same_v<T, Wire>) {
    if (aligned) return {static_cast<const T*>(data), layout.rows, layout.cols};
  }
  buffer.resize(n);
  if constexpr (std::is_same_v<T, Wire>) {
    std::memcpy(buffer.data(), data, n * sizeof(T));
  } else {
    const auto* bytes = static_cast<const char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      Wire value;
      std::memcpy(&value, bytes + i * sizeof(Wire), sizeof(Wire));
      buffer[i] = static_cast<T>(value);
    }
  }
  return {buffer.data(), layout.rows, layout.cols};
}

template <class T>
MatrixView<T> input_matrix(const Servable& model, const InferInput& input, Layout layout,
                           std::vector<T>& buffer) {
  const bool fp32 = input.datatype == "FP32";
  if (!fp32 && input.datatype != "FP64") {
    invalid(input_prefix(model, input) + "datatype '" + std::string(input.datatype) +
            "' is not supported; expected FP32 or FP64 (the model computes in " +
            wire_datatype(model.model.input.dtype) + ")");
  }
  const std::size_t n = layout.rows * layout.cols;
  const std::size_t element = fp32 ? sizeof(float) : sizeof(double);
  if (input.raw) {
    if (input.raw_bytes.size() != n * element) {
      invalid(input_prefix(model, input) + "raw_input_contents has " +
              std::to_string(input.raw_bytes.size()) + " bytes; shape " + shape_text(input.shape) +
              " of " + std::string(input.datatype) + " needs " + std::to_string(n) + " values (" +
              std::to_string(n * element) + " bytes)");
    }
    const auto address = reinterpret_cast<std::uintptr_t>(input.raw_bytes.data());
    const bool aligned = address % element == 0;
    if (fp32) return view_as<T, float>(input.raw_bytes.data(), aligned, layout, buffer);
    return view_as<T, double>(input.raw_bytes.data(), aligned, layout, buffer);
  }
  const std::size_t given = fp32 ? input.fp32.size() : input.fp64.size();
  if (given != n) {
    std::string message = input_prefix(model, input) + "shape " + shape_text(input.shape) +
                          " needs " + std::to_string(n) + " values in " +
                          (fp32 ? "fp32_contents" : "fp64_contents") + ", got " +
                          std::to_string(given);
    if (input.other_values > 0) message += " (values were given in another contents field)";
    invalid(message);
  }
  if (fp32) return view_as<T, float>(input.fp32.data(), true, layout, buffer);
  return view_as<T, double>(input.fp64.data(), true, layout, buffer);
}

template <class U>
U* output_buffer(std::string& out, std::size_t count) {
  out.resize(count * sizeof(U));
  if (reinterpret_cast<std::uintptr_t>(out.data()) % alignof(U) != 0) [[unlikely]] {
    out.reserve(64);  // a heap buffer: malloc aligns it for every scalar type
  }
  return reinterpret_cast<U*>(out.data());
}

template <class T>
void compute_output(const Servable& model, MatrixView<T> X, const OutputSpec& spec,
                    std::string& out, InferScratch& scratch) {
  const std::size_t count = X.rows * spec.width;
  if (spec.type == OutputType::kReal) {
    predict<T>(model.model, spec.name, X, nullptr, output_buffer<T>(out, count), 1);
    return;
  }
  if (!spec.class_index || model.classes == nullptr) {
    predict<T>(model.model, spec.name, X, output_buffer<std::int32_t>(out, count), nullptr, 1);
    return;
  }
  scratch.indices.resize(count);
  predict<T>(model.model, spec.name, X, scratch.indices.data(), nullptr, 1);
  if (const auto* labels = std::get_if<std::vector<std::int64_t>>(model.classes)) {
    std::int64_t* values = output_buffer<std::int64_t>(out, count);
    for (std::size_t i = 0; i < count; ++i) values[i] = (*labels)[scratch.indices[i]];
    return;
  }
  const auto& names = std::get<std::vector<std::string>>(*model.classes);
  out.clear();
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& label = names[scratch.indices[i]];
    const auto length = static_cast<std::uint32_t>(label.size());
    out.append(reinterpret_cast<const char*>(&length), sizeof length);  // little-endian hosts
    out += label;
  }
}

template <class T>
std::vector<InferOutput> run_as(const Servable& model, const InferInput& input,
                                std::span<const std::string_view> requested, Layout layout,
                                std::vector<T>& buffer, InferScratch& scratch) {
  const MatrixView<T> X = input_matrix<T>(model, input, layout, buffer);
  if (!model.accepts_missing) check_finite(model, input, X);
  std::vector<const OutputSpec*> specs;
  if (requested.empty()) {
    for (const OutputSpec& spec : model.outputs) specs.push_back(&spec);
  } else {
    for (const std::string_view name : requested) {
      const OutputSpec* spec = find_output(model.outputs, name);
      if (spec == nullptr) {
        std::string message =
            "model '" + model.name + "' has no output '" + std::string(name) + "'; its outputs: ";
        for (std::size_t i = 0; i < model.outputs.size(); ++i) {
          if (i > 0) message += ", ";
          message += model.outputs[i].name;
        }
        invalid(message);
      }
      specs.push_back(spec);
    }
  }
  if (scratch.outputs.size() < specs.size()) scratch.outputs.resize(specs.size());
  std::vector<InferOutput> outputs(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const OutputSpec& spec = *specs[i];
    compute_output(model, X, spec, scratch.outputs[i], scratch);
    InferOutput& out = outputs[i];
    out.spec = &spec;
    out.datatype = output_datatype(model, spec);
    out.shape[0] = static_cast<std::int64_t>(layout.rows);
    out.shape[1] = static_cast<std::int64_t>(spec.width);
    out.rank = spec.width > 1 ? 2 : 1;
    out.bytes = scratch.outputs[i];
  }
  return outputs;
}

}  // namespace

void invalid(const std::string& message) { throw RequestError(Outcome::kInvalidArgument, message); }

const char* wire_datatype(DType dtype) { return dtype == DType::kFloat32 ? "FP32" : "FP64"; }

const char* output_datatype(const Servable& model, const OutputSpec& spec) {
  if (spec.type == OutputType::kReal) return wire_datatype(model.model.input.dtype);
  if (!spec.class_index || model.classes == nullptr) return "INT32";
  return std::holds_alternative<std::vector<std::int64_t>>(*model.classes) ? "INT64" : "BYTES";
}

std::size_t input_rows(const InferInput& input) {
  if (input.shape.size() == 2 && input.shape[0] > 0)
    return static_cast<std::size_t>(input.shape[0]);
  return 1;
}

std::vector<InferOutput> run_inference(const Servable& model, const InferInput& input,
                                       std::span<const std::string_view> requested,
                                       InferScratch& scratch) {
  const Layout layout = check_shape(model, input);
  try {
    if (model.model.input.dtype == DType::kFloat32) {
      return run_as<float>(model, input, requested, layout, scratch.input32, scratch);
    }
    return run_as<double>(model, input, requested, layout, scratch.input64, scratch);
  } catch (const Error& e) {
    // The library checked something the server did not (it should not happen): still the
    // caller's input, so still INVALID_ARGUMENT, with the library's message.
    if (e.code() == ErrorCode::kInvalidArgument) invalid(input_prefix(model, input) + e.what());
    throw;
  }
}

}  // namespace pith::serve

namespace pith::serve {

ModelMetadata model_metadata(const Snapshot& snapshot, const Servable& model) {
  ModelMetadata out;
  out.name = model.name;
  if (const auto m = snapshot.models.find(model.name); m != snapshot.models.end()) {
    for (const auto& [number, servable] : m->second) out.versions.push_back(servable->version_text);
  }
  out.platform = std::string("pith:") + estimator_kind(model.model.estimator);
  out.inputs.push_back({kInputName,
                        wire_datatype(model.model.input.dtype),
                        {-1, static_cast<std::int64_t>(model.model.input.n_features)},
                        model.model.input.feature_names});
  for (const OutputSpec& spec : model.outputs) {
    TensorMetadata tensor{spec.name, output_datatype(model, spec), {-1}, {}};
    if (spec.width > 1) tensor.shape.push_back(static_cast<std::int64_t>(spec.width));
    out.outputs.push_back(std::move(tensor));
  }
  return out;
}

}  // namespace pith::serve
