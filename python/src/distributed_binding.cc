// pith._core per-chunk steps for distributed fits (pith.dask): the statistics of one Lloyd step
// and the logistic loss and gradient on one chunk of rows, plus pith's L-BFGS driven by a Python
// objective. The local fits run the same C++ functions, so both paths share one implementation.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "binding.h"
#include "optim/lbfgs.h"
#include "pith/kmeans.h"
#include "pith/linear.h"
#include "pith/matrix.h"

namespace pith::python {
namespace {

using namespace nb::literals;

// Returns (sums (k, d), weights (k,), inertia) of the rows of X assigned to `centers`.
template <class T>
std::tuple<OutArray<double>, OutArray<double>, double> kmeans_lloyd_step(InMatrix<T> X,
                                                                         nb::object sample_weight,
                                                                         InMatrix<double> centers,
                                                                         int n_threads,
                                                                         bool check_finite) {
  if (centers.shape(1) != X.shape(1) || centers.shape(0) == 0) {
    throw_invalid_argument("centers have shape (" + std::to_string(centers.shape(0)) + ", " +
                           std::to_string(centers.shape(1)) + "), expected (k >= 1, " +
                           std::to_string(X.shape(1)) + ")");
  }
  const T* weights = weights_or_null<T>(sample_weight, X.shape(0));
  LloydStats stats;
  {
    nb::gil_scoped_release release;
    stats =
        kmeans_lloyd_stats<T>(view(X), weights, view(centers), nullptr, n_threads, check_finite);
  }
  const std::size_t k = stats.n_clusters, d = stats.n_features;
  return {to_numpy(std::move(stats.sums), {k, d}), to_numpy(std::move(stats.weights), {k}),
          stats.inertia};
}

// Returns (labels (n,), squared distances (n,)) of the rows of X to their closest center.
template <class T>
std::tuple<OutArray<std::int32_t>, OutArray<double>> kmeans_nearest_rows(InMatrix<T> X,
                                                                         InMatrix<double> centers,
                                                                         int n_threads,
                                                                         bool check_finite) {
  const std::size_t n = X.shape(0);
  std::vector<std::int32_t> labels(n);
  std::vector<double> sq_distances(n);
  {
    nb::gil_scoped_release release;
    kmeans_nearest<T>(view(X), view(centers), labels.data(), sq_distances.data(), n_threads,
                      check_finite);
  }
  return {to_numpy(std::move(labels), {n}), to_numpy(std::move(sq_distances), {n})};
}

// Returns (mean (d,), m2 (d,)) of the columns of X (see pith::column_moments); with check_finite,
// first the finiteness check every fit runs (its error names the row and column).
template <class T>
std::tuple<OutArray<double>, OutArray<double>> column_moments_of(InMatrix<T> X, int n_threads,
                                                                 bool check_finite) {
  const std::size_t d = X.shape(1);
  ColumnMoments moments;
  {
    nb::gil_scoped_release release;
    moments = column_moments(view(X), n_threads);
    // A NaN or infinity in X makes its column's moments non-finite: only then is X scanned for
    // the value to name (one pass over the data, not two).
    const bool finite = std::all_of(moments.m2.begin(), moments.m2.end(),
                                    [](double v) { return std::isfinite(v); });
    if (check_finite && (!finite || X.shape(0) == 0)) check_finite_matrix(view(X), "X", n_threads);
  }
  if (moments.rows == 0) {
    moments.mean.assign(d, 0.0);
    moments.m2.assign(d, 0.0);
  }
  return {to_numpy(std::move(moments.mean), {d}), to_numpy(std::move(moments.m2), {d})};
}

// Returns (sum_i s_i loss_i, gradient (rows, d + 1)) for parameters W (rows, d + 1).
template <class T>
std::tuple<double, OutArray<double>> logistic_chunk_loss_gradient(
    InMatrix<T> X, InVector<std::int32_t> y, nb::object sample_weight, std::size_t n_classes,
    InMatrix<double> W, int n_threads) {
  const std::size_t d = X.shape(1), rows = n_classes == 2 ? 1 : n_classes;
  if (y.shape(0) != X.shape(0)) {
    throw_invalid_argument("y has " + std::to_string(y.shape(0)) + " labels for " +
                           std::to_string(X.shape(0)) + " rows");
  }
  if (n_classes < 2 || W.shape(0) != rows || W.shape(1) != d + 1) {
    throw_invalid_argument("W has shape (" + std::to_string(W.shape(0)) + ", " +
                           std::to_string(W.shape(1)) + "), expected (" + std::to_string(rows) +
                           ", " + std::to_string(d + 1) + ") for " + std::to_string(n_classes) +
                           " classes");
  }
  for (std::size_t i = 0; i < y.shape(0); ++i) {
    if (y.data()[i] < 0 || static_cast<std::size_t>(y.data()[i]) >= n_classes) {
      throw_invalid_argument("y[" + std::to_string(i) + "] = " + std::to_string(y.data()[i]) +
                             " is not a class index in [0, " + std::to_string(n_classes) + ")");
    }
  }
  const double* weights = weights_or_null<double>(sample_weight, X.shape(0));
  LogisticLossGradient acc;
  acc.gradient.assign(rows * (d + 1), 0.0);
  if (X.shape(0) > 0) {
    nb::gil_scoped_release release;
    logistic_loss_gradient<T>(view(X), y.data(), weights, n_classes, W.data(), acc, n_threads);
  }
  return {acc.loss, to_numpy(std::move(acc.gradient), {rows, d + 1})};
}

// Minimises fun(x) -> (f, gradient) from x0 with pith's L-BFGS (the local fits' optimiser).
// Returns (x, f, n_iter, converged, status).
std::tuple<OutArray<double>, double, int, bool, std::string> minimize_lbfgs(
    nb::callable fun, InVector<double> x0, int max_iter, double gtol, nb::object on_iteration) {
  std::vector<double> x(x0.data(), x0.data() + x0.shape(0));
  const std::size_t n = x.size();
  const detail::Objective objective = [&](std::span<const double> point, std::span<double> g) {
    std::vector<double> copy(point.begin(), point.end());
    nb::object result = fun(to_numpy(std::move(copy), {n}));
    const auto pair = nb::cast<std::tuple<double, InVector<double>>>(result);
    const InVector<double>& grad = std::get<1>(pair);
    if (grad.shape(0) != n) {
      throw_invalid_argument("the objective's gradient has " + std::to_string(grad.shape(0)) +
                             " entries, expected " + std::to_string(n));
    }
    std::copy_n(grad.data(), n, g.begin());
    return std::get<0>(pair);
  };
  detail::LbfgsParams params;
  params.max_iter = max_iter;
  params.gtol = gtol;
  detail::IterationCallback callback;
  if (!on_iteration.is_none()) {
    callback = [&](int it, double f, double g) { on_iteration(it, f, g); };
  }
  const detail::LbfgsResult r = detail::minimize_lbfgs(objective, x, params, callback);
  return {to_numpy(std::move(x), {n}), r.f, r.n_iter, r.converged(),
          detail::lbfgs_status_message(r.status)};
}

template <class T>
void bind_distributed_dtype(nb::module_& m) {
  m.def("kmeans_lloyd_step", &kmeans_lloyd_step<T>, "X"_a.noconvert(), "sample_weight"_a.none(),
        "centers"_a.noconvert(), "n_threads"_a, "check_finite"_a = true,
        "One Lloyd step's statistics on a chunk: (sums (k, d), weights (k,), inertia).");
  m.def("kmeans_nearest", &kmeans_nearest_rows<T>, "X"_a.noconvert(), "centers"_a.noconvert(),
        "n_threads"_a, "check_finite"_a = true,
        "The closest center of every row and its squared distance: (labels, sq_distances).");
  m.def("column_moments", &column_moments_of<T>, "X"_a.noconvert(), "n_threads"_a,
        "check_finite"_a = true,
        "Column means and sums of squared deviations of a chunk: (mean (d,), m2 (d,)).");
  m.def("logistic_chunk_loss_gradient", &logistic_chunk_loss_gradient<T>, "X"_a.noconvert(),
        "y"_a.noconvert(), "sample_weight"_a.none(), "n_classes"_a, "W"_a.noconvert(),
        "n_threads"_a,
        "Unnormalised, unpenalised logistic loss and gradient on a chunk: (loss, grad (rows, "
        "d + 1)).");
}

}  // namespace

void bind_distributed(nb::module_& m) {
  bind_distributed_dtype<double>(m);
  bind_distributed_dtype<float>(m);
  m.def("minimize_lbfgs", &minimize_lbfgs, "fun"_a, "x0"_a.noconvert(), "max_iter"_a, "gtol"_a,
        "on_iteration"_a.none(),
        "pith's L-BFGS on fun(x) -> (f, gradient): (x, f, n_iter, converged, status).");
}

}  // namespace pith::python
