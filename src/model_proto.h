// The mapping between pith::Model and its protobuf payload message (proto/pith/model.proto).
#pragma once

#include "pith/model.h"
#include "pith/model.pb.h"

namespace pith::detail {

// Throws Error(kFormat) for what the message cannot hold (missing schema, unknown kinds, sizes
// beyond memory); validate_model() checks the rest.
Model from_message(const ::pith::format::v1::Model& message);
::pith::format::v1::Model to_message(const Model& model);

// Class labels; `field` names them in errors.
ClassLabels read_class_labels(const ::pith::format::v1::ClassLabels& in, const char* field);
void write_class_labels(const ClassLabels& classes, ::pith::format::v1::ClassLabels& out);

// Tree ensembles (src/trees/tree_proto.cc).
TreeEnsembleModel read_tree_ensemble(const ::pith::format::v1::TreeEnsemble& in);
void write_tree_ensemble(const TreeEnsembleModel& m, ::pith::format::v1::TreeEnsemble& out);

}  // namespace pith::detail
