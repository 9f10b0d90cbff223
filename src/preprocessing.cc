// StandardScaler and MinMaxScaler: fitting (one pass of column statistics) and transforms that
// round exactly as scikit-learn's in-place numpy operations do.
#include "pith/preprocessing.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
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

}  // namespace

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

#define PITH_INSTANTIATE(T)                                                                    \
  template void standard_scaler_transform(const StandardScalerModel&, MatrixView<T>, T*, int); \
  template void min_max_scaler_transform(const MinMaxScalerModel&, MatrixView<T>, T*, int);
PITH_INSTANTIATE(float)
PITH_INSTANTIATE(double)
#undef PITH_INSTANTIATE

}  // namespace pith
