// pith._core models: pith::Model <-> dict for every estimator kind, .pith files and bytes, and
// prediction with any model (pith/predict.h).
//
// A model crosses to Python as a dict: the input schema ("n_features", "dtype",
// "feature_names"), "kind", and the estimator's fields (numpy arrays for parameters). A pipeline
// has "steps", a list of dicts with "name", "kind" and the step's fields. The same shape goes both
// ways, so load_model's output can be saved again.
#include <nanobind/nanobind.h>
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "binding.h"
#include "pith/model.h"
#include "pith/model_io.h"
#include "pith/predict.h"

namespace pith::python {
namespace {

using namespace nb::literals;

DType parse_dtype(const std::string& name) {
  if (name == "float32") return DType::kFloat32;
  if (name == "float64") return DType::kFloat64;
  throw_invalid_argument("dtype must be 'float32' or 'float64', got '" + name + "'");
}

template <class V>
V required(const nb::dict& d, const char* key, bool convert = true) {
  if (!d.contains(key)) throw_invalid_argument(std::string("model dict has no '") + key + "'");
  V value;
  if (!nb::try_cast(d[key], value, convert)) {
    throw nb::type_error(
        (std::string("model dict field '") + key + "' has the wrong type").c_str());
  }
  return value;
}

// A float64 array field: its values and shape (1-D arrays have cols == 0).
struct Array {
  std::vector<double> values;
  std::size_t rows = 0;
  std::size_t cols = 0;
};

Array required_array(const nb::dict& d, const char* key) {
  using Any = nb::ndarray<const double, nb::c_contig, nb::device::cpu>;
  const Any a = required<Any>(d, key, /*convert=*/false);
  if (a.ndim() != 1 && a.ndim() != 2) {
    throw_invalid_argument(std::string("model dict field '") + key + "' must be 1-D or 2-D");
  }
  Array out;
  out.values.assign(a.data(), a.data() + a.size());
  out.rows = a.shape(0);
  out.cols = a.ndim() == 2 ? a.shape(1) : 0;
  return out;
}

std::vector<double> required_vector(const nb::dict& d, const char* key) {
  Array a = required_array(d, key);
  if (a.cols != 0)
    throw_invalid_argument(std::string("model dict field '") + key + "' must be 1-D");
  return std::move(a.values);
}

Array required_matrix(const nb::dict& d, const char* key) {
  Array a = required_array(d, key);
  if (a.cols == 0)
    throw_invalid_argument(std::string("model dict field '") + key + "' must be 2-D");
  return a;
}

ClassLabels read_classes(const nb::dict& d) {
  std::vector<std::int64_t> ints;
  if (nb::try_cast(d["classes"], ints, /*convert=*/false)) return ints;
  std::vector<std::string> strings;
  if (nb::try_cast(d["classes"], strings, /*convert=*/false)) return strings;
  throw nb::type_error("model dict field 'classes' must be a list of all int or all str labels");
}

// ---- dict -> estimator, one function per kind.

StepEstimator step_from_dict(const nb::dict& d, std::size_t n_features) {
  const std::string kind = required<std::string>(d, "kind");
  if (kind == "kmeans") {
    KMeansModel m;
    Array centers = required_matrix(d, "cluster_centers");
    m.n_clusters = centers.rows;
    m.n_features = centers.cols;
    m.centers = std::move(centers.values);
    m.inertia = required<double>(d, "inertia");
    m.n_iter = required<int>(d, "n_iter");
    return m;
  }
  if (kind == "linear_regression") {
    LinearRegressionModel m;
    Array coef = required_matrix(d, "coef");
    m.n_targets = coef.rows;
    m.n_features = coef.cols;
    m.coef = std::move(coef.values);
    m.intercept = required_vector(d, "intercept");
    m.alpha = required<double>(d, "alpha");
    m.rank = required<int>(d, "rank");
    return m;
  }
  if (kind == "logistic_regression") {
    LogisticRegressionModel m;
    m.classes = read_classes(d);
    Array coef = required_matrix(d, "coef");
    m.n_features = coef.cols;
    m.coef = std::move(coef.values);
    m.intercept = required_vector(d, "intercept");
    m.C = required<double>(d, "C");
    m.n_iter = required<int>(d, "n_iter");
    return m;
  }
  if (kind == "standard_scaler") {
    StandardScalerModel m;
    m.mean = required_vector(d, "mean");
    m.scale = required_vector(d, "scale");
    m.n_features = m.mean.size();
    m.with_mean = required<bool>(d, "with_mean");
    m.with_std = required<bool>(d, "with_std");
    return m;
  }
  if (kind == "min_max_scaler") {
    MinMaxScalerModel m;
    m.scale = required_vector(d, "scale");
    m.min = required_vector(d, "min");
    m.n_features = m.scale.size();
    m.range_min = required<double>(d, "range_min");
    m.range_max = required<double>(d, "range_max");
    m.clip = required<bool>(d, "clip");
    return m;
  }
  if (kind == "tree_ensemble") return tree_ensemble_from_dict(d, n_features);
  throw Error(ErrorCode::kUnsupported, "unknown estimator kind '" + kind + "'");
}

}  // namespace

Model model_from_dict(const nb::dict& d) {
  Model model;
  model.input.n_features = required<std::size_t>(d, "n_features");
  model.input.dtype = parse_dtype(required<std::string>(d, "dtype"));
  if (d.contains("feature_names") && !d["feature_names"].is_none()) {
    model.input.feature_names = required<std::vector<std::string>>(d, "feature_names");
  }
  if (required<std::string>(d, "kind") == "pipeline") {
    PipelineModel pipeline;
    std::size_t width = model.input.n_features;  // the input width of the next step
    for (nb::handle item : required<nb::list>(d, "steps")) {
      nb::dict step;
      if (!nb::try_cast(item, step)) throw nb::type_error("pipeline steps must be dicts");
      pipeline.steps.push_back(
          PipelineStep{required<std::string>(step, "name"), step_from_dict(step, width)});
      if (const auto out = transform_width(pipeline.steps.back().estimator)) width = *out;
    }
    model.estimator = std::move(pipeline);
  } else {
    model.estimator = std::visit([](auto&& e) -> Estimator { return std::move(e); },
                                 step_from_dict(d, model.input.n_features));
  }
  validate_model(model);
  return model;
}

namespace {

// ---- estimator -> dict.

nb::object matrix(std::vector<double>&& values, std::size_t rows, std::size_t cols) {
  return nb::cast(to_numpy(std::move(values), {rows, cols}));
}
nb::object vector(std::vector<double>&& values) {
  const std::size_t n = values.size();
  return nb::cast(to_numpy(std::move(values), {n}));
}

void fill(KMeansModel&& m, nb::dict& d) {
  d["n_clusters"] = m.n_clusters;
  d["cluster_centers"] = matrix(std::move(m.centers), m.n_clusters, m.n_features);
  d["inertia"] = m.inertia;
  d["n_iter"] = m.n_iter;
}
void fill(LinearRegressionModel&& m, nb::dict& d) {
  d["coef"] = matrix(std::move(m.coef), m.n_targets, m.n_features);
  d["intercept"] = vector(std::move(m.intercept));
  d["alpha"] = m.alpha;
  d["rank"] = m.rank;
}
void fill(LogisticRegressionModel&& m, nb::dict& d) {
  const std::size_t rows = m.n_rows();
  std::visit([&](auto& labels) { d["classes"] = nb::cast(labels); }, m.classes);
  d["coef"] = matrix(std::move(m.coef), rows, m.n_features);
  d["intercept"] = vector(std::move(m.intercept));
  d["C"] = m.C;
  d["n_iter"] = m.n_iter;
}
void fill(StandardScalerModel&& m, nb::dict& d) {
  d["mean"] = vector(std::move(m.mean));
  d["scale"] = vector(std::move(m.scale));
  d["with_mean"] = m.with_mean;
  d["with_std"] = m.with_std;
}
void fill(MinMaxScalerModel&& m, nb::dict& d) {
  d["scale"] = vector(std::move(m.scale));
  d["min"] = vector(std::move(m.min));
  d["range_min"] = m.range_min;
  d["range_max"] = m.range_max;
  d["clip"] = m.clip;
}
void fill(TreeEnsembleModel&& m, nb::dict& d) { tree_ensemble_to_dict(std::move(m), d); }
void fill(PipelineModel&& m, nb::dict& d) {
  nb::list steps;
  for (PipelineStep& step : m.steps) {
    nb::dict s;
    s["name"] = step.name;
    s["kind"] = estimator_kind(step.estimator);
    std::visit([&](auto&& e) { fill(std::move(e), s); }, std::move(step.estimator));
    steps.append(s);
  }
  d["steps"] = steps;
}

}  // namespace

nb::dict model_to_dict(Model&& model, const std::vector<std::string>& warnings) {
  nb::dict d;
  d["kind"] = estimator_kind(model.estimator);
  d["producer"] = model.producer;
  d["n_features"] = model.input.n_features;
  d["dtype"] = dtype_name(model.input.dtype);
  d["feature_names"] = model.input.feature_names;
  d["warnings"] = warnings;
  std::visit([&](auto&& e) { fill(std::move(e), d); }, std::move(model.estimator));
  return d;
}

namespace {

// ---- Files and bytes.

void save_model(const std::filesystem::path& path, const nb::dict& d) {
  const Model model = model_from_dict(d);
  nb::gil_scoped_release release;
  pith::save_model(model, path);
}

nb::dict load_model(const std::filesystem::path& path) {
  std::vector<std::string> warnings;
  Model model;
  {
    nb::gil_scoped_release release;
    model = pith::load_model(path, &warnings);
  }
  return model_to_dict(std::move(model), warnings);
}

nb::bytes model_to_bytes(const nb::dict& d) {
  const Model model = model_from_dict(d);
  std::string bytes;
  {
    nb::gil_scoped_release release;
    bytes = serialize_model(model);
  }
  return nb::bytes(bytes.data(), bytes.size());
}

nb::dict model_from_bytes(const nb::bytes& data) {
  const std::string_view bytes(data.c_str(), data.size());  // immutable, kept alive by the caller
  std::vector<std::string> warnings;
  Model model;
  {
    nb::gil_scoped_release release;
    model = parse_model(bytes, &warnings);
  }
  return model_to_dict(std::move(model), warnings);
}

// ---- Prediction with any model.

// A model built once from a dict, for repeated predictions without re-reading the parameters.
class NativeModel {
 public:
  explicit NativeModel(const nb::dict& d) : model_(model_from_dict(d)) {}

