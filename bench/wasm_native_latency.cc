// Native side of bench/bench_wasm.py: pith::predict (pith/predict.h) on one row at a time, the
// C++ latency a WebAssembly module is compared with, and per row on a batch.
//   wasm_native_latency MODEL.pith OUTPUT BATCH_ROWS SINGLE_CALLS -> JSON on stdout
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "pith/model_io.h"
#include "pith/predict.h"

template <class F>
double best_ns(F&& f, int repeats = 5) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  return best;
}

int main(int argc, char** argv) {
  if (argc != 5) return 2;
  const pith::Model model = pith::load_model(argv[1]);
  const std::string output = argv[2];
  const std::size_t rows = std::stoul(argv[3]);
  const int calls = std::stoi(argv[4]);
  const std::size_t d = model.input.n_features;
  const auto outputs = pith::model_outputs(model);
  const pith::OutputSpec* spec = pith::find_output(outputs, output);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(-2, 2);
  std::vector<double> X(rows * d);
  for (double& v : X) v = uniform(rng);
  std::vector<std::int32_t> indices(rows * spec->width);
  std::vector<double> values(rows * spec->width);
  const auto run = [&](std::size_t n) {
    pith::predict<double>(model, output, pith::MatrixView<double>{X.data(), n, d}, indices.data(),
                          values.data(), 1);
  };
  for (int i = 0; i < 10000; ++i) run(1);
  const double row_ns = best_ns([&] {
                          for (int i = 0; i < calls; ++i) run(1);
                        }) /
                        calls;
  const double batch_ns = best_ns([&] { run(rows); }) / static_cast<double>(rows);
  std::printf("{\"row_ns\": %.1f, \"batch_row_ns\": %.2f}\n", row_ns, batch_ns);
  return 0;
}
