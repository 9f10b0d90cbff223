// Tree-ensemble prediction: raw scores by a lock-step walk of row blocks through each tree (or
// an exact per-row walk), then the output transform.
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "pith/error.h"
#include "pith/threading.h"
#include "pith/trees.h"
#include "trees/predictor.h"

namespace pith {
namespace {

#define PITH_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
// The walk is all gathers. AVX-512 gathers of 16 lanes are slower per element than AVX2's 8 on
// the AMD EPYC machines pith is measured on (1.76 vs 1.01 ns per row and level, 500 trees of
// depth 6, one thread), so the walk has no x86-64-v4 clone.
#define PITH_WALK_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

// Rows walked through a tree together: their features (128 x d values) and the tree's nodes
// stay in L1/L2 while all trees are applied to them.
constexpr std::size_t kBlockRows = 128;
// Batches below this walk row by row (no gathers to fill).
constexpr std::size_t kMinLockstepRows = 16;
// LightGBM's zero threshold: the float 1e-35f, compared in double.
constexpr double kZeroThreshold = static_cast<double>(1e-35f);

// Lock-step walk of `lanes` walkers `depth` levels down from the nodes in idx; walker r reads
// its features at xb + r * d (d = 0: all walk the same row, one per tree). Leaves point to
// themselves, so every walker ends at its leaf, which is left in idx.
template <class TT>
PITH_WALK_CLONES void descend(const TT* threshold, const std::uint32_t* meta,
                              const std::int32_t* left, const TT* xb, std::int32_t d,
                              std::int32_t rows, std::int32_t depth, std::int32_t* idx) {
  for (std::int32_t level = 0; level < depth; ++level) {
#pragma omp simd
    for (std::int32_t r = 0; r < rows; ++r) {
      const std::int32_t n = idx[r];
      const std::uint32_t m = meta[n];
      const TT x = xb[r * d + static_cast<std::int32_t>(m & 0x7fffffffu)];
      // Branch-free (so it vectorises): right iff !(x <= t), except NaN (where x <= t is also
      // false) goes right iff its default does.
      const auto left_of_threshold = static_cast<std::int32_t>(x <= threshold[n]);
      const auto missing = static_cast<std::int32_t>(x != x);
      const auto default_right = static_cast<std::int32_t>(m >> 31);
      idx[r] = left[n] + (1 - left_of_threshold) - missing * (1 - default_right);
    }
  }
}

template <class S>
PITH_CLONES void add_leaves(const S* leaf, const std::int32_t* idx, std::int32_t rows,
                            std::size_t width, std::size_t stride, S* acc) {
  if (width == 1) {
#pragma omp simd
    for (std::int32_t r = 0; r < rows; ++r)
      acc[static_cast<std::size_t>(r) * stride] += leaf[idx[r]];
    return;
  }
  for (std::int32_t r = 0; r < rows; ++r) {
    const S* values = leaf + static_cast<std::size_t>(idx[r]) * width;
    S* out = acc + static_cast<std::size_t>(r) * stride;
    for (std::size_t j = 0; j < width; ++j) out[j] += values[j];
  }
}

bool in_category_set(const TreePredictor& p, std::size_t n, double x) {
  const bool truncate = (p.flags[n] & node_flag::kTruncateNegative) != 0;
  if (truncate ? !(x > -1.0) : !(x >= 0.0)) return false;  // negative (NaN handled before)
  if (!(x < 4294967296.0)) return false;
  if ((p.flags[n] & node_flag::kWholeCategories) != 0 && x != std::trunc(x)) return false;
  const auto category = static_cast<std::uint32_t>(x);  // truncates toward zero
  const auto* begin = p.categories.data() + p.category_begin[n];
  const auto* end = p.categories.data() + p.category_end[n];
  return std::binary_search(begin, end, category);
}

// The leaf a row reaches, following the source's rules exactly: the feature value in the
// ensemble's precision, missing values, zero-is-missing, categorical sets, `<` or `<=`.
template <class T>
std::int32_t exact_leaf(const TreePredictor& p, const TreeEnsembleModel& m, std::size_t tree,
                        const T* row) {
  const bool f32 = m.feature_precision == FeaturePrecision::kFloat32;
  const bool less = m.comparison == SplitComparison::kLess;
  auto n = static_cast<std::size_t>(p.root[tree]);
  while (p.left[n] != static_cast<std::int32_t>(n)) {
    const std::uint32_t meta = p.meta[n];
    const T raw = row[meta & 0x7fffffffu];
    const double x = f32 ? static_cast<double>(static_cast<float>(raw)) : static_cast<double>(raw);
    const std::uint8_t flags = p.flags[n];
    bool go_left;
    if (std::isnan(x) ||
        ((flags & node_flag::kZeroIsMissing) != 0 && std::abs(x) <= kZeroThreshold)) {
      go_left = (meta >> 31) == 0;
    } else if ((flags & node_flag::kCategorical) != 0) {
      go_left = in_category_set(p, n, x) == ((flags & node_flag::kCategoriesGoLeft) != 0);
    } else {
      go_left = less ? x < p.threshold[n] : x <= p.threshold[n];
    }
    n = static_cast<std::size_t>(p.left[n]) + (go_left ? 0 : 1);
  }
  return static_cast<std::int32_t>(n);
}

// Adds leaf `leaf_index`'s values to one row's scores (the tree's outputs).
template <class S>
inline void add_leaf(const S* leaf, std::int32_t leaf_index, std::size_t width, S* out) {
  const S* values = leaf + static_cast<std::size_t>(leaf_index) * width;
  for (std::size_t j = 0; j < width; ++j) out[j] += values[j];
}

// Raw scores of one row (acc: n_outputs values, holding the base scores), walking groups of
// trees in lock-step (one lane per tree) for small batches, where rows are too few to fill lanes.
template <class TT, class T, class S>
void row_scores_by_trees(const TreeEnsembleModel& m, const TreePredictor& p, const T* row,
                         const TT* x, const S* leaf, S* acc, std::int32_t* idx) {
  const std::size_t w = m.leaf_width;
  const TT* threshold;
  if constexpr (std::is_same_v<TT, float>) {
    threshold = p.threshold32.threshold.data();
  } else {
    threshold = p.threshold64.threshold.data();
  }
  for (const TreePredictor::TreeGroup& g : p.groups) {
    if (g.exact_only) {
      for (std::uint32_t t = g.begin; t < g.end; ++t) {
        add_leaf(leaf, exact_leaf(p, m, t, row), w, acc + p.output[t]);
      }
      continue;
    }
    const auto lanes = static_cast<std::int32_t>(g.end - g.begin);
    for (std::int32_t k = 0; k < lanes; ++k)
      idx[k] = p.root[g.begin + static_cast<std::uint32_t>(k)];
    descend<TT>(threshold, p.meta.data(), p.left.data(), x, 0, lanes, g.depth, idx);
    for (std::int32_t k = 0; k < lanes; ++k) {
      add_leaf(leaf, idx[k], w, acc + p.output[g.begin + static_cast<std::uint32_t>(k)]);
    }
  }
}

// Raw scores of rows [begin, begin + rows) into acc (rows x n_outputs, in S), using the
// per-thread buffers idx and xconv.
template <class T, class S>
void block_scores(const TreeEnsembleModel& m, const TreePredictor& p, MatrixView<T> X,
                  std::size_t begin, std::size_t rows, S* acc, std::int32_t* idx, float* xconv) {
  const std::size_t K = m.n_outputs, w = m.leaf_width, d = X.cols;
  const S* leaf;
  if constexpr (std::is_same_v<S, float>) {
    leaf = p.leaf32.data();
  } else {
    leaf = p.leaf64.data();
  }
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < K; ++j) acc[i * K + j] = static_cast<S>(m.base_score[j]);
  }
  const T* xb = X.row(begin);
  const auto ri = static_cast<std::int32_t>(rows);
  // The lock-step walk compares values of one type: float32 for float input or float32
  // precision (double input is then rounded once per block), else float64.
  const bool use_float =
      std::is_same_v<T, float> || m.feature_precision == FeaturePrecision::kFloat32;
  if (rows < kMinLockstepRows) {
    for (std::size_t i = 0; i < rows; ++i) {
      const T* row = X.row(begin + i);
      if (!use_float) {
        if constexpr (std::is_same_v<T, double>) {
          row_scores_by_trees<double>(m, p, row, row, leaf, acc + i * K, idx);
        }
      } else if constexpr (std::is_same_v<T, float>) {
        row_scores_by_trees<float>(m, p, row, row, leaf, acc + i * K, idx);
      } else {
        for (std::size_t j = 0; j < d; ++j) xconv[j] = static_cast<float>(row[j]);
        row_scores_by_trees<float>(m, p, row, xconv, leaf, acc + i * K, idx);
      }
    }
    return;
  }
  const bool lockstep = d * kBlockRows < 0x7fffffffu;
  const float* xf = nullptr;
  if (lockstep && use_float) {
    if constexpr (std::is_same_v<T, float>) {
      xf = xb;
    } else {
      for (std::size_t i = 0; i < rows * d; ++i) xconv[i] = static_cast<float>(xb[i]);
      xf = xconv;
    }
  }
  for (std::size_t t = 0; t < m.n_trees(); ++t) {
    S* out = acc + p.output[t];
    if (!lockstep || p.exact_only[t] != 0) {
      for (std::size_t i = 0; i < rows; ++i) idx[i] = exact_leaf(p, m, t, X.row(begin + i));
    } else if (use_float) {
      std::fill(idx, idx + rows, p.root[t]);
      descend<float>(p.threshold32.threshold.data(), p.meta.data(), p.left.data(), xf,
                     static_cast<std::int32_t>(d), ri, p.depth[t], idx);
    } else {
      if constexpr (std::is_same_v<T, double>) {
        std::fill(idx, idx + rows, p.root[t]);
        descend<double>(p.threshold64.threshold.data(), p.meta.data(), p.left.data(), xb,
                        static_cast<std::int32_t>(d), ri, p.depth[t], idx);
      }
    }
    add_leaves<S>(leaf, idx, ri, w, K, out);
  }
}

