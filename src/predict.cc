// Generic prediction over pith::Model: which outputs each kind has, and running one of them,
// through a pipeline's transformers when the model is one.
#include "pith/predict.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "pith/error.h"

namespace pith {
namespace {

OutputSpec index_output(bool class_index) {
  return {"predict", OutputType::kIndex, 1, class_index};
}
OutputSpec real_output(const char* name, std::size_t width) {
  return {name, OutputType::kReal, width, false};
}

std::vector<OutputSpec> outputs_of(const KMeansModel& m) {
  return {index_output(false), real_output("transform", m.n_clusters)};
}
std::vector<OutputSpec> outputs_of(const LinearRegressionModel& m) {
  return {real_output("predict", m.n_targets)};
}
std::vector<OutputSpec> outputs_of(const LogisticRegressionModel& m) {
  return {index_output(true), real_output("predict_proba", m.n_classes()),
          real_output("decision_function", m.n_rows())};
}
std::vector<OutputSpec> outputs_of(const StandardScalerModel& m) {
  return {real_output("transform", m.n_features)};
}
std::vector<OutputSpec> outputs_of(const MinMaxScalerModel& m) {
  return {real_output("transform", m.n_features)};
}

std::vector<OutputSpec> outputs_of(const TreeEnsembleModel& m) {
  if (!m.is_classifier()) return {real_output("predict", m.n_outputs)};
  std::vector<OutputSpec> outputs{index_output(true), real_output("predict_proba", m.n_classes())};
  // Forests average probabilities: they have no decision function (as in scikit-learn).
  if (m.transform != TreeTransform::kAverage && m.transform != TreeTransform::kIdentity) {
    outputs.push_back(real_output("decision_function", m.n_outputs));
  }
  return outputs;
}

std::vector<OutputSpec> outputs_of(const StepEstimator& step) {
  return std::visit([](const auto& e) { return outputs_of(e); }, step);
}

// Pipelines predict through their last step; every other kind is one step.
std::vector<OutputSpec> outputs_of(const PipelineModel& m) {
  return outputs_of(m.steps.back().estimator);
}

template <class T>
struct StepRunner {
  std::string_view output;
  MatrixView<T> X;
  std::int32_t* indices;
  T* values;
  int n_threads;

  [[noreturn]] void unknown(const char* kind) const {
    std::string message = "a ";
    message.append(kind).append(" model has no output '").append(output).append("'");
    throw Error(ErrorCode::kInvalidArgument, message);
  }

