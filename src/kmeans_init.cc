// K-Means initialisations: greedy k-means++ and weighted random rows, plus the generator.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>

#include "kmeans_internal.h"
#include "pith/error.h"
#include "pith/threading.h"

namespace pith::detail {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

template <class T>
void copy_row(MatrixView<T> X, std::size_t i, double* out) {
  const T* x = X.row(i);
  for (std::size_t j = 0; j < X.cols; ++j) out[j] = double(x[j]);
}

// Draws an index with probability proportional to value(i), given per-block sums of the values
// (blocks of kRowBlock rows): a scan over block sums, then over one block. `target` is in
// [0, sum of block sums). Rounding may carry the target past the end; the last row with a
// positive value is returned then (scikit-learn clips the same way).
template <class Value>
std::size_t draw_proportional(const std::vector<double>& block_sums, std::size_t n, double target,
                              Value value) {
  std::size_t b = 0;
  for (; b + 1 < block_sums.size() && target >= block_sums[b]; ++b) target -= block_sums[b];
  const std::size_t r0 = b * kRowBlock, r1 = std::min(n, r0 + kRowBlock);
  std::size_t last_positive = n;
  for (std::size_t i = r0; i < r1; ++i) {
    const double v = value(i);
    if (v <= 0) continue;
    last_positive = i;
    if (target < v) return i;
    target -= v;
  }
  if (last_positive != n) return last_positive;
  for (std::size_t i = n; i-- > 0;) {
    if (value(i) > 0) return i;
  }
  return n - 1;
}

}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return double(next() >> 11) * 0x1.0p-53; }

std::size_t Rng::below(std::size_t n) {
  // Lemire's nearly-divisionless method would be faster; this runs a handful of times per fit.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x;
  do {
    x = next();
  } while (x >= limit);
  return static_cast<std::size_t>(x % n);
}

template <class T>
void init_kmeans_plusplus(MatrixView<T> X, const T* sample_weight, std::size_t n_clusters, Rng& rng,
                          int n_threads, double* centers) {
  const std::size_t n = X.rows, d = X.cols;
  const std::size_t n_blocks = (n + kRowBlock - 1) / kRowBlock;
  const std::size_t n_trials = 2 + static_cast<std::size_t>(std::log(double(n_clusters)));
  const int nt = threads_for(n_threads, n, kRowBlock);
  auto weight = [&](std::size_t i) { return sample_weight ? double(sample_weight[i]) : 1.0; };

  // First center: a row drawn with probability proportional to its weight.
  std::vector<double> block_sums(n_blocks, 0.0);
  for (std::size_t b = 0; b < n_blocks; ++b) {
    const std::size_t r1 = std::min(n, (b + 1) * kRowBlock);
    for (std::size_t i = b * kRowBlock; i < r1; ++i) block_sums[b] += weight(i);
  }
  double total = 0;
  for (double s : block_sums) total += s;
  std::size_t first = draw_proportional(block_sums, n, rng.uniform() * total, weight);
  copy_row(X, first, centers);

  // closest[i]: squared distance of row i to its closest chosen center; pot: weighted sum.
  // Distances come from the SIMD kernel (the same as for the candidates below).
  std::vector<double> closest(n);
  const auto sq_distances = kernels::kernels().sq_distances<T>();
  auto update_closest = [&](const double* center, bool first_center) {
    const auto packed = pack_for<T>(MatrixView<double>{center, 1, d});
    const auto view = packed.view();
#pragma omp parallel num_threads(nt)
    {
      std::vector<T> dist(kRowBlock);
#pragma omp for schedule(static)
      for (std::size_t b = 0; b < n_blocks; ++b) {
        const std::size_t r0 = b * kRowBlock, rows = std::min(kRowBlock, n - r0);
        sq_distances(view, X.row(r0), rows, dist.data());
        double sum = 0;
        for (std::size_t i = r0; i < r0 + rows; ++i) {
          const double dist_i = double(dist[i - r0]);
          if (first_center || dist_i < closest[i]) closest[i] = dist_i;
          sum += weight(i) * closest[i];
        }
        block_sums[b] = sum;
      }
    }
    double pot = 0;
    for (double s : block_sums) pot += s;
    return pot;
  };
  double pot = update_closest(centers, true);
  auto weighted_closest = [&](std::size_t i) { return weight(i) * closest[i]; };

  std::vector<double> candidates(n_trials * d);
  std::vector<std::size_t> candidate_ids(n_trials);
  std::vector<double> block_pots(n_blocks * n_trials);
  for (std::size_t c = 1; c < n_clusters; ++c) {
    for (std::size_t t = 0; t < n_trials; ++t) {
      candidate_ids[t] = pot > 0 ? draw_proportional(block_sums, n, rng.uniform() * pot,
                                                     weighted_closest)
                                 : rng.below(n);  // all rows coincide with centers: any row
      copy_row(X, candidate_ids[t], candidates.data() + t * d);
    }
    const auto packed = pack_for<T>(MatrixView<double>{candidates.data(), n_trials, d});
    const auto view = packed.view();
    // Potential after adding each candidate, summed per block then in block order.
#pragma omp parallel num_threads(nt)
    {
      std::vector<T> dist(kRowBlock * n_trials);
#pragma omp for schedule(static)
      for (std::size_t b = 0; b < n_blocks; ++b) {
        const std::size_t r0 = b * kRowBlock, rows = std::min(kRowBlock, n - r0);
        sq_distances(view, X.row(r0), rows, dist.data());
        for (std::size_t t = 0; t < n_trials; ++t) block_pots[b * n_trials + t] = 0;
        for (std::size_t i = 0; i < rows; ++i) {
          const double w = weight(r0 + i), cl = closest[r0 + i];
          for (std::size_t t = 0; t < n_trials; ++t) {
            block_pots[b * n_trials + t] += w * std::min(cl, double(dist[i * n_trials + t]));
          }
        }
      }
    }
    std::size_t best = 0;
    double best_pot = 0;
    for (std::size_t t = 0; t < n_trials; ++t) {
      double p = 0;
      for (std::size_t b = 0; b < n_blocks; ++b) p += block_pots[b * n_trials + t];
      if (t == 0 || p < best_pot) {
        best_pot = p;
        best = t;
      }
    }
    double* center = centers + c * d;
    std::copy_n(candidates.data() + best * d, d, center);
    pot = update_closest(center, false);
  }
}

