// K-Means passes over data with fixed centers: the parallel Lloyd pass that fit and distributed
// drivers share, and predict / transform / inertia for fitted models.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <type_traits>

#include "kmeans_internal.h"
#include "pith/error.h"
#include "pith/threading.h"

namespace pith {

void LloydStats::merge(const LloydStats& other) {
  if (other.n_clusters != n_clusters || other.n_features != n_features) {
    throw_invalid_argument("LloydStats::merge: shapes differ (" + std::to_string(n_clusters) + "x" +
                           std::to_string(n_features) + " vs " + std::to_string(other.n_clusters) +
                           "x" + std::to_string(other.n_features) + ")");
  }
  for (std::size_t i = 0; i < sums.size(); ++i) sums[i] += other.sums[i];
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] += other.weights[i];
  inertia += other.inertia;
}

namespace detail {

template <class T>
PassResult lloyd_pass(MatrixView<T> X, const T* sample_weight,
                      const kernels::PackedCenters<T>& centers, std::int32_t* labels,
                      bool accumulate, int n_threads, bool want_inertia) {
  const std::size_t k = centers.k, d = centers.d;
  const int nt = threads_for(n_threads, X.rows, kRowBlock);
  const auto assign = kernels::kernels().assign<T>();
  const kernels::CentersView<T> view = centers.view();
  std::vector<PassResult> partial(static_cast<std::size_t>(std::max(nt, 1)));
#pragma omp parallel num_threads(nt)
  {
    const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t n_threads_here = static_cast<std::size_t>(omp_get_num_threads());
    // Contiguous, block-aligned ranges: each thread streams its own part of X.
    const std::size_t n_blocks = (X.rows + kRowBlock - 1) / kRowBlock;
    const std::size_t b0 = n_blocks * t / n_threads_here, b1 = n_blocks * (t + 1) / n_threads_here;
    const std::size_t r0 = std::min(X.rows, b0 * kRowBlock), r1 = std::min(X.rows, b1 * kRowBlock);
    PassResult& out = partial[t];
    if (accumulate) out.stats = LloydStats(k, d);
    kernels::AssignTask<T> task;
    task.X = X.data + r0 * d;
    task.rows = r1 - r0;
    task.weights = sample_weight ? sample_weight + r0 : nullptr;
    task.labels = labels ? labels + r0 : nullptr;
    task.sums = accumulate ? out.stats.sums.data() : nullptr;
    task.cluster_weights = accumulate ? out.stats.weights.data() : nullptr;
    task.want_inertia = want_inertia;
    if (task.rows > 0) assign(view, task);
    out.stats.inertia = task.inertia;
    out.n_changed = task.n_changed;
    out.n_rescored = task.n_rescored;
  }
  PassResult result;
  result.stats = LloydStats(accumulate ? k : 0, accumulate ? d : 0);
  for (const PassResult& p : partial) {
    if (accumulate) {
      result.stats.merge(p.stats);
    } else {
      result.stats.inertia += p.stats.inertia;
    }
    result.n_changed += p.n_changed;
    result.n_rescored += p.n_rescored;
  }
  result.n_scanned = X.rows;
  result.stats.n_clusters = k;
  result.stats.n_features = d;
  return result;
}

template PassResult lloyd_pass<float>(MatrixView<float>, const float*,
                                      const kernels::PackedCenters<float>&, std::int32_t*, bool,
                                      int, bool);
template PassResult lloyd_pass<double>(MatrixView<double>, const double*,
                                       const kernels::PackedCenters<double>&, std::int32_t*, bool,
                                       int, bool);

}  // namespace detail

namespace {

template <class T>
void check_model_input(const KMeansModel& model, MatrixView<T> X, int n_threads) {
  if (model.n_clusters == 0 || model.centers.size() != model.n_clusters * model.n_features) {
    throw_invalid_argument("the K-Means model is not fitted (no centers)");
  }
  if (X.cols != model.n_features) {
    throw_invalid_argument("X has " + std::to_string(X.cols) + " features, but the model expects " +
                           std::to_string(model.n_features));
  }
  check_finite_matrix(X, "X", n_threads);
}

// The centers packed for T, kept in the model: servers predict one row at a time, where packing
// per call cost ~9% of the time.
template <class T>
const kernels::PackedCenters<T>& packed_centers(const KMeansModel& model) {
  const LazyCache& cache = std::is_same_v<T, float> ? model.packed32 : model.packed64;
  return cache.get<kernels::PackedCenters<T>>([&] {
    return std::make_shared<const kernels::PackedCenters<T>>(
        detail::pack_for<T>(model.centers_view()));
  });
}

void check_centers(MatrixView<double> centers, std::size_t cols) {
  if (centers.rows == 0 || centers.cols != cols) {
    throw_invalid_argument("centers must be k x " + std::to_string(cols) + " with k >= 1");
  }
}

}  // namespace

