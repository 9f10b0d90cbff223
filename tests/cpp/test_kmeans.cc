// pith::fit_kmeans and friends: agreement with a naive Lloyd, scikit-learn's semantics (tol,
// empty clusters, sample weights), reproducibility, thread-count independence and input errors.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>
#include <string>

#include "kmeans_reference.h"
#include "pith/error.h"
#include "pith/kmeans.h"

namespace pith {
namespace {

using testing::naive_lloyd;
using testing::random_blobs;

template <class T>
MatrixView<T> view(const std::vector<T>& X, std::size_t d) {
  return {X.data(), X.size() / d, d};
}

template <class T>
std::vector<double> first_rows(const std::vector<T>& X, std::size_t d, std::size_t k) {
  return std::vector<double>(X.begin(), X.begin() + static_cast<std::ptrdiff_t>(k * d));
}

class LloydMatchesNaive : public ::testing::TestWithParam<std::tuple<std::size_t, std::size_t>> {};

TEST_P(LloydMatchesNaive, SameCentersLabelsAndIterations) {
  const auto [d, k] = GetParam();
  const std::size_t n = 2000;
  // Overlapping blobs make Lloyd take several iterations.
  const auto X = random_blobs<double>(n, d, k, 3.0, 50.0, 42);
  const auto init = first_rows(X, d, k);
  KMeansParams p;
  p.n_clusters = k;
  p.init = KMeansInit::kExplicit;
  p.tol = 0;
  p.max_iter = 50;
  const KMeansFitResult fit = fit_kmeans(view(X, d), p, nullptr, init.data());
  const auto ref = naive_lloyd(X, n, d, init, p.max_iter, 0.0);
  EXPECT_EQ(fit.model.n_iter, ref.n_iter);
  ASSERT_EQ(fit.labels.size(), n);
  EXPECT_EQ(fit.labels, ref.labels);
  for (std::size_t i = 0; i < k * d; ++i) {
    EXPECT_NEAR(fit.model.centers[i], ref.centers[i], 1e-10 * (1 + std::abs(ref.centers[i])));
  }
  double inertia = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < d; ++j) {
      const double diff = X[i * d + j] - ref.centers[std::size_t(ref.labels[i]) * d + j];
      inertia += diff * diff;
    }
  }
  EXPECT_NEAR(fit.model.inertia, inertia, 1e-9 * inertia);
}

INSTANTIATE_TEST_SUITE_P(Shapes, LloydMatchesNaive,
                         ::testing::Combine(::testing::Values(1, 2, 16, 40),
                                            ::testing::Values(1, 3, 8, 21)));

// Hamerly's bounds must not change a single label or iteration: same centers, bit for bit.
template <class T>
void check_bounds_change_nothing(std::size_t d, std::size_t k, double spread, double offset) {
  SCOPED_TRACE("d=" + std::to_string(d) + " k=" + std::to_string(k) +
               " spread=" + std::to_string(spread) + " offset=" + std::to_string(offset) +
               (sizeof(T) == 4 ? " f32" : " f64"));
  const std::size_t n = 6000;
  const auto X = random_blobs<T>(n, d, k, spread, offset, 17);
  std::vector<T> w(n);
  for (std::size_t i = 0; i < n; ++i) w[i] = T(1 + i % 3);
  const auto init = first_rows(X, d, k);
  KMeansParams p;
  p.n_clusters = k;
  p.init = KMeansInit::kExplicit;
  p.tol = 0;
  p.max_iter = 60;
  p.algorithm = KMeansAlgorithm::kLloyd;
  const auto lloyd = fit_kmeans(view(X, d), p, w.data(), init.data());
  p.algorithm = KMeansAlgorithm::kHamerly;
  const auto hamerly = fit_kmeans(view(X, d), p, w.data(), init.data());
  // kAuto switches bounds off and on again as they stop or start paying: still Lloyd's result.
  p.algorithm = KMeansAlgorithm::kAuto;
  const auto automatic = fit_kmeans(view(X, d), p, w.data(), init.data());
  EXPECT_EQ(automatic.labels, lloyd.labels);
  EXPECT_EQ(automatic.model.centers, lloyd.model.centers);
  EXPECT_GT(lloyd.model.n_iter, 3);
  EXPECT_EQ(hamerly.model.n_iter, lloyd.model.n_iter);
  EXPECT_EQ(hamerly.labels, lloyd.labels);
  EXPECT_EQ(hamerly.model.centers, lloyd.model.centers);
  EXPECT_EQ(hamerly.model.inertia, lloyd.model.inertia);
}

