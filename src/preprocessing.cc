// StandardScaler and MinMaxScaler: fitting (one pass of column statistics) and transforms that
// round exactly as scikit-learn's in-place numpy operations do.
#include "pith/preprocessing.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "pith/error.h"
#include "pith/threading.h"

namespace pith {
namespace {

constexpr std::size_t kMinWorkPerThread = 1 << 16;

void check_columns(std::size_t cols, std::size_t n_features) {
  if (cols != n_features) {
    throw Error(ErrorCode::kInvalidArgument, "transform: X has " + std::to_string(cols) +
                                                 " features, but the scaler expects " +
                                                 std::to_string(n_features));
  }
}

// Column statistics over the non-NaN values (scikit-learn's scalers ignore NaN when fitting and
// keep it when transforming). Infinite values are refused.
template <class T>
void check_no_infinity(MatrixView<T> X) {
  if (X.rows == 0 || X.cols == 0) {
    throw Error(ErrorCode::kInvalidArgument, "X has shape (" + std::to_string(X.rows) + ", " +
                                                 std::to_string(X.cols) +
                                                 "); expected at least 1 row and 1 column");
  }
  for (std::size_t i = 0; i < X.rows * X.cols; ++i) {
    if (std::isinf(X.data[i])) {
      throw Error(ErrorCode::kInvalidArgument,
                  "X contains an infinite value at row " + std::to_string(i / X.cols) +
                      ", column " + std::to_string(i % X.cols) + "; expected finite values or NaN");
    }
  }
}

// scikit-learn's _is_constant_feature: a variance within rounding of zero is zero.
bool is_constant_feature(double var, double mean, double n) {
  const double eps = std::numeric_limits<double>::epsilon();
  const double bound = n * eps * var + (n * mean * eps) * (n * mean * eps);
  return var <= bound;
}

}  // namespace

template <class T>
StandardScalerModel fit_standard_scaler(MatrixView<T> X, bool with_mean, bool with_std,
                                        const double* sample_weight, int n_threads) {
  check_no_infinity(X);
  const std::size_t d = X.cols;
  // Two passes in float64 (mean, then centred squares): exact enough for any scale of data.
  std::vector<double> weight(d, 0.0), mean(d, 0.0), var(d, 0.0);
  const int nt = threads_for(n_threads, X.rows * d, kMinWorkPerThread);
  const auto column_pass = [&](auto&& accumulate, std::vector<double>& a, std::vector<double>* w) {
    std::vector<std::vector<double>> partial(static_cast<std::size_t>(nt));
#pragma omp parallel num_threads(nt)
    {
      std::vector<double>& mine = partial[static_cast<std::size_t>(omp_get_thread_num())];
      mine.assign(2 * d, 0.0);
#pragma omp for schedule(static)
      for (std::size_t i = 0; i < X.rows; ++i) {
        const double s = sample_weight != nullptr ? sample_weight[i] : 1.0;
        const T* x = X.row(i);
        for (std::size_t j = 0; j < d; ++j) {
          if (std::isnan(x[j])) continue;
          mine[j] += accumulate(s, static_cast<double>(x[j]), j);
          mine[d + j] += s;
        }
      }
    }
    for (const auto& p : partial) {
      for (std::size_t j = 0; j < d; ++j) {
        a[j] += p[j];
        if (w != nullptr) (*w)[j] += p[d + j];
      }
    }
  };
  column_pass([](double s, double x, std::size_t) { return s * x; }, mean, &weight);
  for (std::size_t j = 0; j < d; ++j) {
    mean[j] = weight[j] > 0 ? mean[j] / weight[j] : std::numeric_limits<double>::quiet_NaN();
  }
  column_pass([&](double s, double x, std::size_t j) { return s * (x - mean[j]) * (x - mean[j]); },
              var, nullptr);
  StandardScalerModel model;
  model.n_features = d;
  model.with_mean = with_mean;
  model.with_std = with_std;
  model.mean.assign(d, 0.0);
  model.scale.assign(d, 1.0);
  for (std::size_t j = 0; j < d; ++j) {
    if (!(weight[j] > 0)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "column " + std::to_string(j) + " has no non-NaN value (or only zero weights)");
    }
    var[j] /= weight[j];
    if (with_mean) model.mean[j] = mean[j];
    if (with_std && !is_constant_feature(var[j], mean[j], weight[j])) {
      model.scale[j] = std::sqrt(var[j]);
    }
  }
  return model;
}