// Calls emit(first_row, rows, scores) for blocks of rows with their raw scores (S), on up to
// n_threads threads.
template <class T, class S, class Emit>
void for_each_score_block(const TreeEnsembleModel& m, MatrixView<T> X, int n_threads, Emit emit) {
  const TreePredictor& p = TreePredictor::of(m);
  const std::size_t n_blocks = (X.rows + kBlockRows - 1) / kBlockRows;
  const std::size_t K = m.n_outputs;
  if (n_blocks == 1) {  // small batches: no thread team, no allocation for a few rows
    constexpr std::size_t kStack = 256;
    std::array<S, kStack> acc_stack;
    std::array<std::int32_t, kBlockRows> idx;
    std::vector<S> acc_heap(X.rows * K > kStack ? X.rows * K : 0);
    S* acc = acc_heap.empty() ? acc_stack.data() : acc_heap.data();
    // Double rows rounded to float32: the block (or one row at a time for a few rows).
    const std::size_t n_conv =
        std::is_same_v<T, double> ? (X.rows >= kMinLockstepRows ? X.rows : 1) * X.cols : 0;
    std::array<float, kStack> conv_stack;
    std::vector<float> conv_heap(n_conv > kStack ? n_conv : 0);
    float* xconv = conv_heap.empty() ? conv_stack.data() : conv_heap.data();
    block_scores<T, S>(m, p, X, 0, X.rows, acc, idx.data(), xconv);
    emit(std::size_t{0}, X.rows, acc);
    return;
  }
  const int nt = threads_for(n_threads, n_blocks, 2);
#pragma omp parallel num_threads(nt)
  {
    std::vector<S> acc(kBlockRows * K);
    std::vector<std::int32_t> idx(kBlockRows);
    std::vector<float> xconv(std::is_same_v<T, double> ? kBlockRows * X.cols : 0);
#pragma omp for schedule(dynamic, 4)
    for (std::size_t b = 0; b < n_blocks; ++b) {
      const std::size_t begin = b * kBlockRows, rows = std::min(kBlockRows, X.rows - begin);
      block_scores<T, S>(m, p, X, begin, rows, acc.data(), idx.data(), xconv.data());
      emit(begin, rows, acc.data());
    }
  }
}