template <class T>
void init_random(MatrixView<T> X, const T* sample_weight, std::size_t n_clusters, Rng& rng,
                 double* centers) {
  const std::size_t n = X.rows, d = X.cols;
  std::vector<std::size_t> chosen;
  chosen.reserve(n_clusters);
  if (sample_weight == nullptr) {
    // Floyd's algorithm: n_clusters distinct indices in O(n_clusters).
    std::unordered_set<std::size_t> seen;
    for (std::size_t j = n - n_clusters; j < n; ++j) {
      const std::size_t t = rng.below(j + 1);
      const std::size_t pick = seen.insert(t).second ? t : j;
      if (pick == j) seen.insert(j);
      chosen.push_back(pick);
    }
  } else {
    // Weighted sampling without replacement (Efraimidis-Spirakis): the n_clusters largest keys
    // u^(1/w), compared as log(u)/w; rows of weight 0 are never drawn.
    std::vector<std::pair<double, std::size_t>> keys;
    keys.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double w = double(sample_weight[i]);
      if (w > 0) keys.emplace_back(std::log(1.0 - rng.uniform()) / w, i);
    }
    if (keys.size() < n_clusters) {
      throw_invalid_argument("n_clusters=" + std::to_string(n_clusters) + " but only " +
                             std::to_string(keys.size()) + " samples have a positive weight");
    }
    std::partial_sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n_clusters),
                      keys.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t c = 0; c < n_clusters; ++c) chosen.push_back(keys[c].second);
  }
  for (std::size_t c = 0; c < n_clusters; ++c) copy_row(X, chosen[c], centers + c * d);
}

template void init_kmeans_plusplus<float>(MatrixView<float>, const float*, std::size_t, Rng&, int,
                                          double*);
template void init_kmeans_plusplus<double>(MatrixView<double>, const double*, std::size_t, Rng&,
                                           int, double*);
template void init_random<float>(MatrixView<float>, const float*, std::size_t, Rng&, double*);
template void init_random<double>(MatrixView<double>, const double*, std::size_t, Rng&, double*);

}  // namespace pith::detail
