// K-Means fit: input checks, n_init runs of initialisation + Lloyd iterations, empty clusters.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <string>

#include "kmeans_internal.h"
#include "pith/error.h"
#include "pith/threading.h"

namespace pith {
namespace {

template <class T>
void check_fit_input(MatrixView<T> X, const KMeansParams& params, const T* sample_weight,
                     const double* initial_centers) {
  check_finite_matrix(X, "X", params.n_threads);
  const std::size_t k = params.n_clusters;
  if (k == 0) throw_invalid_argument("n_clusters must be >= 1, got 0");
  if (k > X.rows) {
    throw_invalid_argument("n_samples=" + std::to_string(X.rows) +
                           " should be >= n_clusters=" + std::to_string(k));
  }
  if (params.n_init < 1) {
    throw_invalid_argument("n_init must be >= 1, got " + std::to_string(params.n_init));
  }
  if (params.max_iter < 1) {
    throw_invalid_argument("max_iter must be >= 1, got " + std::to_string(params.max_iter));
  }
  if (!(params.tol >= 0) || !std::isfinite(params.tol)) {
    throw_invalid_argument("tol must be a finite number >= 0, got " + std::to_string(params.tol));
  }
  if (sample_weight != nullptr) {
    double total = 0;
    for (std::size_t i = 0; i < X.rows; ++i) {
      const double w = double(sample_weight[i]);
      if (!std::isfinite(w) || w < 0) {
        throw_invalid_argument("sample_weight[" + std::to_string(i) + "] = " + std::to_string(w) +
                               "; sample weights must be finite and >= 0");
      }
      total += w;
    }
    if (!(total > 0)) throw_invalid_argument("sample_weight sums to 0; expected a positive total");
  }
  if (params.init == KMeansInit::kExplicit) {
    if (initial_centers == nullptr) {
      throw_invalid_argument("init is explicit but no initial centers were given");
    }
    check_finite_matrix(MatrixView<double>{initial_centers, k, X.cols}, "initial centers");
  }
}

// scikit-learn's tolerance: tol times the mean over features of the (unweighted) variance.
template <class T>
double absolute_tolerance(MatrixView<T> X, double tol, int n_threads) {
  if (tol == 0) return 0;
  const ColumnMoments moments = column_moments(X, n_threads);
  return tol * std::accumulate(moments.m2.begin(), moments.m2.end(), 0.0) /
         (double(X.rows) * double(X.cols));
}

// scikit-learn's relocation of empty clusters: each empty cluster takes one of the rows farthest
// from their (old) center, which leaves its own cluster. `sums`/`weights` are the Lloyd sums.
template <class T>
void relocate_empty_clusters(MatrixView<T> X, const T* sample_weight, const double* old_centers,
                             const std::int32_t* labels, LloydStats& stats) {
  const std::size_t k = stats.n_clusters, d = stats.n_features;
  std::vector<std::size_t> empty;
  for (std::size_t c = 0; c < k; ++c) {
    if (stats.weights[c] == 0) empty.push_back(c);
  }
  if (empty.empty()) return;
  std::vector<double> dist(X.rows);
  for (std::size_t i = 0; i < X.rows; ++i) {
    const double* c = old_centers + std::size_t(labels[i]) * d;
    double s = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const double diff = double(X.row(i)[j]) - c[j];
      s += diff * diff;
    }
    dist[i] = s;
  }
  std::vector<std::size_t> order(X.rows);
  std::iota(order.begin(), order.end(), 0);
  const auto n_far = static_cast<std::ptrdiff_t>(std::min(empty.size(), X.rows));
  std::partial_sort(
      order.begin(), order.begin() + n_far, order.end(),
      [&](std::size_t a, std::size_t b) { return dist[a] != dist[b] ? dist[a] > dist[b] : a < b; });
  for (std::size_t e = 0; e < static_cast<std::size_t>(n_far); ++e) {
    const std::size_t far = order[e], to = empty[e], from = std::size_t(labels[far]);
    const double w = sample_weight ? double(sample_weight[far]) : 1.0;
    for (std::size_t j = 0; j < d; ++j) {
      const double v = double(X.row(far)[j]) * w;
      stats.sums[from * d + j] -= v;
      stats.sums[to * d + j] = v;
    }
    stats.weights[to] = w;
    stats.weights[from] -= w;
  }
}

struct RunResult {
  std::vector<double> centers;
  std::vector<std::int32_t> labels;
  double inertia = 0;
  int n_iter = 0;
};

template <class T>
RunResult lloyd(MatrixView<T> X, const T* sample_weight, std::vector<double> centers,
                const KMeansParams& params, double tol, int run) {
  const std::size_t k = params.n_clusters, d = X.cols;
  RunResult r;
  r.labels.assign(X.rows, -1);
  std::vector<double> next(k * d);
  // Bounds skip work only when rows keep their label with room to spare; on data without
  // cluster structure (or early, while centers still move far) they prove almost nothing and
  // cost a second pass. In kAuto mode they are dropped while over 60% of rows still need a full
  // scan, and tried again later with a doubling back-off. Progress reports need every step's
  // inertia, which only full passes compute.
  const bool adaptive = params.algorithm == KMeansAlgorithm::kAuto;
  const bool bounds_allowed =
      detail::use_bounds(params.algorithm, d, k) && !(adaptive && params.on_iteration);
  std::optional<detail::BoundedAssigner<T>> bounded;
  int bounded_steps = 0, retry_at = 0, backoff = 2;
  int it = 0;
  while (it < params.max_iter) {
    const MatrixView<double> current{centers.data(), k, d};
    if (bounds_allowed && !bounded && it >= retry_at) {
      bounded.emplace(X, sample_weight, k, params.n_threads);
      bounded_steps = 0;
    }
    detail::PassResult pass;
    const bool used_bounds = bounded.has_value();  // bounded steps compute no inertia
    if (bounded) {
      pass = bounded->step(current, r.labels.data());
      // The first bounded step scans everything by construction; judge the ones after it.
      if (adaptive && ++bounded_steps >= 2 && pass.n_scanned * 10 > X.rows * 6) {
        bounded.reset();
        retry_at = it + 1 + backoff;
        backoff *= 2;
      }
    } else {
      // The inertia of intermediate steps is only needed to report progress.
      pass = detail::lloyd_pass(X, sample_weight, detail::pack_for<T>(current), r.labels.data(),
                                true, params.n_threads, bool(params.on_iteration));
    }
    ++it;
    relocate_empty_clusters(X, sample_weight, centers.data(), r.labels.data(), pass.stats);
    double shift = 0;
    for (std::size_t c = 0; c < k; ++c) {
      const double w = pass.stats.weights[c];
      for (std::size_t j = 0; j < d; ++j) {
        // A cluster whose weight is 0 (only zero-weight rows) keeps its center.
        const double v = w > 0 ? pass.stats.sums[c * d + j] / w : centers[c * d + j];
        const double diff = v - centers[c * d + j];
        shift += diff * diff;
        next[c * d + j] = v;
      }
    }
    centers.swap(next);
    if (params.on_iteration) {
      params.on_iteration(
          run, it, used_bounds ? std::numeric_limits<double>::quiet_NaN() : pass.stats.inertia);
    }
    if (pass.n_changed == 0) break;  // labels are stable: the centers are a fixed point
    if (shift <= tol) break;
  }
  // Labels and inertia must describe the returned centers (scikit-learn's final E-step).
  const auto packed = detail::pack_for<T>(MatrixView<double>{centers.data(), k, d});
  detail::PassResult final_pass =
      detail::lloyd_pass(X, sample_weight, packed, r.labels.data(), false, params.n_threads);
  r.centers = std::move(centers);
  r.inertia = final_pass.stats.inertia;
  r.n_iter = it;
  return r;
}

}  // namespace

