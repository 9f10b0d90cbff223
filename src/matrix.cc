// Names of the element types, and the finiteness check every estimator runs on its input.
#include "pith/matrix.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "pith/error.h"
#include "pith/threading.h"

namespace pith {

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      return "float64";
  }
  return "unknown";
}

template <class T>
void check_finite_matrix(MatrixView<T> X, const char* what, int n_threads) {
  if (X.rows == 0) throw_invalid_argument(std::string(what) + " has 0 rows; expected at least 1");
  if (X.cols == 0)
    throw_invalid_argument(std::string(what) + " has 0 columns; expected at least 1");
  if (X.data == nullptr) throw_invalid_argument(std::string(what) + " is a null pointer");
  const std::size_t total = X.rows * X.cols;
  std::size_t first_bad = total;
#pragma omp parallel for reduction(min                           \
                                   : first_bad) schedule(static) \
    num_threads(threads_for(n_threads, total, 1 << 16))
  for (std::size_t i = 0; i < total; ++i) {
    if (!std::isfinite(X.data[i]) && i < first_bad) first_bad = i;
  }
  if (first_bad < total) {
    throw_invalid_argument(std::string(what) + " contains a non-finite value (" +
                           std::to_string(double(X.data[first_bad])) + ") at row " +
                           std::to_string(first_bad / X.cols) + ", column " +
                           std::to_string(first_bad % X.cols) +
                           "; expected finite values (impute or drop NaN/inf first)");
  }
}

template void check_finite_matrix<float>(MatrixView<float>, const char*, int);
template void check_finite_matrix<double>(MatrixView<double>, const char*, int);

namespace {

// Adds the moments of one set of rows (n_b, mean_b, m2_b) to a running set (Chan, Golub and
// LeVeque's pairwise update: exact, and stable where a one-pass sum of squares is not).
void merge_moments(std::size_t& n, double* mean, double* m2, std::size_t n_b, const double* mean_b,
                   const double* m2_b, std::size_t d) {
  if (n_b == 0) return;
  const std::size_t total = n + n_b;
  const double f = double(n_b) / double(total), g = double(n) * f;
  for (std::size_t j = 0; j < d; ++j) {
    const double delta = mean_b[j] - mean[j];
    mean[j] += delta * f;
    m2[j] += m2_b[j] + delta * delta * g;
  }
  n = total;
}

}  // namespace

template <class T>
ColumnMoments column_moments(MatrixView<T> X, int n_threads) {
  const std::size_t n = X.rows, d = X.cols;
  ColumnMoments out;
  out.rows = n;
  if (n == 0) return out;
  // Blocks small enough to stay in cache are read twice (their mean, then squared deviations
  // from it) and merged into per-thread running moments: one pass over memory, two-pass
  // accuracy. Threads take contiguous ranges of blocks; their moments merge in thread order, so
  // the result is deterministic for a given thread count.
  const std::size_t block = std::max<std::size_t>(16, (std::size_t(1) << 15) / d);
  const std::size_t n_blocks = (n + block - 1) / block;
  const int nt = threads_for(n_threads, n * d, 1 << 16);
  std::vector<double> means(std::size_t(nt) * d, 0.0), m2s(std::size_t(nt) * d, 0.0);
  std::vector<std::size_t> counts(std::size_t(nt), 0);
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int t = 0; t < nt; ++t) {
    double* mean = means.data() + std::size_t(t) * d;
    double* m2 = m2s.data() + std::size_t(t) * d;
    std::vector<double> block_mean(d), block_m2(d), block_dev(d);
    const std::size_t b0 = n_blocks * std::size_t(t) / std::size_t(nt);
    const std::size_t b1 = n_blocks * std::size_t(t + 1) / std::size_t(nt);
    for (std::size_t b = b0; b < b1; ++b) {
      const std::size_t r0 = b * block, r1 = std::min(n, r0 + block);
      std::fill(block_mean.begin(), block_mean.end(), 0.0);
      std::fill(block_m2.begin(), block_m2.end(), 0.0);
      for (std::size_t i = r0; i < r1; ++i) {
        const T* x = X.row(i);
        for (std::size_t j = 0; j < d; ++j) block_mean[j] += double(x[j]);
      }
      const double rows = double(r1 - r0);
      for (std::size_t j = 0; j < d; ++j) block_mean[j] /= rows;
      // The corrected two-pass algorithm: the deviations' own sum (zero but for the rounding of
      // the first pass) corrects both the mean and M2; an inexact block mean would otherwise
      // reach the merge, whose between-block term amplifies it.
      std::fill(block_dev.begin(), block_dev.end(), 0.0);
      for (std::size_t i = r0; i < r1; ++i) {
        const T* x = X.row(i);
        for (std::size_t j = 0; j < d; ++j) {
          const double v = double(x[j]) - block_mean[j];
          block_dev[j] += v;
          block_m2[j] += v * v;
        }
      }
      for (std::size_t j = 0; j < d; ++j) {
        block_mean[j] += block_dev[j] / rows;
        block_m2[j] -= block_dev[j] * block_dev[j] / rows;
      }
      merge_moments(counts[std::size_t(t)], mean, m2, r1 - r0, block_mean.data(), block_m2.data(),
                    d);
    }
  }
  out.mean.assign(d, 0.0);
  out.m2.assign(d, 0.0);
  std::size_t merged = 0;
  for (int t = 0; t < nt; ++t) {
    merge_moments(merged, out.mean.data(), out.m2.data(), counts[std::size_t(t)],
                  means.data() + std::size_t(t) * d, m2s.data() + std::size_t(t) * d, d);
  }
  return out;
}

template ColumnMoments column_moments<float>(MatrixView<float>, int);
template ColumnMoments column_moments<double>(MatrixView<double>, int);

}  // namespace pith
