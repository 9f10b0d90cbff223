// Internal SIMD kernels for distance-based estimators (K-Means): the packed center layout, the
// per-ISA kernel table and its run-time selection. Not part of the public API.
//
// Layout: kernels work on blocks of rows held "rows in lanes" (each SIMD lane is one row), so
// the arg-min over centers is a vertical compare per center and never a horizontal reduction.
// Centers are packed in tiles of kCentersPerTile, transposed (feature-major inside a tile) so that
// the values broadcast for one feature are contiguous.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pith/matrix.h"

namespace pith::kernels {

inline constexpr std::size_t kCentersPerTile = 4;

// Ways to score a center against a row:
//  kDirect: sum_j (x_j - c_j)^2 in feature order, the naive computation (exact order), for small d.
//  kDot:    0.5||c'||^2 - x'.c' on coordinates shifted by the centers' mean (against cancellation),
//           half the flops; rows whose best and second-best scores are closer than a rigorous
//           rounding bound are re-scored with kDirect, so labels equal the naive arg-min.
//  kDotF32: float64 data only: kDot with the shifted coordinates (shifted in float64) rounded to
//           float32 and scored in float32, twice the lanes per instruction. The rounding bound is
//           float32's, near-ties are re-scored in float64, so labels still equal the naive
//           float64 arg-min. Full distances (sq_distances) stay float64 kDot. For float data it
//           is kDot.
enum class ScoreMode { kDirect, kDot, kDotF32 };

// Raw-pointer view handed to the per-ISA kernels. The ISA translation units use no std
// templates and no shared inline functions, so the linker can never pick an AVX-512 copy of a
// function for the generic path (one-definition-rule merging of differently compiled copies).
template <class T>
struct CentersView {
  std::size_t k, d, k_pad;
  ScoreMode mode;
  const T* tiles;
  const T* half_norms;
  const T* norms_sq;
  const T* shift;
  const T* rows;
  double max_norm;
  // kDotF32 (T = double): the layout of `tiles` (kDirect or kDot, for full distances), the
  // shift of the float32 coordinates (float64), the shifted centers rounded to float32, their
  // half norms, d zeros and max ||c'|| of the float32 centers.
  ScoreMode distance_mode;
  const T* f32_shift;
  const float* tiles32;
  const float* half_norms32;
  const float* zeros32;
  double max_norm32;
};

template <class T>
struct PackedCenters {
  std::size_t k = 0;  // real centers
  std::size_t d = 0;
  std::size_t k_pad = 0;  // k rounded up to a multiple of kCentersPerTile
  ScoreMode mode = ScoreMode::kDirect;
  std::vector<T> tiles;       // (k_pad / 4) tiles of d x 4; padding scores +inf
  std::vector<T> half_norms;  // k_pad: 0.5 ||c'||^2 (kDot), +inf for padding
  std::vector<T> norms_sq;    // k_pad: ||c'||^2 (kDot), for full distances
  std::vector<T> shift;       // d: the centers' mean, subtracted in kDot mode
  std::vector<T> rows;        // k x d: the centers in T, unshifted (exact re-scoring, inertia)
  double max_norm = 0.0;      // max ||c'|| (kDot), for the rounding bound
  // kDotF32 only (see CentersView).
  ScoreMode distance_mode = ScoreMode::kDirect;
  std::vector<T> f32_shift;
  std::vector<float> tiles32, half_norms32, zeros32;
  double max_norm32 = 0.0;

  CentersView<T> view() const {
    return {k,
            d,
            k_pad,
            mode,
            tiles.data(),
            half_norms.data(),
            norms_sq.data(),
            shift.data(),
            rows.data(),
            max_norm,
            distance_mode,
            f32_shift.data(),
            tiles32.data(),
            half_norms32.data(),
            zeros32.data(),
            max_norm32};
  }
};

// Packs centers (k x d, float64) for kernels on T data; kDot mode shifts by the centers' mean.
template <class T>
PackedCenters<T> pack_centers(MatrixView<double> centers, ScoreMode mode);

// Which scoring a problem of this shape and data type should use (measured crossovers, see
// docs/benchmarks.md).
ScoreMode choose_score_mode(std::size_t n_features, std::size_t n_clusters, bool float64_data);

// One range of rows for assign(): labels out, and optionally the Lloyd sums (M-step) in.
template <class T>
struct AssignTask {
  const T* X = nullptr;  // rows x d
  std::size_t rows = 0;
  const T* weights = nullptr;         // rows, or null for unit weights
  std::int32_t* labels = nullptr;     // rows: read (to count changes) and written; or null
  double* sums = nullptr;             // k x d accumulators, or null (no M-step)
  double* cluster_weights = nullptr;  // k accumulators (with sums)
  // Optional per-row outputs for bound-based (Hamerly) iterations: the squared distance to the
  // chosen center (float64, from T values) and a proven lower bound on the squared distance to
  // every other center (kDot mode; 0 in kDirect mode). Null when not wanted.
  double* upper_sq = nullptr;
  double* lower_sq = nullptr;
  bool want_inertia = true;    // in: Lloyd iterations skip the exact per-row distance
  double inertia = 0.0;        // out: weighted sum of squared distances (if wanted)
  std::size_t n_changed = 0;   // out: labels that differ from their previous value
  std::size_t n_rescored = 0;  // out: rows re-scored exactly (kDot near-ties)
};

template <class T>
using AssignFn = void (*)(const CentersView<T>&, AssignTask<T>&);

// Squared distances of `rows` rows of X to every center, row-major rows x k into `out`.
template <class T>
using SqDistancesFn = void (*)(const CentersView<T>&, const T* X, std::size_t rows, T* out);

// Lloyd sums of `rows` rows with known labels: sums[label] += w * x, cluster_weights[label] += w.
// The assignment kernel accumulates with the same code, so both give bit-identical sums.
template <class T>
using AccumulateFn = void (*)(const T* X, std::size_t rows, std::size_t d,
                              const std::int32_t* labels, const T* weights, double* sums,
                              double* cluster_weights);

struct KernelTable {
  const char* isa;
  AssignFn<float> assign_f32;
  AssignFn<double> assign_f64;
  SqDistancesFn<float> sq_distances_f32;
  SqDistancesFn<double> sq_distances_f64;
  AccumulateFn<float> accumulate_f32;
  AccumulateFn<double> accumulate_f64;

  template <class T>
  AssignFn<T> assign() const {
    if constexpr (sizeof(T) == 4)
      return assign_f32;
    else
      return assign_f64;
  }
  template <class T>
  AccumulateFn<T> accumulate() const {
    if constexpr (sizeof(T) == 4)
      return accumulate_f32;
    else
      return accumulate_f64;
  }
  template <class T>
  SqDistancesFn<T> sq_distances() const {
    if constexpr (sizeof(T) == 4)
      return sq_distances_f32;
    else
      return sq_distances_f64;
  }
};

// The best kernels this CPU runs, chosen once. PITH_ISA=generic|avx2|avx512 in the environment
// forces a (supported) choice, which is how the tests cover every path on one machine.
const KernelTable& kernels();
// Every table this CPU can run (for tests comparing ISAs).
std::vector<const KernelTable*> supported_kernels();

}  // namespace pith::kernels
