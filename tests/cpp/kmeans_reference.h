// A deliberately naive K-Means (float64, one thread, the textbook loops) that the tests compare
// libpith against, and random data generators for the tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace pith::testing {

template <class T>
std::vector<T> random_blobs(std::size_t n, std::size_t d, std::size_t centers, double spread,
                            double offset, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> noise(0.0, spread);
  std::uniform_real_distribution<double> where(-10.0, 10.0);
  std::vector<double> mu(centers * d);
  for (double& m : mu) m = where(gen) + offset;
  std::vector<T> X(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = i % centers;
    for (std::size_t j = 0; j < d; ++j) X[i * d + j] = static_cast<T>(mu[c * d + j] + noise(gen));
  }
  return X;
}

// Arg-min of the naive squared distance computed in T, in feature order (ties: lowest index).
template <class T>
std::int32_t naive_label(const T* x, const double* centers, std::size_t k, std::size_t d) {
  std::int32_t best_i = 0;
  T best = std::numeric_limits<T>::infinity();
  for (std::size_t c = 0; c < k; ++c) {
    T s = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const T diff = x[j] - static_cast<T>(centers[c * d + j]);
      s += diff * diff;
    }
    if (s < best) {
      best = s;
      best_i = static_cast<std::int32_t>(c);
    }
  }
  return best_i;
}

struct NaiveFit {
  std::vector<double> centers;
  std::vector<std::int32_t> labels;
  int n_iter = 0;
};

// Textbook Lloyd with scikit-learn's stopping rule (strict convergence or shift <= tol_abs).
template <class T>
NaiveFit naive_lloyd(const std::vector<T>& X, std::size_t n, std::size_t d,
                     std::vector<double> centers, int max_iter, double tol_abs) {
  const std::size_t k = centers.size() / d;
  NaiveFit f;
  f.labels.assign(n, -1);
  for (int it = 0; it < max_iter; ++it) {
    bool changed = false;
    std::vector<double> sums(k * d, 0.0), counts(k, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const std::int32_t l = naive_label(&X[i * d], centers.data(), k, d);
      changed |= l != f.labels[i];
      f.labels[i] = l;
      counts[l] += 1;
      for (std::size_t j = 0; j < d; ++j) sums[l * d + j] += double(X[i * d + j]);
    }
    double shift = 0;
    for (std::size_t c = 0; c < k; ++c) {
      for (std::size_t j = 0; j < d; ++j) {
        const double v = counts[c] > 0 ? sums[c * d + j] / counts[c] : centers[c * d + j];
        shift += (v - centers[c * d + j]) * (v - centers[c * d + j]);
        centers[c * d + j] = v;
      }
    }
    f.n_iter = it + 1;
    if (!changed || shift <= tol_abs) break;
  }
  for (std::size_t i = 0; i < n; ++i) f.labels[i] = naive_label(&X[i * d], centers.data(), k, d);
  f.centers = centers;
  return f;
}

}  // namespace pith::testing
