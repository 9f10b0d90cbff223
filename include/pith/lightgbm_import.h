// LightGBM's text model format (Booster.model_to_string(), save_model("m.txt")) -> pith::Model,
// with no LightGBM dependency. The result predicts what LightGBM predicts: same splits, same
// missing-value and categorical rules, leaf values summed in float64 in LightGBM's tree order.
#pragma once

#include <string_view>

#include "pith/model.h"

namespace pith {

// Parses and validates a LightGBM text model into a tree ensemble (input dtype float64; feature
// names kept unless they are LightGBM's defaults Column_0, Column_1, ...).
//   Regression objectives (regression, regression_l1, huber, fair, quantile, mape, lambdarank,
//   rank_xendcg): identity regressor; poisson, gamma, tweedie: exp; cross_entropy: sigmoid
//   regressor; binary: classifier {0, 1} with sigmoid(sigmoid_alpha * s); multiclass: softmax;
//   multiclassova: per-class sigmoid (not normalised, as LightGBM). Class labels are 0 .. K-1.
// Throws Error(kUnsupported) for what pith cannot represent (linear trees, cross_entropy_lambda,
// regression with sqrt, custom or unknown objectives) and Error(kFormat), naming the line and
// field, for text that is not a well-formed LightGBM model (truncated, corrupted, wrong counts).
Model import_lightgbm(std::string_view text);

}  // namespace pith
