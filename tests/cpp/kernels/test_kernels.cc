// The SIMD kernels of every instruction set this CPU runs, against the naive computation:
// labels equal exactly, distances within a stated bound, near-ties resolved like the naive loop.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <tuple>

#include "../kmeans_reference.h"
#include "kernels/kernels.h"

namespace pith::kernels {
namespace {

using testing::naive_label;
using testing::random_blobs;

template <class T>
std::vector<double> pick_centers(const std::vector<T>& X, std::size_t d, std::size_t k,
                                 std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<double> c(k * d);
  const std::size_t n = X.size() / d;
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t r = gen() % n;
    // A small perturbation keeps centers off the data rows (no exact zero distances).
    for (std::size_t j = 0; j < d; ++j) c[i * d + j] = double(X[r * d + j]) + 0.01 * double(i % 7);
  }
  return c;
}

template <class T>
void check_assign(const KernelTable& table, std::size_t n, std::size_t d, std::size_t k,
                  ScoreMode mode, double offset) {
  SCOPED_TRACE(std::string(table.isa) + " n=" + std::to_string(n) + " d=" + std::to_string(d) +
               " k=" + std::to_string(k) + " mode " + std::to_string(int(mode)) +
               " offset=" + std::to_string(offset) + (sizeof(T) == 4 ? " f32" : " f64"));
  const auto X = random_blobs<T>(n, d, std::max<std::size_t>(k / 2, 1), 1.0, offset, 7);
  const auto centers = pick_centers(X, d, k, 11);
  const auto packed = pack_centers<T>(MatrixView<double>{centers.data(), k, d}, mode);
  std::vector<std::int32_t> labels(n, -1);
  std::vector<double> sums(k * d, 0.0), weights(k, 0.0);
  AssignTask<T> task;
  task.X = X.data();
  task.rows = n;
  task.labels = labels.data();
  task.sums = sums.data();
  task.cluster_weights = weights.data();
  table.assign<T>()(packed.view(), task);
  EXPECT_EQ(task.n_changed, n);

  std::vector<double> ref_sums(k * d, 0.0), ref_weights(k, 0.0);
  double ref_inertia = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t l = naive_label(&X[i * d], centers.data(), k, d);
    ASSERT_EQ(labels[i], l) << "row " << i;
    ref_weights[l] += 1;
    for (std::size_t j = 0; j < d; ++j) {
      const double diff = double(X[i * d + j]) - double(static_cast<T>(centers[l * d + j]));
      ref_inertia += diff * diff;
      ref_sums[l * d + j] += double(X[i * d + j]);
    }
  }
  for (std::size_t c = 0; c < k; ++c) EXPECT_EQ(weights[c], ref_weights[c]);
  for (std::size_t i = 0; i < k * d; ++i) {
    EXPECT_NEAR(sums[i], ref_sums[i], 1e-9 * (std::abs(ref_sums[i]) + 1.0));
  }
  // Per-row distances are computed in T (the naive order), summed in float64.
  const double tol = sizeof(T) == 4 ? 1e-5 : 1e-12;
  EXPECT_NEAR(task.inertia, ref_inertia, tol * ref_inertia);
}

class AssignAllIsas
    : public ::testing::TestWithParam<std::tuple<std::size_t, std::size_t, ScoreMode>> {};

