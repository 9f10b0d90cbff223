// Random data for the linear-model tests: features, targets and labels from a fixed seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace pith::test {

struct ClassificationData {
  std::size_t n = 0, d = 0, n_classes = 0;
  std::vector<double> X;        // n x d
  std::vector<std::int32_t> y;  // class indices
  std::vector<double> weights;  // n, in (0.5, 2)
};

// Rows around class-specific means, overlapping, so the optimum is finite.
inline ClassificationData make_classification(std::size_t n, std::size_t d, std::size_t n_classes,
                                              unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.5, 2.0);
  ClassificationData data{n,
                          d,
                          n_classes,
                          std::vector<double>(n * d),
                          std::vector<std::int32_t>(n),
                          std::vector<double>(n)};
  std::vector<double> means(n_classes * d);
  for (double& m : means) m = normal(rng);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<std::int32_t>(rng() % n_classes);
    data.y[i] = c;
    for (std::size_t j = 0; j < d; ++j) {
      data.X[i * d + j] = means[static_cast<std::size_t>(c) * d + j] + 1.5 * normal(rng);
    }
    data.weights[i] = uniform(rng);
  }
  return data;
}

}  // namespace pith::test
