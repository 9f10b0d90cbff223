// inference.GRPCInferenceService handlers: decode into InferInput, run, encode raw outputs.
#include "grpc_service.h"

#include <chrono>
#include <exception>
#include <string>
#include <vector>

#include <grpcpp/support/proto_buffer_reader.h>

#include "inference.h"
#include "pith/version.h"

namespace pith::serve {
namespace {

grpc::ServerUnaryReactor* finish(grpc::CallbackServerContext* context,
                                 const grpc::Status& status = grpc::Status::OK) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// The request's one input, pointing into the request (no copy).
InferInput decode_input(const inference::ModelInferRequest& request) {
  const int n_inputs = request.inputs_size();
  if (n_inputs != 1) {
    invalid("model '" + request.model_name() + "' takes exactly one input tensor (shape [batch, " +
            "n_features]), the request has " + std::to_string(n_inputs));
  }
  const int n_raw = request.raw_input_contents_size();
  if (n_raw != 0 && n_raw != n_inputs) {
    invalid("raw_input_contents has " + std::to_string(n_raw) +
            " entries; it needs one per input (" + std::to_string(n_inputs) + ")");
  }
  const auto& tensor = request.inputs(0);
  InferInput input;
  input.name = tensor.name();
  input.datatype = tensor.datatype();
  input.shape = {tensor.shape().data(), static_cast<std::size_t>(tensor.shape_size())};
  if (n_raw == 1) {
    if (tensor.has_contents()) {
      invalid("input '" + tensor.name() +
              "' has both contents and raw_input_contents; send one of them");
    }
    input.raw = true;
    input.raw_bytes = request.raw_input_contents(0);
    return input;
  }
  const auto& contents = tensor.contents();
  input.fp32 = {contents.fp32_contents().data(),
                static_cast<std::size_t>(contents.fp32_contents_size())};
  input.fp64 = {contents.fp64_contents().data(),
                static_cast<std::size_t>(contents.fp64_contents_size())};
  input.other_values =
      static_cast<std::size_t>(contents.bool_contents_size() + contents.int_contents_size() +
                               contents.int64_contents_size() + contents.uint_contents_size() +
                               contents.uint64_contents_size() + contents.bytes_contents_size());
  if (input.datatype == "FP32") input.other_values += input.fp64.size();
  if (input.datatype == "FP64") input.other_values += input.fp32.size();
  return input;
}

void encode_outputs(const std::vector<InferOutput>& outputs,
                    inference::ModelInferResponse* response) {
  for (const InferOutput& output : outputs) {
    auto* tensor = response->add_outputs();
    tensor->set_name(output.spec->name);
    tensor->set_datatype(output.datatype);
    for (int d = 0; d < output.rank; ++d) tensor->add_shape(output.shape[d]);
    response->add_raw_output_contents(output.bytes.data(), output.bytes.size());
  }
}

}  // namespace

grpc::StatusCode grpc_code(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return grpc::StatusCode::OK;
    case Outcome::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case Outcome::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case Outcome::kRejected:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case Outcome::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case Outcome::kInternal:
      return grpc::StatusCode::INTERNAL;
    case Outcome::kCancelled:
      return grpc::StatusCode::CANCELLED;
  }
  return grpc::StatusCode::INTERNAL;
}

grpc::ServerUnaryReactor* GrpcInferenceService::ServerLive(
    grpc::CallbackServerContext* context, const inference::ServerLiveRequest*,
    inference::ServerLiveResponse* response) {
  response->set_live(true);
  return finish(context);
}

grpc::ServerUnaryReactor* GrpcInferenceService::ServerReady(
    grpc::CallbackServerContext* context, const inference::ServerReadyRequest*,
    inference::ServerReadyResponse* response) {
  response->set_ready(state_->ready.load());
  return finish(context);
}

grpc::ServerUnaryReactor* GrpcInferenceService::ModelReady(
    grpc::CallbackServerContext* context, const inference::ModelReadyRequest* request,
    inference::ModelReadyResponse* response) {
  const LookupResult found = state_->registry.find(request->name(), request->version());
  if (!found.servable) return finish(context, {grpc::StatusCode::NOT_FOUND, found.error});
  response->set_ready(state_->ready.load());
  return finish(context);
}

grpc::ServerUnaryReactor* GrpcInferenceService::ServerMetadata(
    grpc::CallbackServerContext* context, const inference::ServerMetadataRequest*,
    inference::ServerMetadataResponse* response) {
  response->set_name("pith");
  response->set_version(kVersion);
  return finish(context);
}

grpc::ServerUnaryReactor* GrpcInferenceService::ModelMetadata(
    grpc::CallbackServerContext* context, const inference::ModelMetadataRequest* request,
    inference::ModelMetadataResponse* response) {
  const auto snapshot = state_->registry.snapshot();
  const LookupResult found = state_->registry.find(request->name(), request->version());
  if (!found.servable) return finish(context, {grpc::StatusCode::NOT_FOUND, found.error});
  const serve::ModelMetadata metadata = model_metadata(*snapshot, *found.servable);
  response->set_name(metadata.name);
  for (const std::string& version : metadata.versions) response->add_versions(version);
  response->set_platform(metadata.platform);
  const auto add = [](const TensorMetadata& from, auto* to) {
    to->set_name(from.name);
    to->set_datatype(from.datatype);
    for (const std::int64_t dim : from.shape) to->add_shape(dim);
  };
  for (const TensorMetadata& input : metadata.inputs) add(input, response->add_inputs());
  for (const TensorMetadata& output : metadata.outputs) add(output, response->add_outputs());
  return finish(context);
}

