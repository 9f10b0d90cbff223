// Packing of centers into the tiled layout the kernels read, and the choice of scoring mode.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/kernels.h"

namespace pith::kernels {

ScoreMode choose_score_mode(std::size_t n_features, std::size_t n_clusters, bool float64_data) {
  // On the CPU measured (an AVX-512 EPYC, see docs/benchmarks.md) the direct form's extra
  // subtraction runs on the add ports beside the multiply-adds, so it costs little; the dot form
  // wins only once rows are long and centers many enough to amortise its norms and near-tie checks
  // (measured with 100,000 rows: d=64,k=256 dot 1.2x faster; d<=16 or k<=16 direct as fast or
  // faster). Where float32 data take the dot form, float64 data take it in float32 (kDotF32):
  // single-thread Lloyd passes 1.2x (d=16,k=64; d=32,k=32) to 1.75x (d=64,k=256) faster than
  // float64's dot form; below that float64 passes are bound by reading the rows (d=16,k=16: the
  // same time either way; d=8,k=8: kDotF32 1.3x slower).
  if (n_features >= 16 && n_clusters >= 32) {
    return float64_data ? ScoreMode::kDotF32 : ScoreMode::kDot;
  }
  return ScoreMode::kDirect;
}

namespace {

// The mean of the centers, rounded to T: the shift of the dot forms.
template <class T>
std::vector<T> centers_mean(MatrixView<double> centers) {
  std::vector<T> mean(centers.cols);
  for (std::size_t j = 0; j < centers.cols; ++j) {
    double sum = 0;
    for (std::size_t c = 0; c < centers.rows; ++c) sum += centers.row(c)[j];
    mean[j] = static_cast<T>(sum / double(centers.rows));
  }
  return mean;
}

// The layout of kDirect or kDot.
template <class T>
PackedCenters<T> pack_layout(MatrixView<double> centers, ScoreMode mode) {
  PackedCenters<T> p;
  const std::size_t k = centers.rows, d = centers.cols;
  p.k = k;
  p.d = d;
  p.mode = mode;
  p.distance_mode = mode;
  p.k_pad = (k + kCentersPerTile - 1) / kCentersPerTile * kCentersPerTile;
  p.tiles.assign(p.k_pad * d, T(0));
  p.half_norms.assign(p.k_pad, std::numeric_limits<T>::infinity());
  p.norms_sq.assign(p.k_pad, std::numeric_limits<T>::infinity());
  p.rows.resize(k * d);
  p.shift.assign(d, T(0));
  const bool dot = mode == ScoreMode::kDot;
  if (dot) {
    // Shift by the mean of the centers: it sits among the data, so ||x - shift|| stays of the
    // order of the clusters' spread rather than of the data's distance from the origin.
    p.shift = centers_mean<T>(centers);
  }
  double max_norm_sq = 0;
  for (std::size_t c = 0; c < p.k_pad; ++c) {
    T* tile = p.tiles.data() + (c / kCentersPerTile) * d * kCentersPerTile + c % kCentersPerTile;
    if (c >= k) {
      // Padding: +inf coordinates make the direct score +inf; in kDot the +inf half-norm does.
      if (!dot) {
        for (std::size_t j = 0; j < d; ++j)
          tile[j * kCentersPerTile] = std::numeric_limits<T>::infinity();
      }
      continue;
    }
    double norm_sq = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const T raw = static_cast<T>(centers.row(c)[j]);
      p.rows[c * d + j] = raw;
      // Shift in T, exactly as the kernels shift the data, so both sides see the same rounding.
      const T v = dot ? static_cast<T>(raw - p.shift[j]) : raw;
      tile[j * kCentersPerTile] = v;
      norm_sq += double(v) * double(v);
    }
    if (dot) {
      p.half_norms[c] = static_cast<T>(0.5 * norm_sq);
      p.norms_sq[c] = static_cast<T>(norm_sq);
      max_norm_sq = std::max(max_norm_sq, norm_sq);
    }
  }
  p.max_norm = std::sqrt(max_norm_sq);
  return p;
}

// kDotF32's float32 tiles beside the float64 layout: the centers shifted by their mean in
// float64, then rounded once to float32, exactly as the kernel rounds the shifted rows.
template <class T>
void add_float32_tiles(MatrixView<double> centers, PackedCenters<T>& p) {
  const std::size_t k = p.k, d = p.d;
  p.mode = ScoreMode::kDotF32;
  p.f32_shift = centers_mean<T>(centers);
  p.tiles32.assign(p.k_pad * d, 0.0f);
  p.half_norms32.assign(p.k_pad, std::numeric_limits<float>::infinity());
  p.zeros32.assign(d, 0.0f);
  double max_norm_sq = 0;
  for (std::size_t c = 0; c < k; ++c) {
    float* tile =
        p.tiles32.data() + (c / kCentersPerTile) * d * kCentersPerTile + c % kCentersPerTile;
    double norm_sq = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const float v = static_cast<float>(p.rows[c * d + j] - p.f32_shift[j]);
      tile[j * kCentersPerTile] = v;
      norm_sq += double(v) * double(v);
    }
    p.half_norms32[c] = static_cast<float>(0.5 * norm_sq);
    max_norm_sq = std::max(max_norm_sq, norm_sq);
  }
  p.max_norm32 = std::sqrt(max_norm_sq);
}

}  // namespace

template <class T>
PackedCenters<T> pack_centers(MatrixView<double> centers, ScoreMode mode) {
  if (mode != ScoreMode::kDotF32) return pack_layout<T>(centers, mode);
  if (sizeof(T) == 4) return pack_layout<T>(centers, ScoreMode::kDot);
  // Full distances keep the float64 layout float data of this shape would use.
  PackedCenters<T> p =
      pack_layout<T>(centers, choose_score_mode(centers.cols, centers.rows, false));
  add_float32_tiles(centers, p);
  return p;
}

template PackedCenters<float> pack_centers<float>(MatrixView<double>, ScoreMode);
template PackedCenters<double> pack_centers<double>(MatrixView<double>, ScoreMode);

}  // namespace pith::kernels
