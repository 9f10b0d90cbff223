// pith::Model: what a .pith file holds. The input schema plus one fitted estimator, as plain data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pith/kmeans.h"
#include "pith/linear.h"
#include "pith/matrix.h"
#include "pith/preprocessing.h"
#include "pith/trees.h"

namespace pith {

// What a model expects as input: the number of features, the dtype it was fitted on and,
// optionally, one name per feature (scikit-learn's feature_names_in_).
struct InputSchema {
  std::size_t n_features = 0;
  DType dtype = DType::kFloat64;
  std::vector<std::string> feature_names;  // empty, or exactly n_features names
};

// One step of a pipeline: any estimator kind but a pipeline. Every step but the last transforms.
using StepEstimator = std::variant<KMeansModel, LinearRegressionModel, LogisticRegressionModel,
                                   StandardScalerModel, MinMaxScalerModel, TreeEnsembleModel>;

struct PipelineStep {
  std::string name;  // scikit-learn's step name, e.g. "standardscaler"; informative
  StepEstimator estimator;
};

// A chain of transformers ending in any step: predictions are the last step's on the input
// transformed by all the others (scikit-learn's Pipeline). At least two steps.
struct PipelineModel {
  std::vector<PipelineStep> steps;
};

// Every estimator kind the format can hold. New kinds are appended (never reordered).
using Estimator =
    std::variant<KMeansModel, LinearRegressionModel, LogisticRegressionModel, StandardScalerModel,
                 MinMaxScalerModel, PipelineModel, TreeEnsembleModel>;

struct Model {
  InputSchema input;
  Estimator estimator;
  std::string producer;  // the software that wrote the file, e.g. "pith 0.1.0"
};

// Short, stable kind name used in files' metadata, the CLI and errors: "kmeans",
// "linear_regression", "logistic_regression", "standard_scaler", "min_max_scaler", "pipeline",
// "tree_ensemble".
const char* estimator_kind(const Estimator& estimator);
const char* estimator_kind(const StepEstimator& estimator);

// The number of values a step produces per row when it transforms (a pipeline's inner step),
// or nullopt if it cannot (regressors and classifiers).
std::optional<std::size_t> transform_width(const StepEstimator& estimator);

// Checks internal consistency (sizes, finite parameters, schema vs estimator); throws
// pith::Error(kFormat) describing the first problem. Loaders call it on everything they read.
void validate_model(const Model& model);

}  // namespace pith
