// Prediction for any pith::Model, whatever its kind: the one entry point that the CLI, the server
// and the WebAssembly tests use, so a new estimator kind is served everywhere once it is here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pith/matrix.h"
#include "pith/model.h"

namespace pith {

// What one output's elements are: kIndex, a cluster or class index (int32; classifiers map it
// to a label with model_classes()); kReal, a real number in the model's input dtype.
enum class OutputType : std::uint8_t { kIndex, kReal };

// One output a model produces per row, named after the scikit-learn method that computes it:
// "predict", "predict_proba", "decision_function", "transform".
struct OutputSpec {
  std::string name;
  OutputType type = OutputType::kReal;
  std::size_t width = 1;     // values per row
  bool class_index = false;  // kIndex whose values index model_classes() (classifiers)
};

// The outputs of a model, the default ("predict", or "transform" for a lone transformer) first.
std::vector<OutputSpec> model_outputs(const Model& model);

// The output named `name`, or nullptr if the model has none.
const OutputSpec* find_output(const std::vector<OutputSpec>& outputs, std::string_view name);

// The class labels of a classifier (the final step of a pipeline), or nullptr.
const ClassLabels* model_classes(const Model& model);

// Whether the model takes NaN as input: tree ensembles route it as a missing value, and scalers
// pass it through (a pipeline: if all its steps do). Other kinds need finite values, which
// callers check before predict().
bool accepts_missing(const Model& model);

// Builds what prediction otherwise builds on first use (a tree ensemble's compiled predictor,
// K-Means' packed centers) and keeps it with the model. Optional; a server calls it at load.
void prepare(const Model& model);

// Computes `output` for every row of X (X.cols == model.input.n_features; the caller checks
// values are finite if it must). Writes X.rows * width values to `indices` (kIndex) or to
// `values` (kReal), whichever the spec names; the other may be null. Throws
// Error(kInvalidArgument) for an unknown output name or a wrong column count. Thread-safe: the
// model is only read. n_threads 0 = all cores; small batches run on the calling thread.
template <class T>
void predict(const Model& model, std::string_view output, MatrixView<T> X, std::int32_t* indices,
             T* values, int n_threads = 0);

}  // namespace pith
