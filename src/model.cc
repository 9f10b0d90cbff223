// pith::Model's invariants: estimator_kind() and validate_model(), which every loader runs on what
// it reads and every writer runs before writing, so an invalid model never reaches a file.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pith/error.h"
#include "pith/model.h"

namespace pith {
namespace {

[[noreturn]] void fail(const std::string& message) { throw Error(ErrorCode::kFormat, message); }

// Strings cross into protobuf `string` fields, which proto3 parsers reject unless they hold valid
// UTF-8; checking here keeps save_model from writing a file that load_model would then refuse.
bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t min = 0;  // the smallest code point of this length: rejects overlong forms
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, min = 0x80, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, min = 0x800, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, min = 0x10000, cp = c & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string format_double(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

void validate_schema(const InputSchema& input) {
  if (input.n_features < 1) {
    fail("input.n_features: expected >= 1, found " + std::to_string(input.n_features));
  }
  if (input.dtype != DType::kFloat32 && input.dtype != DType::kFloat64) {
    fail("input.dtype: expected float32 or float64, found code " +
         std::to_string(static_cast<int>(input.dtype)));
  }
  const auto& names = input.feature_names;
  if (!names.empty() && names.size() != input.n_features) {
    fail("input.feature_names: expected 0 or n_features = " + std::to_string(input.n_features) +
         " names, found " + std::to_string(names.size()));
  }
  std::unordered_map<std::string_view, std::size_t> first_index;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string where = "input.feature_names[" + std::to_string(i) + "]";
    if (names[i].empty()) fail(where + ": expected a non-empty name, found \"\"");
    if (!is_valid_utf8(names[i])) fail(where + ": expected UTF-8 text, found invalid bytes");
    const auto [it, inserted] = first_index.emplace(names[i], i);
    if (!inserted) {
      fail(where + ": duplicate name \"" + names[i] + "\" (also feature_names[" +
           std::to_string(it->second) + "]); expected unique names");
    }
  }
}

void validate_kmeans(const KMeansModel& kmeans, const InputSchema& input) {
  const std::size_t k = kmeans.n_clusters;
  const std::size_t d = kmeans.n_features;
  if (k < 1) fail("kmeans.n_clusters: expected >= 1, found 0");
  if (d != input.n_features) {
    fail("kmeans.n_features: expected input.n_features = " + std::to_string(input.n_features) +
         ", found " + std::to_string(d));
  }
  // d >= 1 here (it equals input.n_features). A file may claim any k; compare before multiplying.
  if (k > std::numeric_limits<std::size_t>::max() / d) {
    fail("kmeans: n_clusters * n_features = " + std::to_string(k) + " * " + std::to_string(d) +
         " overflows; expected a center count that fits in memory");
  }
  if (kmeans.centers.size() != k * d) {
    fail("kmeans.centers: expected n_clusters * n_features = " + std::to_string(k) + " * " +
         std::to_string(d) + " = " + std::to_string(k * d) + " values, found " +
         std::to_string(kmeans.centers.size()));
  }
  for (std::size_t i = 0; i < kmeans.centers.size(); ++i) {
    if (!std::isfinite(kmeans.centers[i])) {
      fail("kmeans.centers[" + std::to_string(i / d) + "][" + std::to_string(i % d) +
           "]: expected a finite value, found " + format_double(kmeans.centers[i]));
    }
  }
  if (!std::isfinite(kmeans.inertia) || kmeans.inertia < 0) {
    fail("kmeans.inertia: expected a finite value >= 0, found " + format_double(kmeans.inertia));
  }
  if (kmeans.n_iter < 0) {
    fail("kmeans.n_iter: expected >= 0, found " + std::to_string(kmeans.n_iter));
  }
}

// Sizes and finiteness of a parameter vector: `count` values, all finite.
void check_values(const std::vector<double>& values, std::size_t count, const std::string& field,
                  const std::string& expected) {
  if (values.size() != count) {
    fail(field + ": expected " + expected + " = " + std::to_string(count) + " values, found " +
         std::to_string(values.size()));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      fail(field + "[" + std::to_string(i) + "]: expected a finite value, found " +
           format_double(values[i]));
    }
  }
}

void check_features(std::size_t found, std::size_t expected, const std::string& field) {
  if (found != expected) {
    fail(field + ": expected the input's feature count " + std::to_string(expected) + ", found " +
         std::to_string(found));
  }
}

// rows * n_features parameters without overflow.
std::size_t checked_product(std::size_t rows, std::size_t cols, const std::string& field) {
  if (cols != 0 && rows > std::numeric_limits<std::size_t>::max() / cols) {
    fail(field + ": " + std::to_string(rows) + " x " + std::to_string(cols) + " overflows");
  }
  return rows * cols;
}

void validate_estimator(const LinearRegressionModel& m, std::size_t n_features) {
  check_features(m.n_features, n_features, "linear_regression.n_features");
  if (m.n_targets < 1) fail("linear_regression.n_targets: expected >= 1, found 0");
  const std::size_t n = checked_product(m.n_targets, m.n_features, "linear_regression.coef");
  check_values(m.coef, n, "linear_regression.coef", "n_targets * n_features");
  check_values(m.intercept, m.n_targets, "linear_regression.intercept", "n_targets");
  if (!std::isfinite(m.alpha) || m.alpha < 0) {
    fail("linear_regression.alpha: expected a finite value >= 0, found " + format_double(m.alpha));
  }
}

}  // namespace

