// Prediction with linear models: regression values, logistic scores, probabilities and labels.
// Scores are accumulated in double whatever the input dtype, then rounded once to the output's.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pith/error.h"
#include "pith/linear.h"
#include "pith/threading.h"

namespace pith {
namespace {

// Rows per thread below which one thread does it all: a row costs ~n_features multiply-adds.
constexpr std::size_t kMinWorkPerThread = 1 << 16;

void check_columns(std::size_t cols, std::size_t n_features, const char* what) {
  if (cols != n_features) {
    throw Error(ErrorCode::kInvalidArgument, std::string(what) + ": X has " + std::to_string(cols) +
                                                 " features, but the model expects " +
                                                 std::to_string(n_features));
  }
}

// Built for AVX-512, AVX2 and baseline x86-64, chosen when the library loads (no -march).
template <class T>
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) double dot_row(
    const T* x, const double* w, std::size_t d) {
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (std::size_t j = 0; j < d; ++j) sum += static_cast<double>(x[j]) * w[j];
  return sum;
}

// scores[i * n_rows + r] = X[i] . coef[r] + intercept[r], in double.
template <class T, class Emit>
void for_each_score_row(MatrixView<T> X, const std::vector<double>& coef,
                        const std::vector<double>& intercept, int n_threads, Emit emit) {
  const std::size_t d = X.cols;
  const std::size_t n_rows = intercept.size();
  const std::size_t work_per_row = std::max<std::size_t>(1, d * n_rows);
  const int nt = threads_for(n_threads, X.rows * work_per_row, kMinWorkPerThread);
#pragma omp parallel num_threads(nt)
  {
    std::vector<double> scores(n_rows);
#pragma omp for schedule(static)
    for (std::size_t i = 0; i < X.rows; ++i) {
      const T* x = X.row(i);
      for (std::size_t r = 0; r < n_rows; ++r) {
        scores[r] = dot_row(x, coef.data() + r * d, d) + intercept[r];
      }
      emit(i, scores.data());
    }
  }
}

// In-place softmax with the max subtracted, as scikit-learn's (scipy.special.softmax).
void softmax(double* z, std::size_t n) {
  const double top = *std::max_element(z, z + n);
  double sum = 0.0;
  for (std::size_t c = 0; c < n; ++c) sum += (z[c] = std::exp(z[c] - top));
  for (std::size_t c = 0; c < n; ++c) z[c] /= sum;
}

double sigmoid(double z) {
  // scipy.special.expit: exact formula on both sides, no overflow.
  return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
}

}  // namespace

template <class T>
void linear_regression_predict(const LinearRegressionModel& model, MatrixView<T> X, T* out,
                               int n_threads) {
  check_columns(X.cols, model.n_features, "predict");
  const std::size_t k = model.n_targets;
  for_each_score_row(X, model.coef, model.intercept, n_threads, [&](std::size_t i, double* s) {
    for (std::size_t t = 0; t < k; ++t) out[i * k + t] = static_cast<T>(s[t]);
  });
}

template <class T>
void logistic_decision_function(const LogisticRegressionModel& model, MatrixView<T> X, T* out,
                                int n_threads) {
  check_columns(X.cols, model.n_features, "decision_function");
  const std::size_t k = model.n_rows();
  for_each_score_row(X, model.coef, model.intercept, n_threads, [&](std::size_t i, double* s) {
    for (std::size_t r = 0; r < k; ++r) out[i * k + r] = static_cast<T>(s[r]);
  });
}

template <class T>
void logistic_predict_proba(const LogisticRegressionModel& model, MatrixView<T> X, T* out,
                            int n_threads) {
  check_columns(X.cols, model.n_features, "predict_proba");
  const std::size_t n_classes = model.n_classes();
  for_each_score_row(X, model.coef, model.intercept, n_threads, [&](std::size_t i, double* s) {
    T* row = out + i * n_classes;
    if (n_classes == 2) {
      const double p = sigmoid(s[0]);
      row[0] = static_cast<T>(1.0 - p);
      row[1] = static_cast<T>(p);
      return;
    }
    softmax(s, n_classes);
    for (std::size_t c = 0; c < n_classes; ++c) row[c] = static_cast<T>(s[c]);
  });
}

template <class T>
void logistic_predict(const LogisticRegressionModel& model, MatrixView<T> X, std::int32_t* out,
                      int n_threads) {
  check_columns(X.cols, model.n_features, "predict");
  const std::size_t k = model.n_rows();
  for_each_score_row(X, model.coef, model.intercept, n_threads, [&](std::size_t i, double* s) {
    // scikit-learn: binary -> score > 0; multinomial -> the first largest score.
    out[i] = k == 1 ? static_cast<std::int32_t>(s[0] > 0)
                    : static_cast<std::int32_t>(std::max_element(s, s + k) - s);
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