TEST(KMeans, HamerlyBoundsGiveLloydsResultExactly) {
  for (std::size_t d : {2, 16, 64}) {
    for (std::size_t k : {8, 40}) {
      for (double offset : {0.0, 1000.0}) {
        check_bounds_change_nothing<double>(d, k, 4.0 * std::sqrt(double(d)), offset);
        check_bounds_change_nothing<float>(d, k, 4.0 * std::sqrt(double(d)), offset);
      }
    }
  }
  // Structureless data: bounds prove little, kAuto drops them and retries later.
  check_bounds_change_nothing<double>(64, 40, 400.0, 0.0);
  check_bounds_change_nothing<float>(64, 40, 400.0, 0.0);
}

TEST(KMeans, HamerlyHandlesEmptyClusters) {
  // Centers far from all data: empty clusters are relocated, moving centers a long way.
  const std::size_t d = 16, k = 12, n = 3000;
  const auto X = random_blobs<double>(n, d, 4, 1.0, 0.0, 21);
  std::vector<double> init = first_rows(X, d, k);
  for (std::size_t j = 0; j < 6 * d; ++j) init[j] += 1e3;
  KMeansParams p;
  p.n_clusters = k;
  p.init = KMeansInit::kExplicit;
  p.algorithm = KMeansAlgorithm::kLloyd;
  const auto lloyd = fit_kmeans(view(X, d), p, nullptr, init.data());
  p.algorithm = KMeansAlgorithm::kHamerly;
  const auto hamerly = fit_kmeans(view(X, d), p, nullptr, init.data());
  EXPECT_EQ(hamerly.labels, lloyd.labels);
  EXPECT_EQ(hamerly.model.centers, lloyd.model.centers);
  EXPECT_EQ(std::set<std::int32_t>(hamerly.labels.begin(), hamerly.labels.end()).size(), k);
}

TEST(KMeans, ToleranceIsRelativeToMeanVariance) {
  const std::size_t d = 2, k = 4;
  const auto X = random_blobs<double>(3000, d, k, 4.0, 0.0, 1);
  const auto init = first_rows(X, d, k);
  KMeansParams p;
  p.n_clusters = k;
  p.init = KMeansInit::kExplicit;
  p.tol = 1e-2;
  const auto fit = fit_kmeans(view(X, d), p, nullptr, init.data());
  double mean_var = 0;
  for (std::size_t j = 0; j < d; ++j) {
    double m = 0, v = 0;
    for (std::size_t i = 0; i < 3000; ++i) m += X[i * d + j];
    m /= 3000;
    for (std::size_t i = 0; i < 3000; ++i) v += (X[i * d + j] - m) * (X[i * d + j] - m);
    mean_var += v / 3000;
  }
  const auto ref = naive_lloyd(X, 3000, d, init, 300, 1e-2 * mean_var / d);
  EXPECT_EQ(fit.model.n_iter, ref.n_iter);
  EXPECT_EQ(fit.labels, ref.labels);
}

TEST(KMeans, Float32MatchesFloat64OnWellSeparatedData) {
  const std::size_t d = 8, k = 5, n = 5000;
  const auto X64 = random_blobs<double>(n, d, k, 0.5, 0.0, 3);
  std::vector<float> X32(X64.begin(), X64.end());
  KMeansParams p;
  p.n_clusters = k;
  p.init = KMeansInit::kExplicit;
  const auto init = first_rows(X32, d, k);
  const auto a = fit_kmeans(view(X64, d), p, nullptr, init.data());
  const auto b = fit_kmeans(view(X32, d), p, nullptr, init.data());
  EXPECT_EQ(a.labels, b.labels);
  for (std::size_t i = 0; i < k * d; ++i) EXPECT_NEAR(a.model.centers[i], b.model.centers[i], 1e-5);
}

TEST(KMeans, ResultsDoNotDependOnThreadCount) {
  const std::size_t d = 16, k = 16, n = 20000;
  const auto X = random_blobs<float>(n, d, k, 2.0, 0.0, 9);
  KMeansParams p;
  p.n_clusters = k;
  p.random_state = 5;
  p.n_threads = 1;
  const auto one = fit_kmeans(view(X, d), p);
  p.n_threads = 2;
  const auto two = fit_kmeans(view(X, d), p);
  p.n_threads = 3;
  const auto three = fit_kmeans(view(X, d), p);
  EXPECT_EQ(one.labels, two.labels);
  EXPECT_EQ(one.labels, three.labels);
  EXPECT_EQ(one.model.n_iter, two.model.n_iter);
  for (std::size_t i = 0; i < k * d; ++i) {
    EXPECT_NEAR(one.model.centers[i], two.model.centers[i],
                1e-12 * (1 + std::abs(one.model.centers[i])));
    EXPECT_NEAR(one.model.centers[i], three.model.centers[i],
                1e-12 * (1 + std::abs(one.model.centers[i])));
  }
}

