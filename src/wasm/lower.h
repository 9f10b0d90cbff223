// Lowering: a model to the intermediate form (every output the kind has, before any pass).
#pragma once

#include "pith/model.h"
#include "wasm/ir.h"

namespace pith::wasm {

// Throws Error(kUnsupported) for what the compiler cannot express (e.g. a pipeline step in the
// middle that has no transform).
Program lower(const Model& model, IoType io);

}  // namespace pith::wasm