void validate_classes(const ClassLabels& classes, const char* field) {
  const std::string where = field;
  const std::size_t n = class_count(classes);
  if (n < 2) fail(where + ": expected >= 2 classes, found " + std::to_string(n));
  if (const auto* labels = std::get_if<std::vector<std::string>>(&classes)) {
    for (std::size_t i = 0; i < labels->size(); ++i) {
      if (!is_valid_utf8((*labels)[i])) {
        fail(where + "[" + std::to_string(i) + "]: expected UTF-8 text, found invalid bytes");
      }
      if (i > 0 && !((*labels)[i - 1] < (*labels)[i])) {
        fail(where + ": expected sorted, unique labels; \"" + (*labels)[i] + "\" at " +
             std::to_string(i) + " is not greater than the one before");
      }
    }
  } else {
    const auto& ints = std::get<std::vector<std::int64_t>>(classes);
    for (std::size_t i = 1; i < ints.size(); ++i) {
      if (!(ints[i - 1] < ints[i])) {
        fail(where + ": expected sorted, unique labels; " + std::to_string(ints[i]) + " at " +
             std::to_string(i) + " is not greater than the one before");
      }
    }
  }
}

namespace {

void validate_estimator(const LogisticRegressionModel& m, std::size_t n_features) {
  check_features(m.n_features, n_features, "logistic_regression.n_features");
  validate_classes(m.classes, "logistic_regression.classes");
  const std::size_t rows = m.n_rows();
  const std::size_t n = checked_product(rows, m.n_features, "logistic_regression.coef");
  check_values(m.coef, n, "logistic_regression.coef",
               rows == 1 ? "1 row (binary) * n_features" : "n_classes * n_features");
  check_values(m.intercept, rows, "logistic_regression.intercept",
               rows == 1 ? "1 (binary)" : "n_classes");
  if (!(m.C > 0)) {  // +inf is allowed: a fit without penalty
    fail("logistic_regression.c: expected a value > 0 (inf: no penalty), found " +
         format_double(m.C));
  }
  if (m.n_iter < 0) fail("logistic_regression.n_iter: expected >= 0");
}

void validate_estimator(const StandardScalerModel& m, std::size_t n_features) {
  check_features(m.n_features, n_features, "standard_scaler.n_features");
  check_values(m.mean, m.n_features, "standard_scaler.mean", "n_features");
  check_values(m.scale, m.n_features, "standard_scaler.scale", "n_features");
  for (std::size_t i = 0; i < m.n_features; ++i) {
    if (!(m.scale[i] > 0)) {
      fail("standard_scaler.scale[" + std::to_string(i) + "]: expected > 0, found " +
           format_double(m.scale[i]));
    }
  }
}

void validate_estimator(const MinMaxScalerModel& m, std::size_t n_features) {
  check_features(m.n_features, n_features, "min_max_scaler.n_features");
  check_values(m.scale, m.n_features, "min_max_scaler.scale", "n_features");
  check_values(m.min, m.n_features, "min_max_scaler.min", "n_features");
  if (!std::isfinite(m.range_min) || !std::isfinite(m.range_max) || !(m.range_min < m.range_max)) {
    fail("min_max_scaler.feature_range: expected finite min < max, found (" +
         format_double(m.range_min) + ", " + format_double(m.range_max) + ")");
  }
}

const char* kind_name(const KMeansModel&) { return "kmeans"; }
const char* kind_name(const LinearRegressionModel&) { return "linear_regression"; }
const char* kind_name(const LogisticRegressionModel&) { return "logistic_regression"; }
const char* kind_name(const StandardScalerModel&) { return "standard_scaler"; }
const char* kind_name(const MinMaxScalerModel&) { return "min_max_scaler"; }
const char* kind_name(const PipelineModel&) { return "pipeline"; }
const char* kind_name(const TreeEnsembleModel&) { return "tree_ensemble"; }

void validate_estimator(const TreeEnsembleModel& m, std::size_t n_features) {
  check_features(m.n_features, n_features, "tree_ensemble.n_features");
  validate_tree_ensemble(m);
}

void validate_estimator(const KMeansModel& kmeans, std::size_t n_features) {
  InputSchema input;
  input.n_features = n_features;
  validate_kmeans(kmeans, input);
}

void validate_estimator(const PipelineModel& pipeline, std::size_t n_features) {
  if (pipeline.steps.size() < 2) {
    fail("pipeline.steps: expected >= 2 steps, found " + std::to_string(pipeline.steps.size()));
  }
  std::size_t width = n_features;
  for (std::size_t i = 0; i < pipeline.steps.size(); ++i) {
    const PipelineStep& step = pipeline.steps[i];
    const std::string where = "pipeline.steps[" + std::to_string(i) + "]";
    if (!is_valid_utf8(step.name)) fail(where + ".name: expected UTF-8 text, found invalid bytes");
    try {
      std::visit([&](const auto& e) { validate_estimator(e, width); }, step.estimator);
    } catch (const Error& error) {
      fail(where + " (" + estimator_kind(step.estimator) + "): " + error.what());
    }
    if (i + 1 < pipeline.steps.size()) {
      const std::optional<std::size_t> out = transform_width(step.estimator);
      if (!out) {
        fail(where + ": a " + std::string(estimator_kind(step.estimator)) +
             " cannot transform; every step but the last must be a transformer");
      }
      width = *out;
    }
  }
}

}  // namespace