  template <class T>
  nb::object predict(const std::string& output, InMatrix<T> X, int n_threads) const {
    const std::vector<OutputSpec> outputs = model_outputs(model_);
    const OutputSpec* spec = find_output(outputs, output);
    const std::size_t rows = X.shape(0);
    if (spec != nullptr && spec->type == OutputType::kIndex) {
      std::vector<std::int32_t> indices(rows * spec->width);
      {
        nb::gil_scoped_release release;
        pith::predict<T>(model_, output, view(X), indices.data(), nullptr, n_threads);
      }
      return nb::cast(to_numpy(std::move(indices), {rows}));
    }
    const std::size_t width = spec != nullptr ? spec->width : 0;
    std::vector<T> values(rows * width);
    {
      nb::gil_scoped_release release;  // throws for an unknown output, naming the valid ones
      pith::predict<T>(model_, output, view(X), nullptr, values.data(), n_threads);
    }
    return nb::cast(to_numpy(std::move(values), {rows, width}));
  }

  std::vector<std::string> outputs() const {
    std::vector<std::string> names;
    for (const OutputSpec& spec : model_outputs(model_)) names.push_back(spec.name);
    return names;
  }

 private:
  Model model_;
};

}  // namespace

void bind_models(nb::module_& m) {
  m.def("save_model", &save_model, "path"_a, "model"_a,
        "Writes a model dict to a .pith file atomically.");
  m.def("load_model", &load_model, "path"_a, "Reads a .pith file into a model dict.");
  m.def("model_to_bytes", &model_to_bytes, "model"_a,
        "The bytes of a .pith file for a model dict.");
  m.def("model_from_bytes", &model_from_bytes, "data"_a, "Parses the bytes of a .pith file.");
  nb::class_<NativeModel>(m, "NativeModel",
                          "A validated model built from a model dict, ready to predict.")
      .def(nb::init<const nb::dict&>(), "model"_a)
      .def("outputs", &NativeModel::outputs, "Output names, the default first.")
      .def("predict", &NativeModel::predict<double>, "output"_a, "X"_a.noconvert(), "n_threads"_a,
           "Computes `output` ('predict', 'predict_proba', ...) for every row.")
      .def("predict", &NativeModel::predict<float>, "output"_a, "X"_a.noconvert(), "n_threads"_a);
}

}  // namespace pith::python
