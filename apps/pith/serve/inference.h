// One inference request, independent of the transport: validating the input tensor against the
// model's schema (shape, dtype, feature count, finite values), running pith::predict for the
// requested outputs and laying the results out as Open Inference Protocol tensors. The gRPC and
// REST front ends only decode into an InferInput and encode the InferOutputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "metrics.h"
#include "model_registry.h"

namespace pith::serve {

// An error that answers a request: the outcome says which status code it maps to.
class RequestError : public std::runtime_error {
 public:
  RequestError(Outcome outcome, const std::string& message)
      : std::runtime_error(message), outcome_(outcome) {}
  Outcome outcome() const { return outcome_; }

 private:
  Outcome outcome_;
};

[[noreturn]] void invalid(const std::string& message);

// The one input tensor of a request, as decoded, not copied: either raw little-endian bytes or
// typed values (fp32 or fp64).
struct InferInput {
  std::string_view name;
  std::string_view datatype;  // "FP32", "FP64", ...
  std::span<const std::int64_t> shape;
  bool raw = false;
  std::string_view raw_bytes;
  std::span<const float> fp32;
  std::span<const double> fp64;
  std::size_t other_values = 0;  // values given in a typed field the datatype does not use
};

// One output tensor: datatype "INT32", "INT64", "FP32", "FP64" or "BYTES"; shape [rows] or
// [rows, width]; `bytes` its raw little-endian contents (BYTES: each element a 4-byte
// little-endian length then the bytes, as Triton lays them out).
struct InferOutput {
  const OutputSpec* spec = nullptr;
  const char* datatype = "";
  std::int64_t shape[2] = {0, 0};
  int rank = 1;
  std::string_view bytes;
};

// Per-thread buffers reused from request to request, so that the hot path does not allocate
// once they have grown to the largest batch seen.
struct InferScratch {
  std::vector<float> input32;
  std::vector<double> input64;
  std::vector<std::string> outputs;
  std::vector<std::int32_t> indices;
};

// Validates `input` against `model` and computes the outputs named in `requested` (empty: every
// output of the model, the default first). Throws RequestError(kInvalidArgument) with a message
// that says what was expected. The InferOutputs point into `scratch` and `model`.
std::vector<InferOutput> run_inference(const Servable& model, const InferInput& input,
                                       std::span<const std::string_view> requested,
                                       InferScratch& scratch);

// The rows of a validated request (for metrics), and the wire names of pith's types.
std::size_t input_rows(const InferInput& input);
const char* wire_datatype(DType dtype);
// The datatype an output has on the wire: INT32 for indices, INT64/BYTES for class labels,
// the model's FP32/FP64 for real values.
const char* output_datatype(const Servable& model, const OutputSpec& spec);

}  // namespace pith::serve

namespace pith::serve {

// What ModelMetadata (gRPC) and GET /v2/models/{name} (REST) describe.
struct TensorMetadata {
  std::string name;
  std::string datatype;
  std::vector<std::int64_t> shape;         // -1: any batch size
  std::vector<std::string> feature_names;  // the input's columns, if the model names them
};

struct ModelMetadata {
  std::string name;
  std::vector<std::string> versions;
  std::string platform;  // "pith:<kind>", e.g. "pith:kmeans"
  std::vector<TensorMetadata> inputs;
  std::vector<TensorMetadata> outputs;
};

// The name the single input tensor is advertised under (any name is accepted).
inline constexpr const char* kInputName = "input";

ModelMetadata model_metadata(const Snapshot& snapshot, const Servable& model);

}  // namespace pith::serve
