// Least squares with an optional L2 penalty (LinearRegression, Ridge), scikit-learn's way:
// centre X and y on their weighted means, solve for the coefficients, recover the intercept.
//
// The fast path forms the Gram matrix X'X in one pass, block by block (each block centred and
// weighted in cache, then a single-threaded BLAS syrk per thread), and solves by Cholesky. Without
// a penalty, a Gram matrix too ill-conditioned for that (or singular) falls back to a complete
// orthogonal decomposition of the centred X, which gives the minimum-norm solution exactly as
// scikit-learn's lstsq does, with the same rank cutoff.
#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "blas.h"
#include "pith/error.h"
#include "pith/kmeans.h"
#include "pith/linear.h"
#include "pith/threading.h"

namespace pith {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr std::size_t kBlockRows = 256;
// Largest condition number of the (Jacobi-scaled) Gram matrix the Cholesky path accepts without
// a penalty: its relative error is about eps * cond, 1e-6 here, far inside the 1e-4 promised.
constexpr double kMaxGramCondition = 1e10;

struct Moments {
  std::vector<double> x_mean, y_mean;
  double weight_sum = 0.0;
};

template <class T>
Moments weighted_means(MatrixView<T> X, MatrixView<double> y, const double* sw, bool centre,
                       int n_threads) {
  const std::size_t d = X.cols, t = y.cols;
  Moments m;
  m.x_mean.assign(d, 0.0);
  m.y_mean.assign(t, 0.0);
  for (std::size_t i = 0; i < X.rows; ++i) m.weight_sum += sw != nullptr ? sw[i] : 1.0;
  if (!centre) return m;
  const int nt = threads_for(n_threads, X.rows * d, 1 << 16);
  std::vector<std::vector<double>> partial(static_cast<std::size_t>(nt));
#pragma omp parallel num_threads(nt)
  {
    std::vector<double>& sums = partial[static_cast<std::size_t>(omp_get_thread_num())];
    sums.assign(d + t, 0.0);
#pragma omp for schedule(static)
    for (std::size_t i = 0; i < X.rows; ++i) {
      const double s = sw != nullptr ? sw[i] : 1.0;
      const T* x = X.row(i);
      for (std::size_t j = 0; j < d; ++j) sums[j] += s * static_cast<double>(x[j]);
      for (std::size_t k = 0; k < t; ++k) sums[d + k] += s * y.row(i)[k];
    }
  }
  for (const auto& sums : partial) {
    for (std::size_t j = 0; j < d; ++j) m.x_mean[j] += sums[j];
    for (std::size_t k = 0; k < t; ++k) m.y_mean[k] += sums[d + k];
  }
  for (double& v : m.x_mean) v /= m.weight_sum;
  for (double& v : m.y_mean) v /= m.weight_sum;
  return m;
}

// The centred, weighted rows i in [begin, begin + rows): sqrt(s_i) (x_i - mean), and y likewise.
template <class T>
void centred_block(MatrixView<T> X, MatrixView<double> y, const double* sw, const Moments& m,
                   std::size_t begin, std::size_t rows, double* xb, double* yb) {
  const std::size_t d = X.cols, t = y.cols;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t i = begin + r;
    const double root = sw != nullptr ? std::sqrt(sw[i]) : 1.0;
    const T* x = X.row(i);
    for (std::size_t j = 0; j < d; ++j)
      xb[r * d + j] = root * (static_cast<double>(x[j]) - m.x_mean[j]);
    for (std::size_t k = 0; k < t; ++k) yb[r * t + k] = root * (y.row(i)[k] - m.y_mean[k]);
  }
}

// Gram = Xc' Xc (d x d) and Xc' yc (d x t) in one pass over X.
template <class T>
void normal_equations(MatrixView<T> X, MatrixView<double> y, const double* sw, const Moments& m,
                      int n_threads, RowMatrix& gram, RowMatrix& xty) {
  detail::use_single_threaded_blas();
  const std::size_t d = X.cols, t = y.cols;
  const std::size_t n_blocks = (X.rows + kBlockRows - 1) / kBlockRows;
  const int nt = threads_for(n_threads, X.rows * d * d, 1 << 20);
  std::vector<RowMatrix> grams(static_cast<std::size_t>(nt)), xtys(static_cast<std::size_t>(nt));
#pragma omp parallel num_threads(nt)
  {
    const auto me = static_cast<std::size_t>(omp_get_thread_num());
    RowMatrix& g = grams[me] =
        RowMatrix::Zero(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
    RowMatrix& b = xtys[me] =
        RowMatrix::Zero(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(t));
    std::vector<double> xb(kBlockRows * d), yb(kBlockRows * t);
#pragma omp for schedule(static)
    for (std::size_t blk = 0; blk < n_blocks; ++blk) {
      const std::size_t begin = blk * kBlockRows;
      const std::size_t rows = std::min(kBlockRows, X.rows - begin);
      centred_block(X, y, sw, m, begin, rows, xb.data(), yb.data());
      const int di = static_cast<int>(d), ti = static_cast<int>(t), ri = static_cast<int>(rows);
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, di, ri, 1.0, xb.data(), di, 1.0, g.data(),
                  di);
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, di, ti, ri, 1.0, xb.data(), di,
                  yb.data(), ti, 1.0, b.data(), ti);
    }
  }
  gram = RowMatrix::Zero(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
  xty = RowMatrix::Zero(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(t));
  for (std::size_t k = 0; k < grams.size(); ++k) {
    gram += grams[k];
    xty += xtys[k];
  }
  gram.triangularView<Eigen::StrictlyLower>() = gram.transpose();
}