template <class T, class Emit>
void with_scores(const TreeEnsembleModel& m, MatrixView<T> X, int n_threads, Emit emit) {
  if (X.cols != m.n_features) {
    throw Error(ErrorCode::kInvalidArgument, "X has " + std::to_string(X.cols) +
                                                 " features, but the tree ensemble expects " +
                                                 std::to_string(m.n_features));
  }
  if (X.rows == 0) return;
  if (m.score_precision == ScorePrecision::kFloat32) {
    for_each_score_block<T, float>(m, X, n_threads, emit);
  } else {
    for_each_score_block<T, double>(m, X, n_threads, emit);
  }
}

// The transform of one row's raw scores (K values) into its predictions (width values).
template <class S>
void transform_row(const TreeEnsembleModel& m, const TreePredictor& p, const S* raw, double* out) {
  const std::size_t K = m.n_outputs;
  switch (m.transform) {
    case TreeTransform::kIdentity:
      for (std::size_t j = 0; j < K; ++j) out[j] = static_cast<double>(raw[j]);
      return;
    case TreeTransform::kAverage:
      for (std::size_t j = 0; j < K; ++j) {
        out[j] = static_cast<double>(raw[j]) / p.trees_per_output[j];
      }
      return;
    case TreeTransform::kExp:
      for (std::size_t j = 0; j < K; ++j) out[j] = std::exp(static_cast<double>(raw[j]));
      return;
    case TreeTransform::kSigmoid:
      if (m.is_classifier() && K == 1) {
        const double prob = 1.0 / (1.0 + std::exp(-m.sigmoid_alpha * static_cast<double>(raw[0])));
        out[0] = 1.0 - prob;
        out[1] = prob;
        return;
      }
      for (std::size_t j = 0; j < K; ++j) {
        out[j] = 1.0 / (1.0 + std::exp(-m.sigmoid_alpha * static_cast<double>(raw[j])));
      }
      return;
    case TreeTransform::kSoftmax: {
      double top = -std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < K; ++j) top = std::max(top, static_cast<double>(raw[j]));
      double sum = 0.0;
      for (std::size_t j = 0; j < K; ++j) {
        out[j] = std::exp(static_cast<double>(raw[j]) - top);
        sum += out[j];
      }
      for (std::size_t j = 0; j < K; ++j) out[j] /= sum;
      return;
    }
  }
}

}  // namespace

