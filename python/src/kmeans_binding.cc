// pith._core K-Means functions: fit, predict, transform, inertia for float32 and float64.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "binding.h"
#include "pith/kmeans.h"

namespace pith::python {
namespace {

using namespace nb::literals;

pith::KMeansModel model_from_centers(const InMatrix<double>& centers, std::size_t n_features) {
  if (centers.shape(0) == 0 || centers.shape(1) != n_features) {
    pith::throw_invalid_argument("centers have shape (" + std::to_string(centers.shape(0)) + ", " +
                                 std::to_string(centers.shape(1)) + "), expected (k >= 1, " +
                                 std::to_string(n_features) + ") to match X");
  }
  pith::KMeansModel model;
  model.n_clusters = centers.shape(0);
  model.n_features = centers.shape(1);
  model.centers.assign(centers.data(), centers.data() + centers.size());
  return model;
}

pith::KMeansInit parse_init(const std::string& init) {
  if (init == "k-means++") return pith::KMeansInit::kKMeansPlusPlus;
  if (init == "random") return pith::KMeansInit::kRandom;
  if (init == "explicit") return pith::KMeansInit::kExplicit;
  pith::throw_invalid_argument("init must be 'k-means++', 'random' or 'explicit', got '" + init +
                               "'");
}

template <class T>
std::tuple<OutArray<double>, OutArray<std::int32_t>, double, int> kmeans_fit(
    InMatrix<T> X, nb::object sample_weight, nb::object init_centers, std::size_t n_clusters,
    const std::string& init, int n_init, int max_iter, double tol, std::uint64_t seed,
    int n_threads, nb::object on_iteration) {
  pith::KMeansParams params;
  params.n_clusters = n_clusters;
  params.init = parse_init(init);
  params.n_init = n_init;
  params.max_iter = max_iter;
  params.tol = tol;
  params.random_state = seed;
  params.n_threads = n_threads;
  if (!on_iteration.is_none()) {
    // libpith calls this while the GIL is released: take it to call Python. An exception in the
    // callback is reported as unraisable rather than thrown through libpith's loops.
    params.on_iteration = [&on_iteration](int run, int iteration, double inertia) {
      nb::gil_scoped_acquire gil;
      try {
        on_iteration(run, iteration, inertia);
      } catch (nb::python_error& e) {
        e.discard_as_unraisable("pith KMeans on_iteration callback");
      }
    };
  }

  const T* weights = weights_or_null<T>(sample_weight, X.shape(0));
  const double* centers = nullptr;
  InMatrix<double> init_array;
  if (params.init == pith::KMeansInit::kExplicit) {
    if (!nb::try_cast(init_centers, init_array, /*convert=*/false)) {
      throw nb::type_error("init='explicit' needs init_centers, a C-contiguous float64 2-D array");
    }
    if (init_array.shape(0) != n_clusters || init_array.shape(1) != X.shape(1)) {
      pith::throw_invalid_argument(
          "init_centers have shape (" + std::to_string(init_array.shape(0)) + ", " +
          std::to_string(init_array.shape(1)) + "), expected (" + std::to_string(n_clusters) +
          ", " + std::to_string(X.shape(1)) + ")");
    }
    centers = init_array.data();
  } else if (!init_centers.is_none()) {
    pith::throw_invalid_argument("init_centers must be None unless init='explicit'");
  }

  pith::KMeansFitResult result;
  {
    nb::gil_scoped_release release;
    result = pith::fit_kmeans<T>(view(X), params, weights, centers);
  }
  const std::size_t k = result.model.n_clusters, d = result.model.n_features;
  const std::size_t n = result.labels.size();
  return {to_numpy(std::move(result.model.centers), {k, d}),
          to_numpy(std::move(result.labels), {n}), result.model.inertia, result.model.n_iter};
}

template <class T>
OutArray<std::int32_t> kmeans_predict(InMatrix<double> centers, InMatrix<T> X, int n_threads) {
  const pith::KMeansModel model = model_from_centers(centers, X.shape(1));
  std::vector<std::int32_t> labels(X.shape(0));
  {
    nb::gil_scoped_release release;
    pith::kmeans_predict<T>(model, view(X), labels.data(), n_threads);
  }
  return to_numpy(std::move(labels), {X.shape(0)});
}

template <class T>
OutArray<T> kmeans_transform(InMatrix<double> centers, InMatrix<T> X, int n_threads) {
  const pith::KMeansModel model = model_from_centers(centers, X.shape(1));
  std::vector<T> distances(X.shape(0) * model.n_clusters);
  {
    nb::gil_scoped_release release;
    pith::kmeans_transform<T>(model, view(X), distances.data(), n_threads);
  }
  return to_numpy(std::move(distances), {X.shape(0), model.n_clusters});
}

template <class T>
double kmeans_inertia(InMatrix<double> centers, InMatrix<T> X, nb::object sample_weight,
                      int n_threads) {
  const pith::KMeansModel model = model_from_centers(centers, X.shape(1));
  const T* weights = weights_or_null<T>(sample_weight, X.shape(0));
  nb::gil_scoped_release release;
  return pith::kmeans_inertia<T>(model, view(X), weights, n_threads);
}

template <class T>
void bind_kmeans_dtype(nb::module_& m) {
  m.def("kmeans_fit", &kmeans_fit<T>, "X"_a.noconvert(), "sample_weight"_a.none(),
        "init_centers"_a.none(), "n_clusters"_a, "init"_a, "n_init"_a, "max_iter"_a, "tol"_a,
        "seed"_a, "n_threads"_a, "on_iteration"_a.none(),
        "Fits K-Means; returns (centers float64 (k, d), labels int32, inertia, n_iter).");
  m.def("kmeans_predict", &kmeans_predict<T>, "centers"_a.noconvert(), "X"_a.noconvert(),
        "n_threads"_a, "Index of the closest center for every row of X (int32).");
  m.def("kmeans_transform", &kmeans_transform<T>, "centers"_a.noconvert(), "X"_a.noconvert(),
        "n_threads"_a, "Euclidean distance of every row of X to every center, in X's dtype.");
  m.def("kmeans_inertia", &kmeans_inertia<T>, "centers"_a.noconvert(), "X"_a.noconvert(),
        "sample_weight"_a.none(), "n_threads"_a,
        "Weighted sum of squared distances of the rows of X to their closest center.");
}

}  // namespace

void bind_kmeans(nb::module_& m) {
  bind_kmeans_dtype<double>(m);
  bind_kmeans_dtype<float>(m);
}

}  // namespace pith::python