// Condition number of the Gram matrix scaled to a unit diagonal; infinity if singular.
double scaled_condition(const RowMatrix& gram) {
  const Eigen::VectorXd diag = gram.diagonal();
  if ((diag.array() <= 0).any()) return std::numeric_limits<double>::infinity();
  const Eigen::VectorXd inv_root = diag.array().rsqrt();
  const RowMatrix scaled = inv_root.asDiagonal() * gram * inv_root.asDiagonal();
  const Eigen::SelfAdjointEigenSolver<RowMatrix> eig(scaled, Eigen::EigenvaluesOnly);
  const double lo = eig.eigenvalues().minCoeff(), hi = eig.eigenvalues().maxCoeff();
  return lo > 0 ? hi / lo : std::numeric_limits<double>::infinity();
}

// Minimum-norm least squares on the centred, weighted X (materialised: the rare, slow path).
template <class T>
RowMatrix orthogonal_solve(MatrixView<T> X, MatrixView<double> y, const double* sw,
                           const Moments& m, int& rank) {
  const auto n = static_cast<Eigen::Index>(X.rows);
  const auto d = static_cast<Eigen::Index>(X.cols), t = static_cast<Eigen::Index>(y.cols);
  RowMatrix xc(n, d), yc(n, t);
  centred_block(X, y, sw, m, 0, X.rows, xc.data(), yc.data());
  Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod;
  // scikit-learn's cutoff: singular values below max(n, d) * eps times the largest count as 0.
  cod.setThreshold(static_cast<double>(std::max(X.rows, X.cols)) *
                   std::numeric_limits<double>::epsilon());
  cod.compute(xc);
  rank = static_cast<int>(cod.rank());
  return cod.solve(yc);
}

}  // namespace

template <class T>
LinearRegressionModel fit_linear_regression(const LinearRegressionParams& params, MatrixView<T> X,
                                            MatrixView<double> y, const double* sample_weight) {
  if (X.rows == 0 || X.cols == 0) {
    throw_invalid_argument("X has shape (" + std::to_string(X.rows) + ", " +
                           std::to_string(X.cols) + "); expected at least 1 row and 1 column");
  }
  if (y.rows != X.rows || y.cols == 0) {
    throw_invalid_argument("y has " + std::to_string(y.rows) + " rows and " +
                           std::to_string(y.cols) + " targets; expected " + std::to_string(X.rows) +
                           " rows (one per row of X) and >= 1 target");
  }
  if (!std::isfinite(params.alpha) || params.alpha < 0) {
    throw_invalid_argument("alpha must be finite and >= 0, got " + std::to_string(params.alpha));
  }
  check_finite_matrix(X, "X", params.n_threads);
  check_finite_matrix(y, "y", params.n_threads);
  if (sample_weight != nullptr) {
    double sum = 0.0;
    for (std::size_t i = 0; i < X.rows; ++i) {
      if (!std::isfinite(sample_weight[i]) || sample_weight[i] < 0) {
        throw_invalid_argument("sample_weight[" + std::to_string(i) +
                               "] must be finite and >= 0, got " +
                               std::to_string(sample_weight[i]));
      }
      sum += sample_weight[i];
    }
    if (!(sum > 0)) throw_invalid_argument("the sample weights sum to 0");
  }
  const std::size_t d = X.cols, t = y.cols;
  const Moments m = weighted_means(X, y, sample_weight, params.fit_intercept, params.n_threads);
  RowMatrix gram, xty;
  normal_equations(X, y, sample_weight, m, params.n_threads, gram, xty);

  LinearRegressionModel model;
  model.n_features = d;
  model.n_targets = t;
  model.alpha = params.alpha;
  RowMatrix solution;  // d x t
  if (params.alpha > 0) {
    gram.diagonal().array() += params.alpha;
    const Eigen::LDLT<RowMatrix> ldlt(gram);
    solution = ldlt.solve(xty);
  } else if (scaled_condition(gram) <= kMaxGramCondition) {
    const Eigen::LLT<RowMatrix> llt(gram);
    solution = llt.solve(xty);
    model.rank = static_cast<int>(d);
  } else {
    solution = orthogonal_solve(X, y, sample_weight, m, model.rank);
  }
  model.coef.resize(t * d);
  model.intercept.resize(t);
  for (std::size_t k = 0; k < t; ++k) {
    double offset = 0.0;
    for (std::size_t j = 0; j < d; ++j) {
      const double c = solution(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(k));
      model.coef[k * d + j] = c;
      offset += c * m.x_mean[j];
    }
    model.intercept[k] = params.fit_intercept ? m.y_mean[k] - offset : 0.0;
  }
  return model;
}

#define PITH_INSTANTIATE(T)                             \
  template LinearRegressionModel fit_linear_regression( \
      const LinearRegressionParams&, MatrixView<T>, MatrixView<double>, const double*);
PITH_INSTANTIATE(float)
PITH_INSTANTIATE(double)
#undef PITH_INSTANTIATE

}  // namespace pith
