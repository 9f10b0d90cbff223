// pith._core linear models and scalers: the fits, for float32 and float64 X. Predictions go
// through NativeModel (model_binding.cc) like every other kind's.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "binding.h"
#include "pith/linear.h"
#include "pith/preprocessing.h"

namespace pith::python {
namespace {

using namespace nb::literals;

// Optional float64 sample weights, one per row (the facade converts them).
const double* float64_weights(const nb::object& sample_weight, std::size_t rows) {
  return weights_or_null<double>(sample_weight, rows);
}

// Returns (coef (t, d), intercept (t,), rank).
template <class T>
std::tuple<OutArray<double>, OutArray<double>, int> linear_regression_fit(
    InMatrix<T> X, InMatrix<double> y, nb::object sample_weight, double alpha, bool fit_intercept,
    int n_threads) {
  LinearRegressionParams params;
  params.alpha = alpha;
  params.fit_intercept = fit_intercept;
  params.n_threads = n_threads;
  const double* weights = float64_weights(sample_weight, X.shape(0));
  LinearRegressionModel model;
  {
    nb::gil_scoped_release release;
    model = fit_linear_regression<T>(params, view(X), view(y), weights);
  }
  return {to_numpy(std::move(model.coef), {model.n_targets, model.n_features}),
          to_numpy(std::move(model.intercept), {model.n_targets}), model.rank};
}

// y: class indices (int32). Returns (coef (rows, d), intercept (rows,), n_iter, converged,
// status, loss).
template <class T>
std::tuple<OutArray<double>, OutArray<double>, int, bool, std::string, double>
logistic_regression_fit(InMatrix<T> X, InVector<std::int32_t> y, std::size_t n_classes,
                        nb::object sample_weight, double C, bool fit_intercept, int max_iter,
                        double tol, int n_threads, nb::object on_iteration) {
  if (y.shape(0) != X.shape(0)) {
    throw_invalid_argument("y has " + std::to_string(y.shape(0)) + " labels, expected " +
                           std::to_string(X.shape(0)) + " (one per row of X)");
  }
  LogisticRegressionParams params;
  params.C = C;
  params.fit_intercept = fit_intercept;
  params.max_iter = max_iter;
  params.tol = tol;
  params.n_threads = n_threads;
  if (!on_iteration.is_none()) {
    params.on_iteration = [&on_iteration](int iteration, double loss, double gradient) {
      nb::gil_scoped_acquire gil;
      try {
        on_iteration(iteration, loss, gradient);
      } catch (nb::python_error& e) {
        e.discard_as_unraisable("pith LogisticRegression on_iteration callback");
      }
    };
  }
  const double* weights = float64_weights(sample_weight, X.shape(0));
  LogisticRegressionFit fit;
  {
    nb::gil_scoped_release release;
    fit = fit_logistic_regression<T>(params, view(X), y.data(), n_classes, weights);
  }
  const std::size_t rows = fit.intercept.size();
  const std::size_t d = X.shape(1);
  return {to_numpy(std::move(fit.coef), {rows, d}),
          to_numpy(std::move(fit.intercept), {rows}),
          fit.n_iter,
          fit.converged,
          fit.status,
          fit.loss};
}

// Returns (mean, scale) as float64 arrays.
template <class T>
std::tuple<OutArray<double>, OutArray<double>> standard_scaler_fit(InMatrix<T> X,
                                                                   nb::object sample_weight,
                                                                   bool with_mean, bool with_std,
                                                                   int n_threads) {
  const double* weights = float64_weights(sample_weight, X.shape(0));
  StandardScalerModel model;
  {
    nb::gil_scoped_release release;
    model = fit_standard_scaler<T>(view(X), with_mean, with_std, weights, n_threads);
  }
  const std::size_t d = model.n_features;
  return {to_numpy(std::move(model.mean), {d}), to_numpy(std::move(model.scale), {d})};
}

// Returns (scale, min) as float64 arrays.
template <class T>
std::tuple<OutArray<double>, OutArray<double>> min_max_scaler_fit(InMatrix<T> X, double range_min,
                                                                  double range_max, bool clip,
                                                                  int n_threads) {
  MinMaxScalerModel model;
  {
    nb::gil_scoped_release release;
    model = fit_min_max_scaler<T>(view(X), range_min, range_max, clip, n_threads);
  }
  const std::size_t d = model.n_features;
  return {to_numpy(std::move(model.scale), {d}), to_numpy(std::move(model.min), {d})};
}

template <class T>
void bind_linear_dtype(nb::module_& m) {
  m.def("linear_regression_fit", &linear_regression_fit<T>, "X"_a.noconvert(), "y"_a.noconvert(),
        "sample_weight"_a.none(), "alpha"_a, "fit_intercept"_a, "n_threads"_a,
        "Least squares (alpha = 0) or ridge; returns (coef, intercept, rank).");
  m.def("logistic_regression_fit", &logistic_regression_fit<T>, "X"_a.noconvert(),
        "y"_a.noconvert(), "n_classes"_a, "sample_weight"_a.none(), "C"_a, "fit_intercept"_a,
        "max_iter"_a, "tol"_a, "n_threads"_a, "on_iteration"_a.none(),
        "L-BFGS fit; returns (coef, intercept, n_iter, converged, status, loss).");
  m.def("standard_scaler_fit", &standard_scaler_fit<T>, "X"_a.noconvert(), "sample_weight"_a.none(),
        "with_mean"_a, "with_std"_a, "n_threads"_a, "Returns (mean, scale), NaN ignored.");
  m.def("min_max_scaler_fit", &min_max_scaler_fit<T>, "X"_a.noconvert(), "range_min"_a,
        "range_max"_a, "clip"_a, "n_threads"_a, "Returns (scale, min), NaN ignored.");
}

}  // namespace

void bind_linear(nb::module_& m) {
  bind_linear_dtype<double>(m);
  bind_linear_dtype<float>(m);
}

}  // namespace pith::python
