// The mapping between pith::Model and its protobuf payload message (proto/pith/model.proto).
#pragma once

#include "pith/model.h"
#include "pith/model.pb.h"

namespace pith::detail {

// Throws Error(kFormat) for what the message cannot hold (missing schema, unknown kinds, sizes
// beyond memory); validate_model() checks the rest.
Model from_message(const ::pith::format::v1::Model& message);
::pith::format::v1::Model to_message(const Model& model);

}  // namespace pith::detail