std::optional<std::size_t> transform_width(const StepEstimator& estimator) {
  struct {
    std::optional<std::size_t> operator()(const KMeansModel& m) const { return m.n_clusters; }
    std::optional<std::size_t> operator()(const StandardScalerModel& m) const {
      return m.n_features;
    }
    std::optional<std::size_t> operator()(const MinMaxScalerModel& m) const { return m.n_features; }
    std::optional<std::size_t> operator()(const LinearRegressionModel&) const {
      return std::nullopt;
    }
    std::optional<std::size_t> operator()(const LogisticRegressionModel&) const {
      return std::nullopt;
    }
    std::optional<std::size_t> operator()(const TreeEnsembleModel&) const { return std::nullopt; }
  } visitor;
  return std::visit(visitor, estimator);
}

std::size_t class_count(const ClassLabels& classes) {
  return std::visit([](const auto& labels) { return labels.size(); }, classes);
}

const char* estimator_kind(const Estimator& estimator) {
  // One kind_name() overload per alternative: adding a kind without a name does not compile.
  return std::visit([](const auto& e) { return kind_name(e); }, estimator);
}

const char* estimator_kind(const StepEstimator& estimator) {
  return std::visit([](const auto& e) { return kind_name(e); }, estimator);
}

void validate_model(const Model& model) {
  if (!is_valid_utf8(model.producer)) fail("producer: expected UTF-8 text, found invalid bytes");
  validate_schema(model.input);
  std::visit([&](const auto& e) { validate_estimator(e, model.input.n_features); },
             model.estimator);
}

}  // namespace pith
