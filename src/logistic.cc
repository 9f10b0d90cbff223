// Logistic regression: the loss and gradient of one chunk of rows (a pure function, shared by the
// local fit and a distributed driver) and the L-BFGS fit of scikit-learn's objective
//   f(w) = (1/S) sum_i s_i loss_i(w) + 1/(2 C S) ||coef||^2,   S = sum_i s_i,
// the half binomial loss for two classes and the half multinomial loss for more.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "blas.h"
#include "optim/lbfgs.h"
#include "pith/error.h"
#include "pith/kmeans.h"
#include "pith/linear.h"
#include "pith/threading.h"
#include "row_blocks.h"
#include "vmath.h"

namespace pith {
namespace {

// Rows per block: the block's scores and (for float32) its float64 copy stay in L2.
constexpr std::size_t kBlockRows = 512;

// Loops the compiler vectorises, built for AVX-512, AVX2 and baseline x86-64 and chosen when
// the library loads (GCC function multiversioning): no -march flag, any x86-64 runs it.
#define PITH_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

// Two classes: one fused pass per block. Scores, then the loss and the weighted residuals
// s_i (p_i - y_i) (one exp and one log1p per row), then the gradient X' r. Returns sum s_i loss_i.
PITH_CLONES double binary_block(const double* X, std::size_t rows, std::size_t d, const double* W,
                                const std::int32_t* y, const double* sw, double* r, double* G) {
  const double b = W[d];
  // Scores X w + b and, below, the gradient X' r: matrix-vector products (BLAS), which keep many
  // rows in flight; a row at a time, every row ended in a horizontal sum and every gradient
  // update waited for the previous row's store.
  cblas_dgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(rows), static_cast<int>(d), 1.0, X,
              static_cast<int>(d), W, 1, 0.0, r, 1);
  double loss = 0.0;
#pragma omp simd reduction(+ : loss)
  for (std::size_t i = 0; i < rows; ++i) {
    const double z = r[i] + b;
    const double s = sw != nullptr ? sw[i] : 1.0;
    const double target = y[i] == 1 ? 1.0 : 0.0;
    // exp(-|z|) is in (0, 1]: no overflow on either side of 0.
    const double e = detail::exp_nonpositive(-std::abs(z));
    loss += s * ((z > 0 ? z : 0.0) + detail::log1p_unit(e) -
                 target * z);  // no std::max: it takes addresses and stops vectorisation
    const double p = (z >= 0 ? 1.0 : e) / (1.0 + e);
    r[i] = s * (p - target);
  }
  cblas_dgemv(CblasRowMajor, CblasTrans, static_cast<int>(rows), static_cast<int>(d), 1.0, X,
              static_cast<int>(d), r, 1, 1.0, G, 1);
  double intercept = 0.0;
  for (std::size_t i = 0; i < rows; ++i) intercept += r[i];
  G[d] += intercept;
  return loss;
}

PITH_CLONES void exp_in_place(double* v, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) v[i] = detail::exp_nonpositive(v[i]);
}

// More classes: scores and gradient are small GEMMs (BLAS), softmax in between. Z is rows x K.
double multinomial_block(const double* X, std::size_t rows, std::size_t d, const double* W,
                         std::size_t K, const std::int32_t* y, const double* sw, double* Z,
                         double* G) {
  const std::size_t ldw = d + 1;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(K),
              static_cast<int>(d), 1.0, X, static_cast<int>(d), W, static_cast<int>(ldw), 0.0, Z,
              static_cast<int>(K));
  // Shift every row by its largest score, then exponentiate the whole block
  // in one flat loop: every argument is <= 0, and the loop runs in SIMD lanes.
  double loss = 0.0;
  for (std::size_t i = 0; i < rows; ++i) {
    double* z = Z + i * K;
    for (std::size_t k = 0; k < K; ++k) z[k] += W[k * ldw + d];
    const double top = *std::max_element(z, z + K);
    loss -= (sw != nullptr ? sw[i] : 1.0) * (z[y[i]] - top);
    for (std::size_t k = 0; k < K; ++k) z[k] -= top;
  }
  exp_in_place(Z, rows * K);
  for (std::size_t i = 0; i < rows; ++i) {
    double* z = Z + i * K;
    const double s = sw != nullptr ? sw[i] : 1.0;
    double sum = 0.0;
    for (std::size_t k = 0; k < K; ++k) sum += z[k];
    loss += s * std::log(sum);  // the loss is log(sum exp z) - z_y = log(sum) - (z_y - top)
    const double scale = s / sum;
    for (std::size_t k = 0; k < K; ++k) z[k] *= scale;
    z[y[i]] -= s;
  }
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(K), static_cast<int>(d),
              static_cast<int>(rows), 1.0, Z, static_cast<int>(K), X, static_cast<int>(d), 1.0, G,
              static_cast<int>(ldw));
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t k = 0; k < K; ++k) G[k * ldw + d] += Z[i * K + k];
  }
  return loss;
}

}  // namespace

void LogisticLossGradient::merge(const LogisticLossGradient& other) {
  loss += other.loss;
  if (gradient.empty()) gradient.assign(other.gradient.size(), 0.0);
  for (std::size_t i = 0; i < gradient.size(); ++i) gradient[i] += other.gradient[i];
}