void prepare_kmeans(const KMeansModel& model) {
  (void)packed_centers<float>(model);
  (void)packed_centers<double>(model);
}

template <class T>
void kmeans_predict(const KMeansModel& model, MatrixView<T> X, std::int32_t* labels,
                    int n_threads) {
  check_model_input(model, X, n_threads);
  detail::lloyd_pass(X, static_cast<const T*>(nullptr), packed_centers<T>(model), labels, false,
                     n_threads);
}

template <class T>
double kmeans_inertia(const KMeansModel& model, MatrixView<T> X,
                      const std::type_identity_t<T>* sample_weight, int n_threads) {
  check_model_input(model, X, n_threads);
  std::vector<std::int32_t> labels(X.rows);
  return detail::lloyd_pass(X, sample_weight, packed_centers<T>(model), labels.data(), false,
                            n_threads)
      .stats.inertia;
}

template <class T>
void kmeans_transform(const KMeansModel& model, MatrixView<T> X, T* out, int n_threads) {
  check_model_input(model, X, n_threads);
  const kernels::PackedCenters<T>& centers = packed_centers<T>(model);
  const auto sq_distances = kernels::kernels().sq_distances<T>();
  const auto view = centers.view();
  const std::size_t k = model.n_clusters;
  const std::size_t n_blocks = (X.rows + detail::kRowBlock - 1) / detail::kRowBlock;
#pragma omp parallel for num_threads(threads_for(n_threads, X.rows, detail::kRowBlock)) \
    schedule(static)
  for (std::size_t b = 0; b < n_blocks; ++b) {
    const std::size_t r0 = b * detail::kRowBlock;
    const std::size_t rows = std::min(detail::kRowBlock, X.rows - r0);
    T* block_out = out + r0 * k;
    sq_distances(view, X.data + r0 * X.cols, rows, block_out);
    for (std::size_t i = 0; i < rows * k; ++i) block_out[i] = std::sqrt(block_out[i]);
  }
}

template <class T>
LloydStats kmeans_lloyd_stats(MatrixView<T> X, const std::type_identity_t<T>* sample_weight,
                              MatrixView<double> centers, std::int32_t* labels, int n_threads,
                              bool check_finite) {
  check_centers(centers, X.cols);
  if (check_finite) check_finite_matrix(X, "X", n_threads);
  const auto packed = detail::pack_for<T>(centers);
  // Without labels the kernel writes none (a distributed step needs only the sums).
  return detail::lloyd_pass(X, sample_weight, packed, labels, true, n_threads).stats;
}

template <class T>
void kmeans_nearest(MatrixView<T> X, MatrixView<double> centers, std::int32_t* labels,
                    double* sq_distances, int n_threads, bool check_finite) {
  check_centers(centers, X.cols);
  if (check_finite) check_finite_matrix(X, "X", n_threads);
  const auto packed = detail::pack_for<T>(centers);
  const auto view = packed.view();
  const auto assign = kernels::kernels().assign<T>();
  const std::size_t n_blocks = (X.rows + detail::kRowBlock - 1) / detail::kRowBlock;
#pragma omp parallel num_threads(threads_for(n_threads, X.rows, detail::kRowBlock))
  {
    std::vector<double> lower(detail::kRowBlock);  // the kernel's bound output, unused here
#pragma omp for schedule(static)
    for (std::size_t b = 0; b < n_blocks; ++b) {
      const std::size_t r0 = b * detail::kRowBlock;
      kernels::AssignTask<T> task;
      task.X = X.data + r0 * X.cols;
      task.rows = std::min(detail::kRowBlock, X.rows - r0);
      task.labels = labels + r0;
      std::fill(task.labels, task.labels + task.rows, -1);  // read to count changes
      task.upper_sq = sq_distances + r0;
      task.lower_sq = lower.data();
      task.want_inertia = false;
      assign(view, task);
    }
  }
}

#define PITH_INSTANTIATE(T)                                                                       \
  template void kmeans_predict<T>(const KMeansModel&, MatrixView<T>, std::int32_t*, int);         \
  template double kmeans_inertia<T>(const KMeansModel&, MatrixView<T>, const T*, int);            \
  template void kmeans_transform<T>(const KMeansModel&, MatrixView<T>, T*, int);                  \
  template LloydStats kmeans_lloyd_stats<T>(MatrixView<T>, const T*, MatrixView<double>,          \
                                            std::int32_t*, int, bool);                            \
  template void kmeans_nearest<T>(MatrixView<T>, MatrixView<double>, std::int32_t*, double*, int, \
                                  bool);
PITH_INSTANTIATE(float)
PITH_INSTANTIATE(double)
#undef PITH_INSTANTIATE

}  // namespace pith
