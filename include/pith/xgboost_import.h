// Importing XGBoost models: the JSON or UBJSON documents Booster.save_model / save_raw write,
// turned into a tree-ensemble pith::Model that predicts what XGBoost predicts.
#pragma once

#include <string_view>

#include "pith/model.h"

namespace pith {

// A validated tree-ensemble model from the bytes of an XGBoost model: JSON text
// (save_raw("json"), *.json) or UBJSON (save_raw("ubj"), *.ubj, XGBoost's default).
//
// Kept exactly: features rounded to float32, `x < split_condition` goes left, NaN follows
// default_left, categorical splits (the listed categories go right), raw scores summed in float32
// in tree order from the base margin (base_score through the objective's link), dart's tree
// weights. Throws Error(kUnsupported) naming what pith cannot represent (gblinear, vector-leaf
// trees, some objectives) and Error(kFormat) for input that is not a well-formed XGBoost model
// (truncated, corrupted, missing fields, inconsistent sizes).
Model import_xgboost(std::string_view bytes);

}  // namespace pith
