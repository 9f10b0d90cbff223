// Prediction with linear models: regression values, logistic scores, probabilities and labels.
// Rows go in blocks: the block's scores are one small BLAS product (in float64 whatever the input
// dtype), then each output's epilogue runs over the block in SIMD lanes; results are rounded once
// to the output's dtype.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "blas.h"
#include "pith/error.h"
#include "pith/linear.h"
#include "pith/threading.h"
#include "row_blocks.h"
#include "vmath.h"

namespace pith {
namespace {

constexpr std::size_t kBlockRows = 256;
// Multiply-adds per thread below which one thread does it all.
constexpr std::size_t kMinWorkPerThread = 1 << 16;

#define PITH_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

void check_columns(std::size_t cols, std::size_t n_features, const char* what) {
  if (cols != n_features) {
    throw Error(ErrorCode::kInvalidArgument, std::string(what) + ": X has " + std::to_string(cols) +
                                                 " features, but the model expects " +
                                                 std::to_string(n_features));
  }
}

// Calls emit(first_row, rows, scores) for blocks of rows, scores (rows x K) = X coef' + intercept
// in float64, on up to n_threads threads.
template <class T, class Emit>
void for_each_score_block(MatrixView<T> X, const std::vector<double>& coef,
                          const std::vector<double>& intercept, int n_threads, Emit emit) {
  detail::use_single_threaded_blas();
  const std::size_t d = X.cols, K = intercept.size();
  const std::size_t n_blocks = (X.rows + kBlockRows - 1) / kBlockRows;
  const int nt =
      threads_for(n_threads, X.rows * std::max<std::size_t>(1, d * K), kMinWorkPerThread);
#pragma omp parallel num_threads(nt)
  {
    std::vector<double> scores(kBlockRows * K);
    std::vector<double> converted = detail::row_block_buffer<T>(kBlockRows, d);
#pragma omp for schedule(static)
    for (std::size_t b = 0; b < n_blocks; ++b) {
      const std::size_t begin = b * kBlockRows, rows = std::min(kBlockRows, X.rows - begin);
      const double* block = detail::rows_as_double(X, begin, rows, converted);
      for (std::size_t i = 0; i < rows; ++i) {
        std::copy(intercept.begin(), intercept.end(),
                  scores.begin() + static_cast<std::ptrdiff_t>(i * K));
      }
      const int ri = static_cast<int>(rows), di = static_cast<int>(d), ki = static_cast<int>(K);
      if (K == 1) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, ri, di, 1.0, block, di, coef.data(), 1, 1.0,
                    scores.data(), 1);
      } else {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ri, ki, di, 1.0, block, di,
                    coef.data(), di, 1.0, scores.data(), ki);
      }
      emit(begin, rows, scores.data());
    }
  }
}

template <class T>
PITH_CLONES void round_to(const double* from, std::size_t n, T* to) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) to[i] = static_cast<T>(from[i]);
}

// Two classes: P(class 1) = sigmoid(z), written as (1 - p, p), as scikit-learn's expit.
template <class T>
PITH_CLONES void binary_proba(const double* z, std::size_t rows, T* out) {
#pragma omp simd
  for (std::size_t i = 0; i < rows; ++i) {
    const double e = detail::exp_nonpositive(-std::abs(z[i]));
    const double p = (z[i] >= 0 ? 1.0 : e) / (1.0 + e);
    out[2 * i] = static_cast<T>(1.0 - p);
    out[2 * i + 1] = static_cast<T>(p);
  }
}

// Softmax of every row (max subtracted, as scipy's), in place.
PITH_CLONES void softmax_rows(double* z, std::size_t rows, std::size_t K) {
  for (std::size_t i = 0; i < rows; ++i) {
    double* row = z + i * K;
    const double top = *std::max_element(row, row + K);
    for (std::size_t k = 0; k < K; ++k) row[k] -= top;
  }
#pragma omp simd
  for (std::size_t i = 0; i < rows * K; ++i) z[i] = detail::exp_nonpositive(z[i]);
  for (std::size_t i = 0; i < rows; ++i) {
    double* row = z + i * K;
    double sum = 0.0;
    for (std::size_t k = 0; k < K; ++k) sum += row[k];
    for (std::size_t k = 0; k < K; ++k) row[k] /= sum;
  }
}

// The scores themselves, rounded to the output's dtype: regression values, decision functions.
template <class T>
void write_scores(MatrixView<T> X, const std::vector<double>& coef,
                  const std::vector<double>& intercept, T* out, int n_threads) {
  const std::size_t K = intercept.size();
  for_each_score_block(X, coef, intercept, n_threads,
                       [&](std::size_t begin, std::size_t rows, double* z) {
                         round_to(z, rows * K, out + begin * K);
                       });
}

}  // namespace

template <class T>
void linear_regression_predict(const LinearRegressionModel& model, MatrixView<T> X, T* out,
                               int n_threads) {
  check_columns(X.cols, model.n_features, "predict");
  write_scores(X, model.coef, model.intercept, out, n_threads);
}

template <class T>
void logistic_decision_function(const LogisticRegressionModel& model, MatrixView<T> X, T* out,
                                int n_threads) {
  check_columns(X.cols, model.n_features, "decision_function");
  write_scores(X, model.coef, model.intercept, out, n_threads);
}

template <class T>
void logistic_predict_proba(const LogisticRegressionModel& model, MatrixView<T> X, T* out,
                            int n_threads) {
  check_columns(X.cols, model.n_features, "predict_proba");
  const std::size_t n_classes = model.n_classes();
  for_each_score_block(X, model.coef, model.intercept, n_threads,
                       [&](std::size_t begin, std::size_t rows, double* z) {
                         T* o = out + begin * n_classes;
                         if (n_classes == 2) return binary_proba(z, rows, o);
                         softmax_rows(z, rows, n_classes);
                         round_to(z, rows * n_classes, o);
                       });
}

template <class T>
void logistic_predict(const LogisticRegressionModel& model, MatrixView<T> X, std::int32_t* out,
                      int n_threads) {
  check_columns(X.cols, model.n_features, "predict");
  const std::size_t K = model.n_rows();
  for_each_score_block(X, model.coef, model.intercept, n_threads,
                       [&](std::size_t begin, std::size_t rows, double* z) {
                         // scikit-learn: binary -> score > 0; multinomial -> the first largest.
                         for (std::size_t i = 0; i < rows; ++i) {
                           const double* s = z + i * K;
                           out[begin + i] =
                               K == 1 ? static_cast<std::int32_t>(s[0] > 0)
                                      : static_cast<std::int32_t>(std::max_element(s, s + K) - s);
                         }
                       });
}

#define PITH_INSTANTIATE(T)                                                                      \
  template void linear_regression_predict(const LinearRegressionModel&, MatrixView<T>, T*, int); \
  template void logistic_decision_function(const LogisticRegressionModel&, MatrixView<T>, T*,    \
                                           int);                                                 \
  template void logistic_predict_proba(const LogisticRegressionModel&, MatrixView<T>, T*, int);  \
  template void logistic_predict(const LogisticRegressionModel&, MatrixView<T>, std::int32_t*, int);
PITH_INSTANTIATE(float)
PITH_INSTANTIATE(double)
#undef PITH_INSTANTIATE

}  // namespace pith
