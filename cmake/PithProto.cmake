# Generates C++ code for proto/pith/*.proto into a static library, built without our -Werror.
set(PITH_PROTO_FILES ${PROJECT_SOURCE_DIR}/proto/pith/model.proto)
set(PITH_PROTO_OUT ${PROJECT_BINARY_DIR}/proto)
file(MAKE_DIRECTORY ${PITH_PROTO_OUT}/pith)
set(PITH_PROTO_SRCS)
foreach(proto ${PITH_PROTO_FILES})
  get_filename_component(name ${proto} NAME_WE)
  set(cc ${PITH_PROTO_OUT}/pith/${name}.pb.cc)
  set(hh ${PITH_PROTO_OUT}/pith/${name}.pb.h)
  add_custom_command(
    OUTPUT ${cc} ${hh}
    COMMAND protobuf::protoc --cpp_out=${PITH_PROTO_OUT} -I${PROJECT_SOURCE_DIR}/proto ${proto}
    DEPENDS ${proto} protobuf::protoc
    COMMENT "protoc ${name}.proto")
  list(APPEND PITH_PROTO_SRCS ${cc})
endforeach()
add_library(pith_proto STATIC ${PITH_PROTO_SRCS})
target_include_directories(pith_proto PUBLIC ${PITH_PROTO_OUT})
target_link_libraries(pith_proto PUBLIC protobuf::libprotobuf)