grpc::ServerUnaryReactor* GrpcInferenceService::ModelInfer(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request_bytes,
                                                           grpc::ByteBuffer* response_bytes) {
  if (context->IsCancelled() || request_bytes == nullptr || !request_bytes->Valid()) {
    // No message: the client went away before sending it (e.g. a load generator stopping with
    // streams open, RST_STREAM). Nothing to answer, and not the server's error.
    state_->metrics.record(state_->metrics.model(""), Protocol::kGrpc, Outcome::kCancelled);
    return finish(context, grpc::Status::CANCELLED);
  }
  // Finish() is called only after the arena is gone: were gRPC to run another call's handler
  // inline on this thread, it would find the thread's block free.
  return finish(context, infer_bytes(*request_bytes, response_bytes));
}

grpc::Status GrpcInferenceService::infer_bytes(const grpc::ByteBuffer& request_bytes,
                                               grpc::ByteBuffer* response_bytes) {
  // The arena's first block is this thread's, reused by every request it serves.
  constexpr std::size_t kArenaBlock = 256 * 1024;
  thread_local std::unique_ptr<char[]> block(new char[kArenaBlock]);
  google::protobuf::ArenaOptions arena_options;
  arena_options.initial_block = block.get();
  arena_options.initial_block_size = kArenaBlock;
  google::protobuf::Arena arena(arena_options);
  auto* request = google::protobuf::Arena::CreateMessage<inference::ModelInferRequest>(&arena);
  auto* response = google::protobuf::Arena::CreateMessage<inference::ModelInferResponse>(&arena);
  grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(&request_bytes));
  if (!request->ParseFromZeroCopyStream(&reader)) {
    state_->metrics.record(state_->metrics.model(""), Protocol::kGrpc, Outcome::kInvalidArgument);
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "the request is not a valid inference.ModelInferRequest (protobuf parse error)"};
  }
  grpc::Status status = infer(*request, response);
  if (status.ok()) {
    bool own_buffer = false;
    status = grpc::SerializationTraits<inference::ModelInferResponse>::Serialize(
        *response, response_bytes, &own_buffer);
  }
  return status;
}

grpc::Status GrpcInferenceService::infer(const inference::ModelInferRequest& request,
                                         inference::ModelInferResponse* response) {
  const auto start = std::chrono::steady_clock::now();
  thread_local InferScratch scratch;
  thread_local std::vector<std::string_view> requested;
  const InflightGuard guard(*state_);
  ModelStats* stats = nullptr;
  try {
    if (!guard.admitted()) {
      throw RequestError(Outcome::kRejected, "too many requests in flight (limit " +
                                                 std::to_string(state_->options.max_inflight) +
                                                 "); retry later");
    }
    const LookupResult found = state_->registry.find(request.model_name(), request.model_version());
    if (!found.servable) throw RequestError(Outcome::kNotFound, found.error);
    stats = found.servable->stats;
    const InferInput input = decode_input(request);
    requested.clear();
    for (const auto& output : request.outputs()) requested.push_back(output.name());
    const std::vector<InferOutput> outputs =
        run_inference(*found.servable, input, requested, scratch);
    response->set_model_name(found.servable->name);
    response->set_model_version(found.servable->version_text);
    if (!request.id().empty()) response->set_id(request.id());
    encode_outputs(outputs, response);
    state_->metrics.record(stats, Protocol::kGrpc, Outcome::kOk);
    stats->batch_rows.observe(static_cast<double>(input_rows(input)), kBatchBounds);
    stats->latency.observe(seconds_since(start), kLatencyBounds);
    return grpc::Status::OK;
  } catch (const RequestError& e) {
    if (stats == nullptr) stats = state_->metrics.model("");
    state_->metrics.record(stats, Protocol::kGrpc, e.outcome());
    if (log_enabled(LogLevel::kDebug)) {
      log(LogLevel::kDebug, "request refused",
          {field("protocol", "grpc"), field("model", request.model_name()),
           field("outcome", outcome_name(e.outcome())), field("error", e.what())});
    }
    return {grpc_code(e.outcome()), e.what()};
  } catch (const std::exception& e) {
    if (stats == nullptr) stats = state_->metrics.model("");
    state_->metrics.record(stats, Protocol::kGrpc, Outcome::kInternal);
    log(LogLevel::kError, "internal error",
        {field("protocol", "grpc"), field("model", request.model_name()),
         field("error", e.what())});
    return {grpc::StatusCode::INTERNAL, std::string("internal error: ") + e.what()};
  }
}

}  // namespace pith::serve