template <class T>
void tree_ensemble_raw_scores(const TreeEnsembleModel& m, MatrixView<T> X, T* out, int n_threads) {
  const std::size_t K = m.n_outputs;
  with_scores(m, X, n_threads, [&](std::size_t begin, std::size_t rows, const auto* scores) {
    for (std::size_t i = 0; i < rows * K; ++i) out[begin * K + i] = static_cast<T>(scores[i]);
  });
}

template <class T>
void tree_ensemble_predict_values(const TreeEnsembleModel& m, MatrixView<T> X, T* out,
                                  int n_threads) {
  const std::size_t K = m.n_outputs, width = tree_ensemble_prediction_width(m);
  const TreePredictor& p = TreePredictor::of(m);
  with_scores(m, X, n_threads, [&](std::size_t begin, std::size_t rows, const auto* scores) {
    constexpr std::size_t kMaxStack = 64;
    std::array<double, kMaxStack> row_stack;
    std::vector<double> row_heap(width > kMaxStack ? width : 0);
    double* row = row_heap.empty() ? row_stack.data() : row_heap.data();
    for (std::size_t i = 0; i < rows; ++i) {
      transform_row(m, p, scores + i * K, row);
      for (std::size_t j = 0; j < width; ++j) out[(begin + i) * width + j] = static_cast<T>(row[j]);
    }
  });
}

template <class T>
void tree_ensemble_predict_classes(const TreeEnsembleModel& m, MatrixView<T> X, std::int32_t* out,
                                   int n_threads) {
  if (!m.is_classifier()) {
    throw Error(ErrorCode::kInvalidArgument, "predict_classes: the tree ensemble is a regressor");
  }
  const std::size_t K = m.n_outputs, width = m.n_classes();
  const TreePredictor& p = TreePredictor::of(m);
  with_scores(m, X, n_threads, [&](std::size_t begin, std::size_t rows, const auto* scores) {
    constexpr std::size_t kMaxStack = 64;
    std::array<double, kMaxStack> row_stack;
    std::vector<double> row_heap(width > kMaxStack ? width : 0);
    double* row = row_heap.empty() ? row_stack.data() : row_heap.data();
    for (std::size_t i = 0; i < rows; ++i) {
      transform_row(m, p, scores + i * K, row);
      out[begin + i] = static_cast<std::int32_t>(std::max_element(row, row + width) - row);
    }
  });
}

template void tree_ensemble_raw_scores(const TreeEnsembleModel&, MatrixView<float>, float*, int);
template void tree_ensemble_raw_scores(const TreeEnsembleModel&, MatrixView<double>, double*, int);
template void tree_ensemble_predict_values(const TreeEnsembleModel&, MatrixView<float>, float*,
                                           int);
template void tree_ensemble_predict_values(const TreeEnsembleModel&, MatrixView<double>, double*,
                                           int);
template void tree_ensemble_predict_classes(const TreeEnsembleModel&, MatrixView<float>,
                                            std::int32_t*, int);
template void tree_ensemble_predict_classes(const TreeEnsembleModel&, MatrixView<double>,
                                            std::int32_t*, int);

}  // namespace pith