TEST(KMeans, SameSeedSameResultOtherSeedOtherInit) {
  const auto X = random_blobs<double>(3000, 3, 6, 1.0, 0.0, 2);
  KMeansParams p;
  p.n_clusters = 6;
  p.random_state = 123;
  const auto a = fit_kmeans(view(X, 3), p);
  const auto b = fit_kmeans(view(X, 3), p);
  EXPECT_EQ(a.model.centers, b.model.centers);
  EXPECT_EQ(a.labels, b.labels);
  for (KMeansInit init : {KMeansInit::kKMeansPlusPlus, KMeansInit::kRandom}) {
    p.init = init;
    p.max_iter = 1;
    p.random_state = 1;
    const auto c = fit_kmeans(view(X, 3), p);
    p.random_state = 2;
    const auto e = fit_kmeans(view(X, 3), p);
    EXPECT_NE(c.model.centers, e.model.centers);
  }
}

TEST(KMeans, KMeansPlusPlusFindsSeparatedBlobs) {
  // 10 tight, far-apart blobs: k-means++ with a few inits must find all of them.
  const std::size_t d = 2, k = 10, n = 5000;
  const auto X = random_blobs<double>(n, d, k, 0.01, 0.0, 4);
  KMeansParams p;
  p.n_clusters = k;
  p.n_init = 3;
  const auto fit = fit_kmeans(view(X, d), p);
  std::set<std::int32_t> per_blob[10];
  for (std::size_t i = 0; i < n; ++i) per_blob[i % k].insert(fit.labels[i]);
  std::set<std::int32_t> used;
  for (auto& s : per_blob) {
    EXPECT_EQ(s.size(), 1u);
    used.insert(*s.begin());
  }
  EXPECT_EQ(used.size(), k);
  EXPECT_LT(fit.model.inertia, double(n) * 0.01 * 0.01 * 2 * 2);
}

TEST(KMeans, ProgressReportsEveryIterationWithItsInertia) {
  const std::size_t d = 64, k = 40;
  const auto X = random_blobs<double>(4000, d, k, 32.0, 0.0, 5);
  const auto init = first_rows(X, d, k);
  KMeansParams p;
  p.n_clusters = k;
  p.init = KMeansInit::kExplicit;
  p.tol = 0;
  p.max_iter = 8;
  std::vector<double> reported;
  p.on_iteration = [&](int run, int iteration, double inertia) {
    EXPECT_EQ(run, 0);
    EXPECT_EQ(iteration, static_cast<int>(reported.size()) + 1);
    reported.push_back(inertia);
  };
  const auto fit = fit_kmeans(view(X, d), p, nullptr, init.data());  // kAuto: full passes
  ASSERT_EQ(reported.size(), static_cast<std::size_t>(fit.model.n_iter));
  for (double inertia : reported) EXPECT_TRUE(std::isfinite(inertia) && inertia > 0);
  // Lloyd never increases the inertia from one step to the next.
  for (std::size_t i = 1; i < reported.size(); ++i)
    EXPECT_LE(reported[i], reported[i - 1] * (1 + 1e-12));
  reported.clear();
  p.algorithm = KMeansAlgorithm::kHamerly;
  fit_kmeans(view(X, d), p, nullptr, init.data());
  ASSERT_FALSE(reported.empty());
  for (double inertia : reported) EXPECT_TRUE(std::isnan(inertia));
}

TEST(KMeans, NInitKeepsTheBestRun) {
  const auto X = random_blobs<double>(2000, 2, 8, 2.0, 0.0, 6);
  KMeansParams p;
  p.n_clusters = 8;
  p.init = KMeansInit::kRandom;
  p.random_state = 3;
  std::vector<double> inertias;
  p.on_iteration = [&](int run, int, double) {
    if (static_cast<std::size_t>(run) >= inertias.size()) inertias.push_back(0);
  };
  p.n_init = 5;
  const auto best = fit_kmeans(view(X, 2), p);
  EXPECT_EQ(inertias.size(), 5u);
  // Each single run with the same generator stream is no better than the kept one.
  KMeansParams single = p;
  single.n_init = 1;
  single.on_iteration = nullptr;
  const auto first_only = fit_kmeans(view(X, 2), single);
  EXPECT_LE(best.model.inertia, first_only.model.inertia);
}

