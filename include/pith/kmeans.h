// K-Means (Lloyd) clustering: parameters, the fitted model, fitting and prediction.
//
// Conventions follow scikit-learn's KMeans so that results can be compared with it: `tol` is
// relative to the mean per-feature variance of X, inertia is the weighted sum of squared distances
// of samples to their closest center, and k-means++ is the greedy variant with 2 + log(k) trials.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "pith/lazy_cache.h"
#include "pith/matrix.h"

namespace pith {

enum class KMeansInit : std::uint8_t {
  kKMeansPlusPlus,  // greedy k-means++, as scikit-learn
  kRandom,          // n_clusters distinct rows drawn uniformly
  kExplicit,        // the caller's initial centers
};

// How Lloyd's iterations are computed; every choice gives Lloyd's labels and centers.
enum class KMeansAlgorithm : std::uint8_t {
  kAuto,     // bounds when there are enough clusters for them to pay (see docs/benchmarks.md)
  kLloyd,    // every row scored against every center at every step
  kHamerly,  // per-row distance bounds skip rows whose label cannot change (Hamerly 2010)
};

struct KMeansParams {
  std::size_t n_clusters = 8;
  KMeansInit init = KMeansInit::kKMeansPlusPlus;
  int n_init = 1;      // independent runs; the one with the lowest inertia is kept
  int max_iter = 300;  // Lloyd iterations per run
  double tol = 1e-4;   // on the squared center shift, relative to mean(var(X, axis=0))
  std::uint64_t random_state = 0;
  int n_threads = 0;  // <= 0: all cores
  KMeansAlgorithm algorithm = KMeansAlgorithm::kAuto;
  // Called after every Lloyd iteration of every run (run from 0, iteration from 1, inertia of
  // the step's labels against the centers they were assigned to); may be empty. Setting it makes
  // kAuto take full passes (which compute the inertia); under kHamerly the inertia is NaN.
  std::function<void(int, int, double)> on_iteration;
};

// A fitted K-Means model: plain data, independent of how it was fitted or will be run.
struct KMeansModel {
  std::size_t n_clusters = 0;
  std::size_t n_features = 0;
  std::vector<double> centers;  // n_clusters x n_features, row-major
  double inertia = 0.0;         // on the training data, with the final centers
  int n_iter = 0;               // Lloyd iterations of the kept run
  // The centers packed for prediction in float32 and float64, each built on first use. Copies
  // start without them.
  LazyCache packed32, packed64;

  MatrixView<double> centers_view() const { return {centers.data(), n_clusters, n_features}; }
};

struct KMeansFitResult {
  KMeansModel model;
  std::vector<std::int32_t> labels;  // closest center of every training row
};

// Fits K-Means on the rows of X. `sample_weight` (n values, >= 0) and `initial_centers`
// (n_clusters x cols, required iff params.init == kExplicit) may be null.
// Throws pith::Error (kInvalidArgument) on empty input, n_clusters > rows, non-finite values,
// negative or all-zero weights and bad parameters.
template <class T>
KMeansFitResult fit_kmeans(MatrixView<T> X, const KMeansParams& params,
                           const std::type_identity_t<T>* sample_weight = nullptr,
                           const double* initial_centers = nullptr);

// Index of the closest center for every row of X (labels has X.rows entries).
template <class T>
void kmeans_predict(const KMeansModel& model, MatrixView<T> X, std::int32_t* labels,
                    int n_threads = 0);

// Euclidean distance of every row of X to every center (out is X.rows x n_clusters, row-major).
// Packs the centers for prediction now rather than at the first prediction.
void prepare_kmeans(const KMeansModel& model);

template <class T>
void kmeans_transform(const KMeansModel& model, MatrixView<T> X, T* out, int n_threads = 0);

// Weighted sum of squared distances of the rows of X to their closest center (score = -inertia).
template <class T>
double kmeans_inertia(const KMeansModel& model, MatrixView<T> X,
                      const std::type_identity_t<T>* sample_weight = nullptr, int n_threads = 0);

// One Lloyd step over one chunk of rows, the unit of work that a local fit runs per thread and a
// distributed fit runs per partition: for the given centers, the weighted sums and weights of the
// rows closest to each center, and their inertia. Chunks combine with merge() in any order.
struct LloydStats {
  std::size_t n_clusters = 0;
  std::size_t n_features = 0;
  std::vector<double> sums;     // n_clusters x n_features
  std::vector<double> weights;  // n_clusters
  double inertia = 0.0;

  LloydStats() = default;
  LloydStats(std::size_t k, std::size_t d)
      : n_clusters(k), n_features(d), sums(k * d), weights(k) {}
  void merge(const LloydStats& other);
};

// `labels` (X.rows entries) may be null. Runs on n_threads threads. check_finite = false skips
// the NaN/inf scan of X: for drivers that checked their data once and iterate over it.
template <class T>
LloydStats kmeans_lloyd_stats(MatrixView<T> X, const std::type_identity_t<T>* sample_weight,
                              MatrixView<double> centers, std::int32_t* labels = nullptr,
                              int n_threads = 0, bool check_finite = true);

// The closest center of every row (labels, X.rows values) and its squared distance (float64,
// computed exactly from X's values): k-means||'s per-chunk work. check_finite as above.
template <class T>
void kmeans_nearest(MatrixView<T> X, MatrixView<double> centers, std::int32_t* labels,
                    double* sq_distances, int n_threads = 0, bool check_finite = true);

}  // namespace pith
