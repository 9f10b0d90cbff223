// libpith from C++: fit K-Means on float32 rows, save the model, load it back and predict.
// Built and run by CTest (the README shows this file), so it cannot drift from the API.
#include <cstdio>
#include <random>
#include <vector>

#include "pith/kmeans.h"
#include "pith/model_io.h"

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "kmeans_basic.pith";
  const std::size_t n_rows = 10000, n_cols = 4;
  std::mt19937 gen(0);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> data(n_rows * n_cols);
  for (std::size_t i = 0; i < n_rows; ++i)
    for (std::size_t j = 0; j < n_cols; ++j) data[i * n_cols + j] = float(i % 3) * 10 + noise(gen);

  pith::KMeansParams params;
  params.n_clusters = 3;
  params.n_init = 3;
  const pith::MatrixView<float> X{data.data(), n_rows, n_cols};
  const pith::KMeansFitResult fit = pith::fit_kmeans(X, params);
  std::printf("inertia %.3f after %d iterations\n", fit.model.inertia, fit.model.n_iter);

  pith::Model model;
  model.input = {n_cols, pith::DType::kFloat32, {"a", "b", "c", "d"}};
  model.estimator = fit.model;
  pith::save_model(model, path);  // atomic: a crash never leaves a half-written file

  const pith::Model loaded = pith::load_model(path);
  const auto& kmeans = std::get<pith::KMeansModel>(loaded.estimator);
  std::vector<std::int32_t> labels(n_rows);
  pith::kmeans_predict(kmeans, X, labels.data());
  if (labels != fit.labels) {
    std::fprintf(stderr, "reloaded model predicts differently\n");
    return 1;
  }
  std::printf("saved %s; reloaded model predicts the training labels\n", path);
  return 0;
}
