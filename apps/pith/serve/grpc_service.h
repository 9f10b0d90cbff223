// The Open Inference Protocol over gRPC (inference.GRPCInferenceService), on gRPC's callback
// API: handlers run on gRPC's own threads, with no lock shared between requests. ModelInfer
// takes the raw bytes: it parses them into a per-thread protobuf arena (no allocation per
// request once warm) and can say what is wrong with a message that does not parse.
#pragma once

#include <memory>

#include "inference/grpc_predict_v2.grpc.pb.h"
#include "server_state.h"

namespace pith::serve {

using InferenceCallbackService = inference::GRPCInferenceService::WithRawCallbackMethod_ModelInfer<
    inference::GRPCInferenceService::CallbackService>;

class GrpcInferenceService final : public InferenceCallbackService {
 public:
  explicit GrpcInferenceService(ServerState* state) : state_(state) {}

  grpc::ServerUnaryReactor* ServerLive(grpc::CallbackServerContext* context,
                                       const inference::ServerLiveRequest* request,
                                       inference::ServerLiveResponse* response) override;
  grpc::ServerUnaryReactor* ServerReady(grpc::CallbackServerContext* context,
                                        const inference::ServerReadyRequest* request,
                                        inference::ServerReadyResponse* response) override;
  grpc::ServerUnaryReactor* ModelReady(grpc::CallbackServerContext* context,
                                       const inference::ModelReadyRequest* request,
                                       inference::ModelReadyResponse* response) override;
  grpc::ServerUnaryReactor* ServerMetadata(grpc::CallbackServerContext* context,
                                           const inference::ServerMetadataRequest* request,
                                           inference::ServerMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* context,
                                          const inference::ModelMetadataRequest* request,
                                          inference::ModelMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;

 private:
  grpc::Status infer_bytes(const grpc::ByteBuffer& request_bytes, grpc::ByteBuffer* response_bytes);
  grpc::Status infer(const inference::ModelInferRequest& request,
                     inference::ModelInferResponse* response);

  ServerState* state_;
};

// The gRPC status code of an outcome.
grpc::StatusCode grpc_code(Outcome outcome);

}  // namespace pith::serve