template <class T>
void logistic_loss_gradient(MatrixView<T> X, const std::int32_t* y, const double* sample_weight,
                            std::size_t n_classes, const double* W, LogisticLossGradient& acc,
                            int n_threads) {
  detail::use_single_threaded_blas();
  const std::size_t d = X.cols;
  const std::size_t K = n_classes == 2 ? 1 : n_classes;
  const std::size_t size = K * (d + 1);
  if (acc.gradient.size() != size) acc.gradient.assign(size, 0.0);
  const std::size_t n_blocks = (X.rows + kBlockRows - 1) / kBlockRows;
  const int nt = threads_for(n_threads, X.rows * std::max<std::size_t>(d * K, 1), 1 << 16);
  std::vector<LogisticLossGradient> partial(static_cast<std::size_t>(nt));
#pragma omp parallel num_threads(nt)
  {
    LogisticLossGradient& mine = partial[static_cast<std::size_t>(omp_get_thread_num())];
    mine.gradient.assign(size, 0.0);
    std::vector<double> scores(kBlockRows * K);
    std::vector<double> converted = detail::row_block_buffer<T>(kBlockRows, d);
#pragma omp for schedule(static)
    for (std::size_t b = 0; b < n_blocks; ++b) {
      const std::size_t begin = b * kBlockRows;
      const std::size_t rows = std::min(kBlockRows, X.rows - begin);
      const double* block = detail::rows_as_double(X, begin, rows, converted);
      const double* weights = sample_weight != nullptr ? sample_weight + begin : nullptr;
      mine.loss += K == 1 ? binary_block(block, rows, d, W, y + begin, weights, scores.data(),
                                         mine.gradient.data())
                          : multinomial_block(block, rows, d, W, K, y + begin, weights,
                                              scores.data(), mine.gradient.data());
    }
  }
  for (const LogisticLossGradient& p : partial) acc.merge(p);  // fixed order: reproducible
}

template <class T>
LogisticRegressionFit fit_logistic_regression(const LogisticRegressionParams& params,
                                              MatrixView<T> X, const std::int32_t* y,
                                              std::size_t n_classes, const double* sample_weight) {
  if (X.rows == 0 || X.cols == 0) {
    throw_invalid_argument("X has shape (" + std::to_string(X.rows) + ", " +
                           std::to_string(X.cols) + "); expected at least 1 row and 1 column");
  }
  if (n_classes < 2) {
    throw_invalid_argument("logistic regression needs at least 2 classes, got " +
                           std::to_string(n_classes));
  }
  if (!(params.C > 0)) throw_invalid_argument("C must be > 0, got " + std::to_string(params.C));
  if (!(params.tol >= 0)) throw_invalid_argument("tol must be >= 0");
  if (params.max_iter < 0) throw_invalid_argument("max_iter must be >= 0");
  check_finite_matrix(X, "X", params.n_threads);
  double weight_sum = 0.0;
  for (std::size_t i = 0; i < X.rows; ++i) {
    if (y[i] < 0 || static_cast<std::size_t>(y[i]) >= n_classes) {
      throw_invalid_argument("y[" + std::to_string(i) + "] = " + std::to_string(y[i]) +
                             " is not a class index in [0, " + std::to_string(n_classes) + ")");
    }
    const double s = sample_weight != nullptr ? sample_weight[i] : 1.0;
    if (!std::isfinite(s) || s < 0) {
      throw_invalid_argument("sample_weight[" + std::to_string(i) +
                             "] must be finite and >= 0, got " + std::to_string(s));
    }
    weight_sum += s;
  }
  if (!(weight_sum > 0)) throw_invalid_argument("the sample weights sum to 0");

  const std::size_t d = X.cols;
  const std::size_t K = n_classes == 2 ? 1 : n_classes;
  const double l2 = 1.0 / (params.C * weight_sum);  // 0 for C = inf (no penalty)
  const detail::Objective objective = [&](std::span<const double> w, std::span<double> g) {
    LogisticLossGradient acc;
    logistic_loss_gradient(X, y, sample_weight, n_classes, w.data(), acc, params.n_threads);
    double f = acc.loss / weight_sum;
    for (std::size_t k = 0; k < K; ++k) {
      for (std::size_t j = 0; j <= d; ++j) {
        const std::size_t i = k * (d + 1) + j;
        g[i] = acc.gradient[i] / weight_sum;
        if (j == d) {
          if (!params.fit_intercept) g[i] = 0.0;  // the intercept stays at 0
          continue;
        }
        f += 0.5 * l2 * w[i] * w[i];
        g[i] += l2 * w[i];
      }
    }
    return f;
  };
  detail::LbfgsParams lbfgs;
  lbfgs.max_iter = params.max_iter;
  lbfgs.gtol = params.tol;
  std::vector<double> w(K * (d + 1), 0.0);
  const detail::LbfgsResult result =
      detail::minimize_lbfgs(objective, w, lbfgs, params.on_iteration);

  LogisticRegressionFit fit;
  fit.coef.resize(K * d);
  fit.intercept.resize(K);
  for (std::size_t k = 0; k < K; ++k) {
    std::copy_n(w.begin() + static_cast<std::ptrdiff_t>(k * (d + 1)), d,
                fit.coef.begin() + static_cast<std::ptrdiff_t>(k * d));
    fit.intercept[k] = w[k * (d + 1) + d];
  }
  fit.n_iter = result.n_iter;
  fit.converged = result.converged();
  fit.status = detail::lbfgs_status_message(result.status);
  fit.loss = result.f;
  return fit;
}

#define PITH_INSTANTIATE(T)                                                                     \
  template void logistic_loss_gradient(MatrixView<T>, const std::int32_t*, const double*,       \
                                       std::size_t, const double*, LogisticLossGradient&, int); \
  template LogisticRegressionFit fit_logistic_regression(const LogisticRegressionParams&,       \
                                                         MatrixView<T>, const std::int32_t*,    \
                                                         std::size_t, const double*);
PITH_INSTANTIATE(float)
PITH_INSTANTIATE(double)
#undef PITH_INSTANTIATE

}  // namespace pith
