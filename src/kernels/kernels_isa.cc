// Per-ISA K-Means kernels: assignment (arg-min, optional Lloyd sums) and full squared distances.
// This one file is compiled once per instruction set (PITH_ISA = generic, avx2, avx512, see
// src/CMakeLists.txt); dispatch.cc picks the table at run time. Everything here lives in the
// namespace of its ISA and uses no std templates (see CentersView in kernels.h for why).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "kernels/kernels.h"

#ifndef PITH_ISA
#error "PITH_ISA must name the instruction set this file is compiled for"
#endif

namespace pith::kernels {
namespace PITH_ISA {
namespace {

#if defined(__AVX512F__)
constexpr std::size_t kVecBytes = 64;
constexpr std::size_t kRowVecs = 4;  // 4 row vectors x 4 centers = 16 of 32 zmm accumulators
#elif defined(__AVX2__)
constexpr std::size_t kVecBytes = 32;
constexpr std::size_t kRowVecs = 2;  // 8 of 16 ymm registers as accumulators
#else
constexpr std::size_t kVecBytes = 16;
constexpr std::size_t kRowVecs = 2;
#endif
constexpr std::size_t kTile = kCentersPerTile;

template <class T>
struct Simd;
template <>
struct Simd<float> {
  typedef float V __attribute__((vector_size(kVecBytes)));
  typedef std::int32_t Lane;
  typedef Lane I __attribute__((vector_size(kVecBytes)));
};
template <>
struct Simd<double> {
  typedef double V __attribute__((vector_size(kVecBytes)));
  typedef std::int64_t Lane;
  typedef Lane I __attribute__((vector_size(kVecBytes)));
};

template <class T>
constexpr std::size_t kLanes = kVecBytes / sizeof(T);
template <class T>
constexpr std::size_t kGroup = kRowVecs* kLanes<T>;  // rows scored together

template <class V>
inline V load(const void* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}
// Broadcast. `s - 0` folds to a plain broadcast for floats (x - 0.0 == x even for -0.0, unlike
// x + 0.0); a lane-by-lane loop would compile to one masked broadcast per lane.
template <class V, class T>
inline V splat(T s) {
  return s - V{};
}

template <class T>
inline T naive_sq_distance(const T* x, const T* c, std::size_t d) {
  T s = 0;
  for (std::size_t j = 0; j < d; ++j) {
    const T diff = x[j] - c[j];
    s += diff * diff;
  }
  return s;
}

// The same distance with four partial sums (no long dependency chain), accumulated in Acc: T for
// the inertia, float64 for bounds, which need it accurate to a few float64 ulps whatever T is.
// Labels always come from the naive order.
template <class Acc, class T>
inline Acc split_sq_distance(const T* x, const T* c, std::size_t d) {
  Acc s[4] = {0, 0, 0, 0};
  std::size_t j = 0;
  for (; j + 4 <= d; j += 4) {
    for (std::size_t q = 0; q < 4; ++q) {
      const Acc diff = Acc(x[j + q]) - Acc(c[j + q]);
      s[q] += diff * diff;
    }
  }
  for (; j < d; ++j) {
    const Acc diff = Acc(x[j]) - Acc(c[j]);
    s[0] += diff * diff;
  }
  return (s[0] + s[1]) + (s[2] + s[3]);
}

template <class T>
inline T unit_roundoff() {
  return sizeof(T) == 4 ? T(0x1p-24) : T(0x1p-53);
}

// Scratch for one group of rows: the rows transposed (feature-major) and per-row results; with
// `rounded`, also room for the group's rows rounded to T before the transpose (kDotF32).
template <class T>
struct GroupScratch {
  T* xt = nullptr;          // d x kGroup
  double* xnorm = nullptr;  // kGroup: ||x'||^2 (kDot)
  T* xnorm_t = nullptr;     // the same in T, for the vectorised near-tie test
  T* rows = nullptr;        // kGroup x d, row-major, or null
  explicit GroupScratch(std::size_t d, bool rounded = false) {
    xt = static_cast<T*>(::operator new(d* kGroup<T> * sizeof(T), std::align_val_t(64)));
    xnorm = static_cast<double*>(::operator new(kGroup<T> * sizeof(double), std::align_val_t(64)));
    xnorm_t = static_cast<T*>(::operator new(kGroup<T> * sizeof(T), std::align_val_t(64)));
    if (rounded) {
      rows = static_cast<T*>(::operator new(d* kGroup<T> * sizeof(T), std::align_val_t(64)));
    }
  }
  ~GroupScratch() {
    ::operator delete(xt, std::align_val_t(64));
    ::operator delete(xnorm, std::align_val_t(64));
    ::operator delete(xnorm_t, std::align_val_t(64));
    if (rows) ::operator delete(rows, std::align_val_t(64));
  }
  GroupScratch(const GroupScratch&) = delete;
  GroupScratch& operator=(const GroupScratch&) = delete;
};

// In-register transpose of a W x W block (block[i] = row i in, feature i out): log2(W) rounds,
// round `Step` exchanging that bit of the row index with the same bit of the lane index. Steps
// are template arguments so that every loop unrolls and the block stays in registers.
template <class T, std::size_t Step = 1>
inline void transpose_block(typename Simd<T>::V (&block)[kLanes<T>]) {
  using V = typename Simd<T>::V;
  using I = typename Simd<T>::I;
  using Lane = typename Simd<T>::Lane;
  constexpr std::size_t W = kLanes<T>;
  I take_lo, take_hi;
#pragma GCC unroll 16
  for (std::size_t l = 0; l < W; ++l) {
    take_lo[l] = static_cast<Lane>((l & Step) ? W + l - Step : l);
    take_hi[l] = static_cast<Lane>((l & Step) ? W + l : l + Step);
  }
#pragma GCC unroll 16
  for (std::size_t i = 0; i < W; ++i) {
    if (i & Step) continue;
    const V a = block[i], b = block[i + Step];
    block[i] = __builtin_shuffle(a, b, take_lo);
    block[i + Step] = __builtin_shuffle(a, b, take_hi);
  }
  if constexpr (Step * 2 < W) transpose_block<T, Step * 2>(block);
}

// Transposes rows [0, gr) of X into xt (feature-major); pads the group with zero rows. In kDot
// mode the data mean is subtracted and ||x'||^2 recorded.
template <class T>
void pack_group(const CentersView<T>& c, const T* X, std::size_t gr, GroupScratch<T>& s) {
  constexpr std::size_t G = kGroup<T>;
  const std::size_t d = c.d;
  const bool dot = c.mode == ScoreMode::kDot;
  constexpr std::size_t W = kLanes<T>;
  // Full groups with rows of at least W features: W x W blocks transposed in registers.
  // Short rows: feature-major order, each output row of xt written contiguously (measured
  // faster for d <= 4). Otherwise row-major order, each input row read contiguously.
  if (gr == G && d >= W) {
    using V = typename Simd<T>::V;
    const std::size_t d_blocks = d / W * W;
    for (std::size_t r0 = 0; r0 < G; r0 += W) {
      for (std::size_t j0 = 0; j0 < d_blocks; j0 += W) {
        V block[W];
#pragma GCC unroll 16
        for (std::size_t i = 0; i < W; ++i) block[i] = load<V>(X + (r0 + i) * d + j0);
        transpose_block<T>(block);
#pragma GCC unroll 16
        for (std::size_t i = 0; i < W; ++i) {
          V v = block[i];
          if (dot) v -= c.shift[j0 + i];
          std::memcpy(s.xt + (j0 + i) * G + r0, &v, sizeof(V));
        }
      }
      for (std::size_t j = d_blocks; j < d; ++j) {
        const T shift = dot ? c.shift[j] : T(0);
        for (std::size_t i = 0; i < W; ++i) s.xt[j * G + r0 + i] = X[(r0 + i) * d + j] - shift;
      }
    }
  } else if (d > 4) {
    for (std::size_t r = 0; r < G; ++r) {
      const T* x = X + r * d;
      for (std::size_t j = 0; j < d; ++j) {
        s.xt[j * G + r] = r < gr ? x[j] - (dot ? c.shift[j] : T(0)) : T(0);
      }
    }
  } else if (gr == G) {
    for (std::size_t j = 0; j < d; ++j) {
      const T shift = dot ? c.shift[j] : T(0);
      T* out = s.xt + j * G;
      for (std::size_t r = 0; r < G; ++r) out[r] = X[r * d + j] - shift;
    }
  } else {
    for (std::size_t j = 0; j < d; ++j) {
      const T shift = dot ? c.shift[j] : T(0);
      T* out = s.xt + j * G;
      for (std::size_t r = 0; r < G; ++r) out[r] = r < gr ? X[r * d + j] - shift : T(0);
    }
  }
  if (dot) {
    // ||x'||^2 across the rows of the group, vectorised (a per-row scalar sum is a latency chain
    // of d dependent additions). Only feeds the rounding bound, so T precision is enough.
    using V = typename Simd<T>::V;
    V norm[kRowVecs] = {};
    for (std::size_t j = 0; j < d; ++j) {
      for (std::size_t q = 0; q < kRowVecs; ++q) {
        const V v = load<V>(s.xt + j * G + q * W);
        norm[q] += v * v;
      }
    }
    for (std::size_t q = 0; q < kRowVecs; ++q) {
      std::memcpy(s.xnorm_t + q * W, &norm[q], sizeof(V));
      for (std::size_t l = 0; l < W; ++l) s.xnorm[q * W + l] = double(norm[q][l]);
    }
  }
}

// Scores one tile of 4 centers against the packed group: acc[r][cb] per row vector r.
template <class T, bool kDotMode>
inline void score_tile(const T* xt, const T* tile, std::size_t d,
                       typename Simd<T>::V (&acc)[kRowVecs][kTile]) {
  using V = typename Simd<T>::V;
  constexpr std::size_t W = kLanes<T>;
  constexpr std::size_t G = kGroup<T>;
  for (std::size_t r = 0; r < kRowVecs; ++r)
    for (std::size_t cb = 0; cb < kTile; ++cb) acc[r][cb] = V{};
  for (std::size_t j = 0; j < d; ++j) {
    V x[kRowVecs];
    for (std::size_t r = 0; r < kRowVecs; ++r) x[r] = load<V>(xt + j * G + r * W);
    for (std::size_t cb = 0; cb < kTile; ++cb) {
      const V cv = splat<V>(tile[j * kTile + cb]);
      for (std::size_t r = 0; r < kRowVecs; ++r) {
        if constexpr (kDotMode) {
          acc[r][cb] += x[r] * cv;
        } else {
          const V diff = x[r] - cv;
          acc[r][cb] += diff * diff;
        }
      }
    }
  }
}

// Arg-min over all centers for one packed group: best score, second-best score (kDot) and index.
// In kDot mode also flags the rows whose best and second scores are closer than the rounding
// bound tie_factor * (||x'||^2 + max||c'||^2), which covers (||x'|| + max||c'||)^2 / 2.
template <class T, bool kDotMode>
void argmin_group(const CentersView<T>& c, const T* xt, const T* xnorm, T tie_factor, T* best_out,
                  T* second_out, std::int32_t* idx_out, std::uint8_t* tie_out) {
  using V = typename Simd<T>::V;
  using I = typename Simd<T>::I;
  constexpr std::size_t W = kLanes<T>;
  const V inf = splat<V>(T(__builtin_inf()));
  V best[kRowVecs], second[kRowVecs];
  I idx[kRowVecs];
  for (std::size_t r = 0; r < kRowVecs; ++r) {
    best[r] = inf;
    second[r] = inf;
    idx[r] = I{};
  }
  V acc[kRowVecs][kTile];
  for (std::size_t t = 0; t < c.k_pad / kTile; ++t) {
    score_tile<T, kDotMode>(xt, c.tiles + t * c.d * kTile, c.d, acc);
    for (std::size_t cb = 0; cb < kTile; ++cb) {
      const std::size_t center = t * kTile + cb;
      const I center_v = splat<I>(static_cast<typename Simd<T>::Lane>(center));
      for (std::size_t r = 0; r < kRowVecs; ++r) {
        V score;
        if constexpr (kDotMode) {
          score = splat<V>(c.half_norms[center]) - acc[r][cb];
          const V hi = best[r] > score ? best[r] : score;
          second[r] = second[r] < hi ? second[r] : hi;
        } else {
          score = acc[r][cb];
        }
        const auto better = score < best[r];
        best[r] = better ? score : best[r];
        idx[r] = better ? center_v : idx[r];
      }
    }
  }
  const T max_norm_sq = T(c.max_norm * c.max_norm);
  for (std::size_t r = 0; r < kRowVecs; ++r) {
    typename Simd<T>::I tie{};
    if constexpr (kDotMode) {
      const V limit = tie_factor * (load<V>(xnorm + r * W) + max_norm_sq);
      tie = (second[r] - best[r]) <= limit;
    }
    for (std::size_t l = 0; l < W; ++l) {
      best_out[r * W + l] = best[r][l];
      second_out[r * W + l] = second[r][l];
      idx_out[r * W + l] = static_cast<std::int32_t>(idx[r][l]);
      tie_out[r * W + l] = tie[l] != 0;
    }
  }
}

// One row's contribution to the Lloyd sums.
template <class T>
inline void accumulate_row(const T* x, std::size_t d, std::int32_t label, T w, double* sums,
                           double* cluster_weights) {
  double* sum = sums + std::size_t(label) * d;
  const double wd = double(w);
  for (std::size_t j = 0; j < d; ++j) sum[j] += wd * double(x[j]);
  cluster_weights[label] += wd;
}

// Exact arg-min in the naive order over the unshifted centers (ties: lowest index).
template <class T>
std::int32_t naive_argmin(const CentersView<T>& c, const T* x, T* dist) {
  std::int32_t best_i = 0;
  T best = naive_sq_distance(x, c.rows, c.d);
  for (std::size_t i = 1; i < c.k; ++i) {
    const T s = naive_sq_distance(x, c.rows + i * c.d, c.d);
    if (s < best) {
      best = s;
      best_i = static_cast<std::int32_t>(i);
    }
  }
  *dist = best;
  return best_i;
}

template <class A, class B>
struct SameType {
  static constexpr bool value = false;
};
template <class A>
struct SameType<A, A> {
  static constexpr bool value = true;
};

// The float32 view kDotF32 scores with (see kernels.h).
inline CentersView<float> float32_view(const CentersView<double>& c) {
  return {c.k,       c.d,     c.k_pad,      ScoreMode::kDot, c.tiles32, c.half_norms32, nullptr,
          c.zeros32, nullptr, c.max_norm32, ScoreMode::kDot, nullptr,   nullptr,        nullptr,
          nullptr,   0.0};
}

// Assignment of rows of T scored in S: S = T, or S = float for float64 rows (kDotF32), whose
// rows are shifted in float64 and rounded to float32 before the transpose. `c` holds the centers
// in T (exact re-scoring, inertia, bounds), `cs` the tiles scored.
template <class T, class S, bool kDotMode>
void assign_impl(const CentersView<T>& c, const CentersView<S>& cs, AssignTask<T>& task) {
  constexpr bool kMixed = !SameType<T, S>::value;
  constexpr std::size_t G = kGroup<S>;
  const std::size_t d = c.d;
  GroupScratch<S> s(d, kMixed);
  alignas(64) S best[G];
  alignas(64) S second[G];
  alignas(64) std::int32_t idx[G];
  alignas(64) std::uint8_t tie[G];
  // Rounding bound of the kDot score difference, per (||x'|| + max||c'||)^2 (see kernels.h),
  // taken as 2 (||x'||^2 + max||c'||^2) >= (||x'|| + max||c'||)^2 to avoid a square root;
  // ||x'||^2 itself is computed in S, hence the 1% margin. In S's precision: for kDotF32 the
  // rounding of the shifted coordinates to float32 is the "+4"'s rounding of shifted
  // coordinates (the float64 shift before it adds 2^-29 of that, inside the margin).
  const double bound_factor = 1.01 * 2.0 * double(d + 4) * double(unit_roundoff<S>());
  const S tie_factor = S(2.0 * bound_factor);
  const double max_norm_sq = cs.max_norm * cs.max_norm;
  // The same for one squared distance ||x'||^2 + 2 score, as used for lower bounds: the score's
  // error, the row norm's (computed in T) and the rounding of the shifted coordinates.
  const double single_factor = 2.0 * 2.0 * bound_factor;
  double inertia = 0;
  std::size_t n_changed = 0, n_rescored = 0;
  for (std::size_t g0 = 0; g0 < task.rows; g0 += G) {
    const std::size_t gr = task.rows - g0 < G ? task.rows - g0 : G;
    const T* X = task.X + g0 * d;
    if constexpr (kMixed) {
      for (std::size_t r = 0; r < gr; ++r) {
        for (std::size_t j = 0; j < d; ++j) {
          s.rows[r * d + j] = static_cast<S>(X[r * d + j] - c.f32_shift[j]);
        }
      }
      pack_group(cs, s.rows, gr, s);
    } else {
      pack_group(cs, X, gr, s);
    }
    argmin_group<S, kDotMode>(cs, s.xt, s.xnorm_t, tie_factor, best, second, idx, tie);
    for (std::size_t r = 0; r < gr; ++r) {
      const T* x = X + r * d;
      std::int32_t label = idx[r];
      T dist = 0;
      const std::size_t i = g0 + r;
      if constexpr (kDotMode) {
        const bool near_tie = tie[r] != 0;
        if (near_tie) {
          label = naive_argmin(c, x, &dist);
          ++n_rescored;
        } else if (task.want_inertia) {
          dist = split_sq_distance<T>(x, c.rows + std::size_t(label) * d, d);
        }
        if (task.upper_sq) {
          task.upper_sq[i] = split_sq_distance<double>(x, c.rows + std::size_t(label) * d, d);
          // Every other center scored >= second (or, after a re-score, >= best) in the dot form.
          const double base = double(near_tie ? best[r] : second[r]);
          const double lower = s.xnorm[r] + 2.0 * base - single_factor * (s.xnorm[r] + max_norm_sq);
          task.lower_sq[i] = lower > 0 ? lower : 0.0;
        }
      } else {
        dist = best[r];
        if (task.upper_sq) {
          task.upper_sq[i] = split_sq_distance<double>(x, c.rows + std::size_t(label) * d, d);
          task.lower_sq[i] = 0.0;  // the direct form tracks no runner-up: no pruning, still exact
        }
      }
      const T w = task.weights ? task.weights[i] : T(1);
      if (task.want_inertia) inertia += double(w) * double(dist);
      if (task.labels) {
        if (task.labels[i] != label) ++n_changed;
        task.labels[i] = label;
      }
      if (task.sums) accumulate_row(x, d, label, w, task.sums, task.cluster_weights);
    }
  }
  task.inertia = inertia;
  task.n_changed = n_changed;
  task.n_rescored = n_rescored;
}

template <class T>
void accumulate(const T* X, std::size_t rows, std::size_t d, const std::int32_t* labels,
                const T* weights, double* sums, double* cluster_weights) {
  for (std::size_t i = 0; i < rows; ++i) {
    accumulate_row(X + i * d, d, labels[i], weights ? weights[i] : T(1), sums, cluster_weights);
  }
}

template <class T>
void assign(const CentersView<T>& c, AssignTask<T>& task) {
  if constexpr (SameType<T, double>::value) {
    if (c.mode == ScoreMode::kDotF32) {
      assign_impl<double, float, true>(c, float32_view(c), task);
      return;
    }
  }
  if (c.mode == ScoreMode::kDirect) {
    assign_impl<T, T, false>(c, c, task);
  } else {
    assign_impl<T, T, true>(c, c, task);
  }
}

template <class T, bool kDotMode>
void sq_distances_impl(const CentersView<T>& c, const T* X, std::size_t rows, T* out) {
  using V = typename Simd<T>::V;
  constexpr std::size_t W = kLanes<T>;
  constexpr std::size_t G = kGroup<T>;
  const std::size_t d = c.d, k = c.k;
  GroupScratch<T> s(d);
  V acc[kRowVecs][kTile];
  for (std::size_t g0 = 0; g0 < rows; g0 += G) {
    const std::size_t gr = rows - g0 < G ? rows - g0 : G;
    pack_group(c, X + g0 * d, gr, s);
    for (std::size_t t = 0; t < c.k_pad / kTile; ++t) {
      score_tile<T, kDotMode>(s.xt, c.tiles + t * d * kTile, d, acc);
      for (std::size_t cb = 0; cb < kTile; ++cb) {
        const std::size_t center = t * kTile + cb;
        if (center >= k) break;
        for (std::size_t r = 0; r < kRowVecs; ++r) {
          for (std::size_t l = 0; l < W; ++l) {
            const std::size_t row = r * W + l;
            if (row >= gr) break;
            T v;
            if constexpr (kDotMode) {
              v = T(s.xnorm[row]) + c.norms_sq[center] - T(2) * acc[r][cb][l];
              v = v < T(0) ? T(0) : v;  // rounding can push a tiny distance below zero
            } else {
              v = acc[r][cb][l];
            }
            out[(g0 + row) * k + center] = v;
          }
        }
      }
    }
  }
}

template <class T>
void sq_distances(const CentersView<T>& view, const T* X, std::size_t rows, T* out) {
  CentersView<T> c = view;
  if (c.mode == ScoreMode::kDotF32) c.mode = c.distance_mode;  // float64 distances
  if (c.mode == ScoreMode::kDot) {
    sq_distances_impl<T, true>(c, X, rows, out);
  } else {
    sq_distances_impl<T, false>(c, X, rows, out);
  }
}

}  // namespace

extern const KernelTable kTable;
const KernelTable kTable = {
#define PITH_STR2(x) #x
#define PITH_STR(x) PITH_STR2(x)
    PITH_STR(PITH_ISA),    &assign<float>,     &assign<double>,     &sq_distances<float>,
    &sq_distances<double>, &accumulate<float>, &accumulate<double>,
};

}  // namespace PITH_ISA
}  // namespace pith::kernels