template <class T>
KMeansFitResult fit_kmeans(MatrixView<T> X, const KMeansParams& params,
                           const std::type_identity_t<T>* sample_weight,
                           const double* initial_centers) {
  check_fit_input(X, params, sample_weight, initial_centers);
  const std::size_t k = params.n_clusters, d = X.cols;
  const double tol = absolute_tolerance(X, params.tol, params.n_threads);
  detail::Rng rng(params.random_state);
  const int n_init = params.init == KMeansInit::kExplicit ? 1 : params.n_init;
  RunResult best;
  bool have_best = false;
  for (int run = 0; run < n_init; ++run) {
    std::vector<double> centers(k * d);
    switch (params.init) {
      case KMeansInit::kExplicit:
        std::copy_n(initial_centers, k * d, centers.begin());
        break;
      case KMeansInit::kRandom:
        detail::init_random(X, sample_weight, k, rng, centers.data());
        break;
      case KMeansInit::kKMeansPlusPlus:
        detail::init_kmeans_plusplus(X, sample_weight, k, rng, params.n_threads, centers.data());
        break;
    }
    RunResult r = lloyd(X, sample_weight, std::move(centers), params, tol, run);
    if (!have_best || r.inertia < best.inertia) {
      best = std::move(r);
      have_best = true;
    }
  }
  KMeansFitResult result;
  result.model.n_clusters = k;
  result.model.n_features = d;
  result.model.centers = std::move(best.centers);
  result.model.inertia = best.inertia;
  result.model.n_iter = best.n_iter;
  result.labels = std::move(best.labels);
  return result;
}

template KMeansFitResult fit_kmeans<float>(MatrixView<float>, const KMeansParams&, const float*,
                                           const double*);
template KMeansFitResult fit_kmeans<double>(MatrixView<double>, const KMeansParams&, const double*,
                                            const double*);

}  // namespace pith
