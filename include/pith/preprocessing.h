// Feature scalers: StandardScaler and MinMaxScaler, fitted parameters and their transforms.
#pragma once

#include <cstddef>
#include <vector>

#include "pith/matrix.h"

namespace pith {

// x' = (x - mean) / scale. Without centring mean is all zeros; without scaling scale is all ones.
struct StandardScalerModel {
  std::size_t n_features = 0;
  std::vector<double> mean;   // n_features
  std::vector<double> scale;  // n_features, > 0 (constant features have scale 1, as scikit-learn)
  bool with_mean = true;
  bool with_std = true;
};

// x' = x * scale + min (scikit-learn's scale_ and min_), then clipped to the range if clip.
struct MinMaxScalerModel {
  std::size_t n_features = 0;
  std::vector<double> scale;  // n_features
  std::vector<double> min;    // n_features
  double range_min = 0.0;     // feature_range
  double range_max = 1.0;
  bool clip = false;
};

template <class T>
StandardScalerModel fit_standard_scaler(MatrixView<T> X, bool with_mean, bool with_std,
                                        const double* sample_weight = nullptr, int n_threads = 0);
template <class T>
MinMaxScalerModel fit_min_max_scaler(MatrixView<T> X, double range_min, double range_max, bool clip,
                                     int n_threads = 0);

// out: X.rows x n_features in the input's precision (may alias X.data for in-place use).
template <class T>
void standard_scaler_transform(const StandardScalerModel& model, MatrixView<T> X, T* out,
                               int n_threads = 0);
template <class T>
void min_max_scaler_transform(const MinMaxScalerModel& model, MatrixView<T> X, T* out,
                              int n_threads = 0);

}  // namespace pith