TEST(KMeans, EmptyClusterIsRelocatedToTheFarthestPoint) {
  // Center 2 is far from every row: it gets no rows in the first step and must be relocated.
  const std::vector<double> X = {0, 0, 0.1, 0, 0, 0.1, 10, 10, 10.1, 10, 30, 30};
  const std::vector<double> init = {0, 0, 10, 10, -1000, -1000};
  KMeansParams p;
  p.n_clusters = 3;
  p.init = KMeansInit::kExplicit;
  const auto fit = fit_kmeans(view(X, 2), p, nullptr, init.data());
  EXPECT_EQ(fit.labels[5], 2);  // (30, 30), the farthest row, now has a cluster of its own
  EXPECT_DOUBLE_EQ(fit.model.centers[4], 30);
  EXPECT_DOUBLE_EQ(fit.model.centers[5], 30);
  std::set<std::int32_t> used(fit.labels.begin(), fit.labels.end());
  EXPECT_EQ(used.size(), 3u);
}

TEST(KMeans, IntegerWeightsEqualRepeatedRows) {
  const std::size_t d = 3, k = 4;
  const auto base = random_blobs<double>(400, d, k, 2.0, 0.0, 8);
  std::vector<double> weights(400), repeated;
  for (std::size_t i = 0; i < 400; ++i) {
    weights[i] = double(i % 3);
    for (std::size_t r = 0; r < i % 3; ++r)
      repeated.insert(repeated.end(), base.begin() + std::ptrdiff_t(i * d),
                      base.begin() + std::ptrdiff_t((i + 1) * d));
  }
  const std::vector<double> init = {base[3], base[4],  base[5],  base[6],  base[7],  base[8],
                                    base[9], base[10], base[11], base[12], base[13], base[14]};
  KMeansParams p;
  p.n_clusters = k;
  p.init = KMeansInit::kExplicit;
  p.tol = 0;
  const auto a = fit_kmeans(view(base, d), p, weights.data(), init.data());
  const auto b = fit_kmeans(view(repeated, d), p, nullptr, init.data());
  EXPECT_EQ(a.model.n_iter, b.model.n_iter);
  EXPECT_NEAR(a.model.inertia, b.model.inertia, 1e-9 * b.model.inertia);
  for (std::size_t i = 0; i < k * d; ++i)
    EXPECT_NEAR(a.model.centers[i], b.model.centers[i], 1e-10);
}

TEST(KMeans, PredictTransformInertiaAgreeWithFit) {
  const std::size_t d = 20, k = 7, n = 3000;
  const auto X = random_blobs<double>(n, d, k, 1.5, 100.0, 10);
  KMeansParams p;
  p.n_clusters = k;
  const auto fit = fit_kmeans(view(X, d), p);
  std::vector<std::int32_t> labels(n);
  kmeans_predict(fit.model, view(X, d), labels.data());
  EXPECT_EQ(labels, fit.labels);
  EXPECT_NEAR(kmeans_inertia(fit.model, view(X, d)), fit.model.inertia, 1e-12 * fit.model.inertia);
  std::vector<double> dist(n * k);
  kmeans_transform(fit.model, view(X, d), dist.data());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < k; ++c) {
      double s = 0;
      for (std::size_t j = 0; j < d; ++j) {
        const double diff = X[i * d + j] - fit.model.centers[c * d + j];
        s += diff * diff;
      }
      ASSERT_NEAR(dist[i * k + c], std::sqrt(s), 1e-7 * (1 + std::sqrt(s)));
    }
  }
}

TEST(KMeans, LloydStatsOfChunksMergeToTheWhole) {
  const std::size_t d = 5, k = 6, n = 10007;
  const auto X = random_blobs<double>(n, d, k, 1.0, 0.0, 12);
  const auto centers = first_rows(X, d, k);
  const MatrixView<double> C{centers.data(), k, d};
  const LloydStats whole = kmeans_lloyd_stats(view(X, d), nullptr, C);
  LloydStats merged(k, d);
  for (std::size_t r0 : {0u, 17u, 5000u}) {
    const std::size_t r1 = r0 == 0 ? 17 : r0 == 17 ? 5000 : n;
    merged.merge(kmeans_lloyd_stats(view(X, d).slice_rows(r0, r1), nullptr, C));
  }
  for (std::size_t i = 0; i < k * d; ++i) EXPECT_NEAR(merged.sums[i], whole.sums[i], 1e-9);
  EXPECT_EQ(merged.weights, whole.weights);
  EXPECT_NEAR(merged.inertia, whole.inertia, 1e-9 * whole.inertia);
  EXPECT_THROW(merged.merge(LloydStats(k + 1, d)), Error);
}

