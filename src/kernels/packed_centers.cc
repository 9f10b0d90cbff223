// Packing of centers into the tiled layout the kernels read, and the choice of scoring mode.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/kernels.h"

namespace pith::kernels {

ScoreMode choose_score_mode(std::size_t n_features, std::size_t n_clusters) {
  // On the CPU measured (an AVX-512 EPYC, see docs/benchmarks.md) the direct form's extra
  // subtraction runs on the add ports beside the multiply-adds, so it costs little; the dot form
  // wins only once rows are long and centers many enough to amortise its norms and near-tie checks
  // (measured with 100,000 rows: d=64,k=256 dot 1.2x faster; d<=16 or k<=16 direct as fast or
  // faster).
  return n_features >= 16 && n_clusters >= 32 ? ScoreMode::kDot : ScoreMode::kDirect;
}

template <class T>
PackedCenters<T> pack_centers(MatrixView<double> centers, ScoreMode mode) {
  PackedCenters<T> p;
  const std::size_t k = centers.rows, d = centers.cols;
  p.k = k;
  p.d = d;
  p.mode = mode;
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
    for (std::size_t j = 0; j < d; ++j) {
      double mean = 0;
      for (std::size_t c = 0; c < k; ++c) mean += centers.row(c)[j];
      p.shift[j] = static_cast<T>(mean / double(k));
    }
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

template PackedCenters<float> pack_centers<float>(MatrixView<double>, ScoreMode);
template PackedCenters<double> pack_centers<double>(MatrixView<double>, ScoreMode);

}  // namespace pith::kernels
