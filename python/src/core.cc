// pith._core: the nanobind binding, the one file that knows about numpy and Python.
//
// Arrays cross without copies: every array argument is `noconvert`, so anything that is not a
// C-contiguous CPU array of exactly the expected dtype is refused with TypeError. The Python facade
// (python/pith) converts input the scikit-learn way before calling here. The GIL is released around
// every call into libpith; pith::Error becomes a Python exception by its code.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "pith/error.h"
#include "pith/kmeans.h"
#include "pith/matrix.h"
#include "pith/model.h"
#include "pith/model_io.h"
#include "pith/version.h"

namespace nb = nanobind;
using namespace nb::literals;

void bind_wasm(nb::module_& m);  // wasm_binding.cc

namespace {

// Inputs: read-only, C-contiguous, on the CPU, of exactly T.
template <class T>
using InMatrix = nb::ndarray<const T, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
template <class T>
using InVector = nb::ndarray<const T, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
// Outputs: numpy arrays that own their memory.
template <class T>
using OutArray = nb::ndarray<nb::numpy, T>;

template <class T>
pith::MatrixView<T> view(const InMatrix<T>& a) {
  return {a.data(), a.shape(0), a.shape(1)};
}

// Hands a vector to numpy without copying; the capsule frees it with the array. Needs the GIL.
template <class T>
OutArray<T> to_numpy(std::vector<T>&& values, std::initializer_list<std::size_t> shape) {
  auto* owner = new std::vector<T>(std::move(values));
  nb::capsule free_owner(owner, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return OutArray<T>(owner->data(), shape, free_owner);
}

// Optional 1-D weights (None or an array of X's dtype), checked against the number of rows.
template <class T>
const T* weights_or_null(const nb::object& sample_weight, std::size_t rows) {
  if (sample_weight.is_none()) return nullptr;
  InVector<T> w;
  if (!nb::try_cast(sample_weight, w, /*convert=*/false)) {
    throw nb::type_error("sample_weight must be None or a C-contiguous 1-D array of X's dtype");
  }
  if (w.shape(0) != rows) {
    pith::throw_invalid_argument("sample_weight has " + std::to_string(w.shape(0)) +
                                 " values, expected one per row of X (" + std::to_string(rows) +
                                 ")");
  }
  return w.data();  // kept alive by the caller's reference to sample_weight
}

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

// --- Models as dicts ------------------------------------------------------------------------
// A pith::Model crosses to Python as a flat dict: the input schema, "kind", and the estimator's
// fields. The same dict shape goes both ways, so load_model's output can be saved again.

pith::DType parse_dtype(const std::string& name) {
  if (name == "float32") return pith::DType::kFloat32;
  if (name == "float64") return pith::DType::kFloat64;
  pith::throw_invalid_argument("dtype must be 'float32' or 'float64', got '" + name + "'");
}

template <class V>
V required(const nb::dict& d, const char* key, bool convert = true) {
  if (!d.contains(key)) {
    pith::throw_invalid_argument(std::string("model dict has no '") + key + "'");
  }
  V value;
  if (!nb::try_cast(d[key], value, convert)) {
    throw nb::type_error(
        (std::string("model dict field '") + key + "' has the wrong type").c_str());
  }
  return value;
}

pith::Model model_from_dict(const nb::dict& d) {
  pith::Model model;
  const std::string kind = required<std::string>(d, "kind");
  if (kind != "kmeans") {
    throw pith::Error(pith::ErrorCode::kUnsupported, "unknown estimator kind '" + kind + "'");
  }
  const auto centers = required<InMatrix<double>>(d, "cluster_centers", /*convert=*/false);
  pith::KMeansModel kmeans;
  kmeans.n_clusters = centers.shape(0);
  kmeans.n_features = centers.shape(1);
  kmeans.centers.assign(centers.data(), centers.data() + centers.size());
  kmeans.inertia = required<double>(d, "inertia");
  kmeans.n_iter = required<int>(d, "n_iter");
  model.estimator = std::move(kmeans);

  model.input.n_features = centers.shape(1);
  model.input.dtype = parse_dtype(required<std::string>(d, "dtype"));
  if (d.contains("feature_names") && !d["feature_names"].is_none()) {
    model.input.feature_names = required<std::vector<std::string>>(d, "feature_names");
  }
  return model;
}

nb::dict model_to_dict(pith::Model&& model, const std::vector<std::string>& warnings) {
  nb::dict d;
  d["kind"] = pith::estimator_kind(model.estimator);
  d["producer"] = model.producer;
  d["n_features"] = model.input.n_features;
  d["dtype"] = pith::dtype_name(model.input.dtype);
  d["feature_names"] = model.input.feature_names;
  d["warnings"] = warnings;
  auto& kmeans = std::get<pith::KMeansModel>(model.estimator);
  d["n_clusters"] = kmeans.n_clusters;
  d["cluster_centers"] =
      to_numpy(std::move(kmeans.centers), {kmeans.n_clusters, kmeans.n_features});
  d["inertia"] = kmeans.inertia;
  d["n_iter"] = kmeans.n_iter;
  return d;
}

void save_model(const std::filesystem::path& path, const nb::dict& d) {
  const pith::Model model = model_from_dict(d);
  nb::gil_scoped_release release;
  pith::save_model(model, path);
}

nb::dict load_model(const std::filesystem::path& path) {
  std::vector<std::string> warnings;
  pith::Model model;
  {
    nb::gil_scoped_release release;
    model = pith::load_model(path, &warnings);
  }
  return model_to_dict(std::move(model), warnings);
}

nb::bytes model_to_bytes(const nb::dict& d) {
  const pith::Model model = model_from_dict(d);
  std::string bytes;
  {
    nb::gil_scoped_release release;
    bytes = pith::serialize_model(model);
  }
  return nb::bytes(bytes.data(), bytes.size());
}

nb::dict model_from_bytes(const nb::bytes& data) {
  const std::string_view bytes(data.c_str(), data.size());  // immutable, kept alive by the caller
  std::vector<std::string> warnings;
  pith::Model model;
  {
    nb::gil_scoped_release release;
    model = pith::parse_model(bytes, &warnings);
  }
  return model_to_dict(std::move(model), warnings);
}

// pith::Error -> Python: bad input is ValueError, a bad file the ModelFormatError in `payload`.
void translate_pith_error(const std::exception_ptr& p, void* payload) {
  try {
    std::rethrow_exception(p);
  } catch (const pith::Error& e) {
    PyObject* type = PyExc_ValueError;
    switch (e.code()) {
      case pith::ErrorCode::kInvalidArgument:
        type = PyExc_ValueError;
        break;
      case pith::ErrorCode::kFormat:
      case pith::ErrorCode::kVersion:
        type = static_cast<PyObject*>(payload);
        break;
      case pith::ErrorCode::kUnsupported:
        type = PyExc_NotImplementedError;
        break;
      case pith::ErrorCode::kIO:
        type = PyExc_OSError;
        break;
    }
    PyErr_SetString(type, e.what());
  }
}

template <class T>
void bind_dtype(nb::module_& m) {
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

NB_MODULE(_core, m) {
  m.doc() = "pith's native core. Private: use the pith package.";
  m.attr("__version__") = pith::kVersion;
  m.attr("format_version") = nb::make_tuple(pith::kFormatMajor, pith::kFormatMinor);

  // Lives as long as the interpreter: the translator below holds a borrowed pointer to it.
  PyObject* format_error = PyErr_NewExceptionWithDoc(
      "pith.ModelFormatError",
      "A model file (or bytes) that is not a pith model, is truncated or corrupted, or was "
      "written by an incompatible format version.",
      PyExc_ValueError, nullptr);
  m.attr("ModelFormatError") = nb::handle(format_error);
  nb::register_exception_translator(&translate_pith_error, format_error);

  bind_dtype<double>(m);
  bind_dtype<float>(m);

  m.def("save_model", &save_model, "path"_a, "model"_a,
        "Writes a model dict to a .pith file atomically.");
  m.def("load_model", &load_model, "path"_a, "Reads a .pith file into a model dict.");
  m.def("model_to_bytes", &model_to_bytes, "model"_a,
        "The bytes of a .pith file for a model dict.");
  m.def("model_from_bytes", &model_from_bytes, "data"_a, "Parses the bytes of a .pith file.");
  bind_wasm(m);
}
