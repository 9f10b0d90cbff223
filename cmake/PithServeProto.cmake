# Generates C++ code and gRPC stubs for the Open Inference Protocol (proto/inference/*.proto),
# used by `pith serve`; built without our -Werror, like pith_proto.
find_package(gRPC CONFIG REQUIRED)
set(PITH_SERVE_PROTO ${PROJECT_SOURCE_DIR}/proto/inference/grpc_predict_v2.proto)
set(PITH_SERVE_PROTO_OUT ${PROJECT_BINARY_DIR}/proto)
file(MAKE_DIRECTORY ${PITH_SERVE_PROTO_OUT}/inference)
set(PITH_SERVE_PROTO_SRCS
    ${PITH_SERVE_PROTO_OUT}/inference/grpc_predict_v2.pb.cc
    ${PITH_SERVE_PROTO_OUT}/inference/grpc_predict_v2.grpc.pb.cc)
set(PITH_SERVE_PROTO_HDRS
    ${PITH_SERVE_PROTO_OUT}/inference/grpc_predict_v2.pb.h
    ${PITH_SERVE_PROTO_OUT}/inference/grpc_predict_v2.grpc.pb.h)
add_custom_command(
  OUTPUT ${PITH_SERVE_PROTO_SRCS} ${PITH_SERVE_PROTO_HDRS}
  COMMAND protobuf::protoc --cpp_out=${PITH_SERVE_PROTO_OUT} --grpc_out=${PITH_SERVE_PROTO_OUT}
          --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
          -I${PROJECT_SOURCE_DIR}/proto ${PITH_SERVE_PROTO}
  DEPENDS ${PITH_SERVE_PROTO} protobuf::protoc gRPC::grpc_cpp_plugin
  COMMENT "protoc grpc_predict_v2.proto (with gRPC stubs)")
add_library(pith_serve_proto STATIC ${PITH_SERVE_PROTO_SRCS})
target_include_directories(pith_serve_proto PUBLIC ${PITH_SERVE_PROTO_OUT})
target_link_libraries(pith_serve_proto PUBLIC protobuf::libprotobuf gRPC::grpc++)
