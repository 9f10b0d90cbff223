// Internal building blocks of K-Means shared by fit, init and prediction: the random generator,
// one parallel Lloyd pass, and the initialisations. Not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/kernels.h"
#include "pith/kmeans.h"

namespace pith::detail {

// xoshiro256** seeded through splitmix64: fast, and the same sequence on every platform (unlike
// std distributions, whose output is implementation-defined).
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  double uniform();                  // [0, 1)
  std::size_t below(std::size_t n);  // [0, n)

 private:
  std::uint64_t s_[4];
};

// Fixed-size row blocks: partial sums are formed per block and combined in block order, so
// results do not depend on the number of threads.
inline constexpr std::size_t kRowBlock = 4096;

struct PassResult {
  LloydStats stats;  // sums/weights only when accumulating
  std::size_t n_changed = 0;
  std::size_t n_rescored = 0;
  std::size_t n_scanned = 0;  // rows scored against every center (the rest were proven by bounds)
};

// One assignment pass over X with the packed centers, on n_threads threads; labels (or null) are
// updated in place (their previous values count changes). With `accumulate`, also the Lloyd sums.
template <class T>
PassResult lloyd_pass(MatrixView<T> X, const T* sample_weight,
                      const kernels::PackedCenters<T>& centers, std::int32_t* labels,
                      bool accumulate, int n_threads, bool want_inertia = true);

// Lloyd's assignment step with Hamerly's bounds (src/kmeans_bounded.cc): step() gives the labels
// a full Lloyd step would give for `centers`, and the Lloyd sums, skipping rows whose bounds prove
// their label. Holds two floats of bounds per row between steps.
template <class T>
class BoundedAssigner {
 public:
  BoundedAssigner(MatrixView<T> X, const T* sample_weight, std::size_t n_clusters, int n_threads);
  PassResult step(MatrixView<double> centers, std::int32_t* labels);

 private:
  MatrixView<T> X_;
  const T* weights_;
  std::size_t k_;
  int n_threads_;
  double margin_ = 0;
  bool first_ = true;
  std::vector<float> upper_, lower_;
  std::vector<T> previous_;  // the centers (rounded to T) of the previous step
};

// Whether a fit of this shape uses bounds: worth it once a full step scores many centers.
bool use_bounds(KMeansAlgorithm algorithm, std::size_t n_features, std::size_t n_clusters);

// Greedy k-means++ (scikit-learn's variant: 2 + floor(log k) candidates per step, the one that
// lowers the potential most is kept). Writes n_clusters x cols centers.
template <class T>
void init_kmeans_plusplus(MatrixView<T> X, const T* sample_weight, std::size_t n_clusters, Rng& rng,
                          int n_threads, double* centers);

// n_clusters distinct rows, drawn with probability proportional to sample weight.
template <class T>
void init_random(MatrixView<T> X, const T* sample_weight, std::size_t n_clusters, Rng& rng,
                 double* centers);

template <class T>
kernels::PackedCenters<T> pack_for(MatrixView<double> centers) {
  return kernels::pack_centers<T>(
      centers, kernels::choose_score_mode(centers.cols, centers.rows, sizeof(T) == 8));
}

}  // namespace pith::detail