  void operator()(const KMeansModel& m) const {
    if (output == "predict") return kmeans_predict(m, X, indices, n_threads);
    if (output == "transform") return kmeans_transform(m, X, values, n_threads);
    unknown("kmeans");
  }
  void operator()(const LinearRegressionModel& m) const {
    if (output == "predict") return linear_regression_predict(m, X, values, n_threads);
    unknown("linear_regression");
  }
  void operator()(const LogisticRegressionModel& m) const {
    if (output == "predict") return logistic_predict(m, X, indices, n_threads);
    if (output == "predict_proba") return logistic_predict_proba(m, X, values, n_threads);
    if (output == "decision_function") {
      return logistic_decision_function(m, X, values, n_threads);
    }
    unknown("logistic_regression");
  }
  void operator()(const StandardScalerModel& m) const {
    if (output == "transform") return standard_scaler_transform(m, X, values, n_threads);
    unknown("standard_scaler");
  }
  void operator()(const MinMaxScalerModel& m) const {
    if (output == "transform") return min_max_scaler_transform(m, X, values, n_threads);
    unknown("min_max_scaler");
  }
  void operator()(const TreeEnsembleModel& m) const {
    if (output == "predict" && m.is_classifier()) {
      return tree_ensemble_predict_classes(m, X, indices, n_threads);
    }
    if (output == "predict" || output == "predict_proba") {
      return tree_ensemble_predict_values(m, X, values, n_threads);
    }
    if (output == "decision_function") return tree_ensemble_raw_scores(m, X, values, n_threads);
    unknown("tree_ensemble");
  }
};

template <class T>
void run_step(const StepEstimator& step, std::string_view output, MatrixView<T> X,
              std::int32_t* indices, T* values, int n_threads) {
  std::visit(StepRunner<T>{output, X, indices, values, n_threads}, step);
}

}  // namespace

std::vector<OutputSpec> model_outputs(const Model& model) {
  return std::visit([](const auto& e) { return outputs_of(e); }, model.estimator);
}

const OutputSpec* find_output(const std::vector<OutputSpec>& outputs, std::string_view name) {
  for (const OutputSpec& spec : outputs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

namespace {

// Per kind: a classifier's labels, and whether NaN is an input (scalers pass it through, as
// scikit-learn's; trees route it; the other kinds need values). A pipeline: its last step's
// labels, and NaN if all its steps take it.
const ClassLabels* classes_of(const LogisticRegressionModel& m) { return &m.classes; }
const ClassLabels* classes_of(const TreeEnsembleModel& m) {
  return m.is_classifier() ? &m.classes : nullptr;
}
template <class E>
const ClassLabels* classes_of(const E&) {
  return nullptr;
}
const ClassLabels* classes_of(const PipelineModel& m) {
  return std::visit([](const auto& e) { return classes_of(e); }, m.steps.back().estimator);
}

bool takes_missing(const TreeEnsembleModel&) { return true; }
bool takes_missing(const StandardScalerModel&) { return true; }
bool takes_missing(const MinMaxScalerModel&) { return true; }
template <class E>
bool takes_missing(const E&) {
  return false;
}
bool takes_missing(const PipelineModel& m) {
  return std::all_of(m.steps.begin(), m.steps.end(), [](const PipelineStep& step) {
    return std::visit([](const auto& e) { return takes_missing(e); }, step.estimator);
  });
}

}  // namespace

const ClassLabels* model_classes(const Model& model) {
  return std::visit([](const auto& e) { return classes_of(e); }, model.estimator);
}

void prepare(const Model& model) {
  const auto prepare_step = [](const auto& e) {
    using E = std::decay_t<decltype(e)>;
    if constexpr (std::is_same_v<E, TreeEnsembleModel>) prepare_tree_ensemble(e);
    if constexpr (std::is_same_v<E, KMeansModel>) prepare_kmeans(e);
  };
  if (const auto* pipeline = std::get_if<PipelineModel>(&model.estimator)) {
    for (const PipelineStep& step : pipeline->steps) std::visit(prepare_step, step.estimator);
    return;
  }
  std::visit(prepare_step, model.estimator);
}

bool accepts_missing(const Model& model) {
  return std::visit([](const auto& e) { return takes_missing(e); }, model.estimator);
}

template <class T>
void predict(const Model& model, std::string_view output, MatrixView<T> X, std::int32_t* indices,
             T* values, int n_threads) {
  if (X.cols != model.input.n_features) {
    throw Error(ErrorCode::kInvalidArgument, "X has " + std::to_string(X.cols) +
                                                 " features, but the model expects " +
                                                 std::to_string(model.input.n_features));
  }
  const std::vector<OutputSpec> outputs = model_outputs(model);
  const OutputSpec* spec = find_output(outputs, output);
  if (spec == nullptr) {
    std::string message = "unknown output '";
    message.append(output).append("'; this ").append(estimator_kind(model.estimator));
    message.append(" model has:");
    for (const OutputSpec& s : outputs) message.append(" ").append(s.name);
    throw Error(ErrorCode::kInvalidArgument, message);
  }
  if ((spec->type == OutputType::kIndex ? indices == nullptr : values == nullptr)) {
    throw Error(ErrorCode::kInvalidArgument, "predict: no buffer for output '" + spec->name + "'");
  }
  if (X.rows == 0) return;
  const auto* pipeline = std::get_if<PipelineModel>(&model.estimator);
  if (pipeline == nullptr) {
    std::visit(
        [&](const auto& e) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(e)>, PipelineModel>) {
            StepRunner<T>{output, X, indices, values, n_threads}(e);
          }
        },
        model.estimator);
    return;
  }
  // Each transformer writes a fresh buffer; the input is never modified.
  std::vector<T> current, next;
  MatrixView<T> view = X;
  for (std::size_t s = 0; s + 1 < pipeline->steps.size(); ++s) {
    const StepEstimator& step = pipeline->steps[s].estimator;
    const std::size_t width = *transform_width(step);  // validated: every inner step transforms
    next.resize(view.rows * width);
    run_step<T>(step, "transform", view, nullptr, next.data(), n_threads);
    current.swap(next);
    view = MatrixView<T>{current.data(), X.rows, width};
  }
  run_step<T>(pipeline->steps.back().estimator, output, view, indices, values, n_threads);
}

template void predict(const Model&, std::string_view, MatrixView<float>, std::int32_t*, float*,
                      int);
template void predict(const Model&, std::string_view, MatrixView<double>, std::int32_t*, double*,
                      int);

}  // namespace pith