TEST_P(AssignAllIsas, LabelsEqualNaiveArgmin) {
  const auto [d, k, mode] = GetParam();
  for (const KernelTable* table : supported_kernels()) {
    for (double offset : {0.0, 1e4}) {
      check_assign<double>(*table, 1003, d, k, mode, offset);
      check_assign<float>(*table, 1003, d, k, mode, offset);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, AssignAllIsas,
                         ::testing::Combine(::testing::Values(1, 2, 3, 7, 16, 33, 64),
                                            ::testing::Values(1, 3, 4, 5, 17, 64),
                                            ::testing::Values(ScoreMode::kDirect, ScoreMode::kDot,
                                                              ScoreMode::kDotF32)));

// Rows exactly halfway between two centers, far from the origin: the dot form cannot separate
// them, so they must be re-scored and land on the lower index like the naive loop.
TEST(AssignNearTies, ExactTiesGoToTheLowerIndexInEveryIsa) {
  const std::size_t d = 16, k = 8, n = 257;
  std::vector<double> centers(k * d);
  for (std::size_t c = 0; c < k; ++c)
    for (std::size_t j = 0; j < d; ++j) centers[c * d + j] = 1e6 + double(c) * 2.0 + double(j);
  std::vector<double> X(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = i % (k - 1);
    for (std::size_t j = 0; j < d; ++j) X[i * d + j] = 1e6 + double(c) * 2.0 + 1.0 + double(j);
  }
  for (const KernelTable* table : supported_kernels()) {
    for (ScoreMode mode : {ScoreMode::kDot, ScoreMode::kDotF32}) {
      SCOPED_TRACE(std::string(table->isa) + " mode " + std::to_string(int(mode)));
      const auto packed = pack_centers<double>(MatrixView<double>{centers.data(), k, d}, mode);
      std::vector<std::int32_t> labels(n, -1);
      AssignTask<double> task;
      task.X = X.data();
      task.rows = n;
      task.labels = labels.data();
      table->assign<double>()(packed.view(), task);
      EXPECT_EQ(task.n_rescored, n);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(labels[i], naive_label(&X[i * d], centers.data(), k, d));
        ASSERT_EQ(labels[i], static_cast<std::int32_t>(i % (k - 1)));
      }
    }
  }
}

// kDotF32 scores float64 rows in float32: rows whose two closest centers differ by less than
// float32 can resolve (but far more than float64 can) must still get float64's naive label, and
// the Lloyd sums and inertia stay float64's. Centers 1e-5 apart relative to the data's scale.
TEST(AssignNearTies, Float32ScoringOfFloat64RowsKeepsFloat64Labels) {
  const std::size_t d = 24, k = 40, n = 2000;
  std::mt19937_64 gen(3);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> centers(k * d), X(n * d);
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t j = 0; j < d; ++j) {
      // Pairs of centers (2m, 2m+1) a hair apart: every row near one is near both.
      centers[c * d + j] =
          c % 2 == 0 ? 100.0 * normal(gen) : centers[(c - 1) * d + j] + 1e-5 * normal(gen);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = 2 * (i % (k / 2));
    for (std::size_t j = 0; j < d; ++j) X[i * d + j] = centers[c * d + j] + 1e-3 * normal(gen);
  }
  for (const KernelTable* table : supported_kernels()) {
    SCOPED_TRACE(table->isa);
    const auto packed =
        pack_centers<double>(MatrixView<double>{centers.data(), k, d}, ScoreMode::kDotF32);
    ASSERT_EQ(packed.mode, ScoreMode::kDotF32);
    std::vector<std::int32_t> labels(n, -1);
    std::vector<double> sums(k * d, 0.0), weights(k, 0.0);
    AssignTask<double> task;
    task.X = X.data();
    task.rows = n;
    task.labels = labels.data();
    task.sums = sums.data();
    task.cluster_weights = weights.data();
    table->assign<double>()(packed.view(), task);
    EXPECT_GT(task.n_rescored, n / 2);  // float32 cannot tell the pairs apart
    double ref_inertia = 0;
    std::size_t second_of_pair = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int32_t l = naive_label(&X[i * d], centers.data(), k, d);
      ASSERT_EQ(labels[i], l) << "row " << i;
      second_of_pair += l % 2;
      for (std::size_t j = 0; j < d; ++j) {
        const double diff = X[i * d + j] - centers[std::size_t(l) * d + j];
        ref_inertia += diff * diff;
      }
    }
    EXPECT_GT(second_of_pair, n / 10);  // both members of the pairs win rows
    EXPECT_NEAR(task.inertia, ref_inertia, 1e-12 * ref_inertia);
  }
}

template <class T>
void check_sq_distances(const KernelTable& table, std::size_t d, std::size_t k, ScoreMode mode) {
  SCOPED_TRACE(std::string(table.isa) + " d=" + std::to_string(d) + " k=" + std::to_string(k));
  const std::size_t n = 301;
  const auto X = random_blobs<T>(n, d, 3, 1.0, 0.0, 5);
  const auto centers = pick_centers(X, d, k, 3);
  const auto packed = pack_centers<T>(MatrixView<double>{centers.data(), k, d}, mode);
  std::vector<T> out(n * k);
  table.sq_distances<T>()(packed.view(), X.data(), n, out.data());
  // The dot form loses relative accuracy on small distances (cancellation); the bound is
  // relative to ||x - shift||^2 + ||c - shift||^2, like scikit-learn's euclidean_distances.
  const double eps = sizeof(T) == 4 ? 1e-6 : 1e-14;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < k; ++c) {
      double ref = 0, scale = 0;
      for (std::size_t j = 0; j < d; ++j) {
        const double diff = double(X[i * d + j]) - double(static_cast<T>(centers[c * d + j]));
        ref += diff * diff;
        scale +=
            double(X[i * d + j]) * double(X[i * d + j]) + centers[c * d + j] * centers[c * d + j];
      }
      const double tol = packed.distance_mode == ScoreMode::kDot ? 8 * double(d) * eps * scale
                                                                 : 4 * double(d) * eps * ref;
      ASSERT_NEAR(double(out[i * k + c]), ref, tol) << "row " << i << " center " << c;
    }
  }
}

TEST(SqDistances, MatchNaiveInEveryIsa) {
  for (const KernelTable* table : supported_kernels()) {
    for (std::size_t d : {1, 2, 5, 16, 40}) {
      for (std::size_t k : {1, 3, 9}) {
        for (ScoreMode mode : {ScoreMode::kDirect, ScoreMode::kDot, ScoreMode::kDotF32}) {
          check_sq_distances<double>(*table, d, k, mode);
          check_sq_distances<float>(*table, d, k, mode);
        }
      }
    }
  }
}

TEST(Dispatch, SelectsTheWidestSupportedIsaByDefault) {
  const auto tables = supported_kernels();
  ASSERT_FALSE(tables.empty());
  EXPECT_STREQ(tables.front()->isa, "generic");
  if (std::getenv("PITH_ISA") == nullptr) {
    EXPECT_STREQ(kernels().isa, tables.back()->isa);
  }
}

}  // namespace
}  // namespace pith::kernels