template <class T>
MinMaxScalerModel fit_min_max_scaler(MatrixView<T> X, double range_min, double range_max, bool clip,
                                     int n_threads) {
  check_no_infinity(X);
  if (!std::isfinite(range_min) || !std::isfinite(range_max) || !(range_min < range_max)) {
    throw Error(ErrorCode::kInvalidArgument, "feature_range must be finite with min < max, got (" +
                                                 std::to_string(range_min) + ", " +
                                                 std::to_string(range_max) + ")");
  }
  (void)n_threads;  // one pass of compares: memory-bound, a single thread keeps up
  const std::size_t d = X.cols;
  std::vector<double> lo(d, std::numeric_limits<double>::infinity());
  std::vector<double> hi(d, -std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < X.rows; ++i) {
    const T* x = X.row(i);
    for (std::size_t j = 0; j < d; ++j) {
      if (std::isnan(x[j])) continue;
      lo[j] = std::min(lo[j], static_cast<double>(x[j]));
      hi[j] = std::max(hi[j], static_cast<double>(x[j]));
    }
  }
  MinMaxScalerModel model;
  model.n_features = d;
  model.range_min = range_min;
  model.range_max = range_max;
  model.clip = clip;
  model.scale.resize(d);
  model.min.resize(d);
  const double eps = std::numeric_limits<double>::epsilon();
  for (std::size_t j = 0; j < d; ++j) {
    if (lo[j] > hi[j]) {
      throw Error(ErrorCode::kInvalidArgument,
                  "column " + std::to_string(j) + " has no non-NaN value");
    }
    // scikit-learn's _handle_zeros_in_scale: a range within rounding of 0 counts as 1.
    double range = hi[j] - lo[j];
    if (range < 10 * eps) range = 1.0;
    model.scale[j] = (range_max - range_min) / range;
    model.min[j] = range_min - lo[j] * model.scale[j];
  }
  return model;
}

template <class T>
void standard_scaler_transform(const StandardScalerModel& model, MatrixView<T> X, T* out,
                               int n_threads) {
  check_columns(X.cols, model.n_features);
  const std::size_t d = X.cols;
  const int nt = threads_for(n_threads, X.rows * d, kMinWorkPerThread);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (std::size_t i = 0; i < X.rows; ++i) {
    const T* x = X.row(i);
    T* y = out + i * d;
    for (std::size_t j = 0; j < d; ++j) {
      // scikit-learn: X -= mean_; X /= scale_, each rounded to X's dtype.
      const T centred = static_cast<T>(static_cast<double>(x[j]) - model.mean[j]);
      y[j] = static_cast<T>(static_cast<double>(centred) / model.scale[j]);
    }
  }
}

template <class T>
void min_max_scaler_transform(const MinMaxScalerModel& model, MatrixView<T> X, T* out,
                              int n_threads) {
  check_columns(X.cols, model.n_features);
  const std::size_t d = X.cols;
  const int nt = threads_for(n_threads, X.rows * d, kMinWorkPerThread);
  const T lo = static_cast<T>(model.range_min);
  const T hi = static_cast<T>(model.range_max);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (std::size_t i = 0; i < X.rows; ++i) {
    const T* x = X.row(i);
    T* y = out + i * d;
    for (std::size_t j = 0; j < d; ++j) {
      // scikit-learn: X *= scale_; X += min_; then np.clip to feature_range if clip.
      const T scaled = static_cast<T>(static_cast<double>(x[j]) * model.scale[j]);
      T v = static_cast<T>(static_cast<double>(scaled) + model.min[j]);
      if (model.clip) v = std::min(std::max(v, lo), hi);
      y[j] = v;
    }
  }
}

#define PITH_INSTANTIATE(T)                                                                        \
  template StandardScalerModel fit_standard_scaler(MatrixView<T>, bool, bool, const double*, int); \
  template MinMaxScalerModel fit_min_max_scaler(MatrixView<T>, double, double, bool, int);         \
  template void standard_scaler_transform(const StandardScalerModel&, MatrixView<T>, T*, int);     \
  template void min_max_scaler_transform(const MinMaxScalerModel&, MatrixView<T>, T*, int);
PITH_INSTANTIATE(float)
PITH_INSTANTIATE(double)
#undef PITH_INSTANTIATE

}  // namespace pith
