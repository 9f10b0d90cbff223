// pith/matrix.h: the finiteness check and column moments every fit relies on.
#include "pith/matrix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "expect_invalid_argument.h"

namespace pith {
namespace {

// The textbook two-pass computation in long double, row by row.
template <class T>
ColumnMoments reference_moments(const std::vector<T>& data, std::size_t rows, std::size_t cols) {
  ColumnMoments out;
  out.rows = rows;
  out.mean.assign(cols, 0.0);
  out.m2.assign(cols, 0.0);
  for (std::size_t j = 0; j < cols; ++j) {
    long double sum = 0;
    for (std::size_t i = 0; i < rows; ++i) sum += data[i * cols + j];
    const long double mean = sum / rows;
    long double m2 = 0;
    for (std::size_t i = 0; i < rows; ++i) {
      const long double v = data[i * cols + j] - mean;
      m2 += v * v;
    }
    out.mean[j] = double(mean);
    out.m2[j] = double(m2);
  }
  return out;
}

template <class T>
std::vector<T> random_matrix(std::size_t rows, std::size_t cols, double offset, double scale,
                             unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<T> data(rows * cols);
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = T(offset * double(i % cols + 1) + scale * normal(rng));
  }
  return data;
}

struct MomentsCase {
  std::size_t rows, cols;
  double offset, scale;  // data far from the origin relative to their spread stress accuracy
};

class ColumnMomentsTest : public ::testing::TestWithParam<MomentsCase> {};

TEST_P(ColumnMomentsTest, MatchesTwoPassReferenceForEveryThreadCount) {
  const MomentsCase c = GetParam();
  const auto data = random_matrix<double>(c.rows, c.cols, c.offset, c.scale, 7);
  const ColumnMoments expected = reference_moments(data, c.rows, c.cols);
  for (int threads : {1, 2, 3}) {
    const ColumnMoments got =
        column_moments(MatrixView<double>{data.data(), c.rows, c.cols}, threads);
    ASSERT_EQ(got.rows, c.rows);
    ASSERT_EQ(got.mean.size(), c.cols);
    for (std::size_t j = 0; j < c.cols; ++j) {
      EXPECT_NEAR(got.mean[j], expected.mean[j], 1e-12 * std::abs(expected.mean[j]) + 1e-14)
          << "column " << j << ", " << threads << " threads";
      EXPECT_NEAR(got.m2[j], expected.m2[j], 1e-9 * expected.m2[j])
          << "column " << j << ", " << threads << " threads";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ColumnMomentsTest,
                         ::testing::Values(MomentsCase{1, 1, 0, 1}, MomentsCase{7, 3, 0, 1},
                                           MomentsCase{5000, 16, 0, 1},
                                           MomentsCase{20011, 5, 1e6, 1e-2},  // far from 0
                                           MomentsCase{3001, 70, -3, 100}));

TEST(ColumnMoments, SingleRowHasZeroDeviationAndFloat32IsReadExactly) {
  const std::vector<float> one = {1.5f, -2.25f, 1e30f};
  const ColumnMoments m = column_moments(MatrixView<float>{one.data(), 1, 3});
  EXPECT_EQ(m.mean, (std::vector<double>{1.5, -2.25, double(1e30f)}));
  EXPECT_EQ(m.m2, (std::vector<double>{0, 0, 0}));
  const auto data = random_matrix<float>(4099, 9, 10, 3, 3);
  const ColumnMoments expected = reference_moments(data, 4099, 9);
  const ColumnMoments got = column_moments(MatrixView<float>{data.data(), 4099, 9}, 2);
  for (std::size_t j = 0; j < 9; ++j) EXPECT_NEAR(got.m2[j], expected.m2[j], 1e-9 * expected.m2[j]);
}

TEST(ColumnMoments, SameResultWhateverTheCallOrderAndNoRows) {
  const auto data = random_matrix<double>(10000, 4, 1, 1, 11);
  const MatrixView<double> X{data.data(), 10000, 4};
  const ColumnMoments a = column_moments(X, 2), b = column_moments(X, 2);
  EXPECT_EQ(a.mean, b.mean);  // deterministic for a thread count
  EXPECT_EQ(a.m2, b.m2);
  const ColumnMoments none = column_moments(MatrixView<double>{data.data(), 0, 4});
  EXPECT_EQ(none.rows, 0u);
  EXPECT_TRUE(none.mean.empty());
}

TEST(ColumnMoments, NonFiniteValuesMakeTheirColumnNonFinite) {
  auto data = random_matrix<double>(9000, 3, 0, 1, 5);
  data[4321 * 3 + 1] = std::numeric_limits<double>::quiet_NaN();
  data[17 * 3 + 2] = std::numeric_limits<double>::infinity();
  const ColumnMoments m = column_moments(MatrixView<double>{data.data(), 9000, 3}, 2);
  EXPECT_TRUE(std::isfinite(m.m2[0]));
  EXPECT_TRUE(std::isnan(m.m2[1]));
  EXPECT_FALSE(std::isfinite(m.m2[2]));
}

TEST(CheckFiniteMatrix, NamesTheFirstBadRowAndColumn) {
  std::vector<float> data(12, 1.0f);
  data[7] = -std::numeric_limits<float>::infinity();
  test::expect_invalid_argument(
      [&] {
        check_finite_matrix(MatrixView<float>{data.data(), 4, 3}, "X");
      },
      "at row 2, column 1");
  test::expect_invalid_argument(
      [&] {
        check_finite_matrix(MatrixView<float>{data.data(), 0, 3}, "X");
      },
      "0 rows");
}

}  // namespace
}  // namespace pith