// ---- bad input: every entry point reports what was wrong and what was expected --------------

struct BadFit {
  const char* name;
  std::size_t n, d, k;
  double poison;  // value written at row 1, col 0 (0 = none)
  double weight;  // weight of row 0 (1 = default)
  int n_init, max_iter;
  double tol;
  const char* message;
};

class FitRejects : public ::testing::TestWithParam<BadFit> {};

TEST_P(FitRejects, WithAClearMessage) {
  const BadFit& c = GetParam();
  std::vector<double> X(c.n * c.d, 1.0);
  for (std::size_t i = 0; i < X.size(); ++i) X[i] = double(i % 7);
  if (c.poison != 0 && c.n > 1 && c.d > 0) X[c.d] = c.poison;
  std::vector<double> w(c.n, 1.0);
  if (c.n > 0) w[0] = c.weight;
  KMeansParams p;
  p.n_clusters = c.k;
  p.n_init = c.n_init;
  p.max_iter = c.max_iter;
  p.tol = c.tol;
  try {
    fit_kmeans(MatrixView<double>{X.data(), c.n, c.d}, p, w.data());
    FAIL() << c.name << ": expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
        << c.name << ": '" << e.what() << "' lacks '" << c.message << "'";
  }
}

const double kNaN = std::nan("");
const double kInf = INFINITY;
INSTANTIATE_TEST_SUITE_P(
    Table, FitRejects,
    ::testing::Values(
        BadFit{"k_gt_n", 5, 2, 6, 0, 1, 1, 300, 1e-4, "n_samples=5 should be >= n_clusters=6"},
        BadFit{"no_rows", 0, 2, 1, 0, 1, 1, 300, 1e-4, "X has 0 rows"},
        BadFit{"no_cols", 5, 0, 1, 0, 1, 1, 300, 1e-4, "X has 0 columns"},
        BadFit{"nan", 5, 2, 2, kNaN, 1, 1, 300, 1e-4, "non-finite value (nan) at row 1, column 0"},
        BadFit{"inf", 5, 2, 2, kInf, 1, 1, 300, 1e-4, "non-finite value (inf) at row 1, column 0"},
        BadFit{"k_zero", 5, 2, 0, 0, 1, 1, 300, 1e-4, "n_clusters must be >= 1"},
        BadFit{"neg_weight", 5, 2, 2, 0, -1, 1, 300, 1e-4, "sample_weight[0] = -1"},
        BadFit{"nan_weight", 5, 2, 2, 0, kNaN, 1, 300, 1e-4, "sample weights must be finite"},
        BadFit{"n_init_0", 5, 2, 2, 0, 1, 0, 300, 1e-4, "n_init must be >= 1"},
        BadFit{"max_iter_0", 5, 2, 2, 0, 1, 1, 0, 1e-4, "max_iter must be >= 1"},
        BadFit{"tol_neg", 5, 2, 2, 0, 1, 1, 300, -1, "tol must be a finite number >= 0"},
        BadFit{"tol_nan", 5, 2, 2, 0, 1, 1, 300, kNaN, "tol must be a finite number >= 0"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(KMeans, RejectsAllZeroWeightsAndBadInitialCenters) {
  const std::vector<double> X = {0, 0, 1, 1, 2, 2};
  const std::vector<double> zeros(3, 0.0);
  KMeansParams p;
  p.n_clusters = 2;
  EXPECT_THROW(fit_kmeans(view(X, 2), p, zeros.data()), Error);
  p.init = KMeansInit::kExplicit;
  EXPECT_THROW(fit_kmeans(view(X, 2), p), Error);  // explicit without centers
  const std::vector<double> bad = {0, 0, kNaN, 1};
  try {
    fit_kmeans(view(X, 2), p, nullptr, bad.data());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("initial centers contains a non-finite value"),
              std::string::npos);
  }
}

TEST(KMeans, PredictRejectsWrongFeatureCountAndUnfittedModels) {
  const std::vector<double> X = {0, 0, 1, 1, 2, 2, 3, 3};
  KMeansParams p;
  p.n_clusters = 2;
  const auto fit = fit_kmeans(view(X, 2), p);
  std::vector<std::int32_t> labels(4);
  try {
    kmeans_predict(fit.model, MatrixView<double>{X.data(), 2, 4}, labels.data());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("X has 4 features, but the model expects 2"),
              std::string::npos);
  }
  EXPECT_THROW(kmeans_predict(KMeansModel{}, view(X, 2), labels.data()), Error);
}

}  // namespace
}  // namespace pith
