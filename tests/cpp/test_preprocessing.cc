// StandardScaler and MinMaxScaler: statistics against direct computation, scikit-learn's rules
// for constant features and NaN, the rounding of float32 transforms, and bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "expect_invalid_argument.h"
#include "pith/error.h"
#include "pith/preprocessing.h"

namespace pith {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(StandardScalerFit, MeanAndPopulationStdPerColumn) {
  // Column 0: 1..5 (mean 3, var 2); column 1 constant; column 2 far from the origin.
  const std::vector<double> X = {1,       4, 1e9 + 1, 2,       4, 1e9 + 2, 3,      4,
                                 1e9 + 3, 4, 4,       1e9 + 4, 5, 4,       1e9 + 5};
  const auto m = fit_standard_scaler(MatrixView<double>{X.data(), 5, 3}, true, true);
  EXPECT_DOUBLE_EQ(m.mean[0], 3.0);
  EXPECT_DOUBLE_EQ(m.scale[0], std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(m.mean[1], 4.0);
  EXPECT_EQ(m.scale[1], 1.0);  // constant: scale 1, as scikit-learn
  EXPECT_DOUBLE_EQ(m.mean[2], 1e9 + 3);
  EXPECT_NEAR(m.scale[2], std::sqrt(2.0), 1e-6);  // two passes: no cancellation
}

TEST(StandardScalerFit, WeightsNanAndFlags) {
  const std::vector<double> X = {1, kNaN, 3, 2, 5, 4};
  const std::vector<double> w = {1, 1, 2};
  const auto m = fit_standard_scaler(MatrixView<double>{X.data(), 3, 2}, true, true, w.data());
  EXPECT_DOUBLE_EQ(m.mean[0], (1 + 3 + 2 * 5) / 4.0);
  EXPECT_DOUBLE_EQ(m.mean[1], (2 + 2 * 4) / 3.0);  // NaN ignored
  const auto no_mean = fit_standard_scaler(MatrixView<double>{X.data(), 3, 2}, false, true);
  EXPECT_EQ(no_mean.mean, (std::vector<double>{0, 0}));
  const auto no_std = fit_standard_scaler(MatrixView<double>{X.data(), 3, 2}, true, false);
  EXPECT_EQ(no_std.scale, (std::vector<double>{1, 1}));
}

TEST(StandardScalerTransform, Float32RoundsLikeScikitLearnsInPlaceSteps) {
  StandardScalerModel m{2, {0.1, -3.3}, {0.7, 3.0}, true, true};
  const std::vector<float> X = {1.1f, 2.2f, -5.5f, 1e7f, std::numeric_limits<float>::quiet_NaN(),
                                0.0f};
  std::vector<float> out(6);
  standard_scaler_transform(m, MatrixView<float>{X.data(), 3, 2}, out.data());
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t j = i % 2;
    // numpy: X -= mean_ (float64 arithmetic, stored as float32), then X /= scale_.
    const auto centred = static_cast<float>(static_cast<double>(X[i]) - m.mean[j]);
    const auto expected = static_cast<float>(static_cast<double>(centred) / m.scale[j]);
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(out[i]));
    } else {
      EXPECT_EQ(out[i], expected) << i;
    }
  }
  // In place is allowed.
  std::vector<float> in_place = X;
  standard_scaler_transform(m, MatrixView<float>{in_place.data(), 3, 2}, in_place.data());
  EXPECT_EQ(in_place[0], out[0]);
}

TEST(MinMaxScaler, FitTransformAndClip) {
  const std::vector<double> X = {0, 10, 5, 10, 10, 10, kNaN, 10};
  const auto m = fit_min_max_scaler(MatrixView<double>{X.data(), 4, 2}, -1, 1, false);
  EXPECT_DOUBLE_EQ(m.scale[0], 0.2);
  EXPECT_DOUBLE_EQ(m.min[0], -1.0);
  EXPECT_DOUBLE_EQ(m.scale[1], 2.0);  // constant column: range counts as 1
  std::vector<double> out(8);
  min_max_scaler_transform(m, MatrixView<double>{X.data(), 4, 2}, out.data());
  EXPECT_DOUBLE_EQ(out[0], -1.0);
  EXPECT_DOUBLE_EQ(out[2], 0.0);
  EXPECT_DOUBLE_EQ(out[4], 1.0);
  EXPECT_TRUE(std::isnan(out[6]));
  MinMaxScalerModel clipped = m;
  clipped.clip = true;
  const std::vector<double> outside = {20, 10};
  std::vector<double> y(2);
  min_max_scaler_transform(clipped, MatrixView<double>{outside.data(), 1, 2}, y.data());
  EXPECT_EQ(y[0], 1.0);
}

TEST(Scalers, BadInputsAreRefusedWithAReason) {
  const auto expect_error = [](auto&& call, const std::string& phrase) {
    test::expect_invalid_argument(call, phrase);
  };
  const std::vector<double> inf = {1, std::numeric_limits<double>::infinity()};
  expect_error(
      [&] {
        fit_standard_scaler(MatrixView<double>{inf.data(), 1, 2}, true, true);
      },
      "infinite value at row 0, column 1");
  const std::vector<double> all_nan = {kNaN, 1, kNaN, 2};
  expect_error(
      [&] {
        fit_min_max_scaler(MatrixView<double>{all_nan.data(), 2, 2}, 0, 1, false);
      },
      "column 0 has no non-NaN value");
  expect_error(
      [&] {
        fit_min_max_scaler(MatrixView<double>{inf.data(), 0, 2}, 0, 1, false);
      },
      "at least 1 row");
  const std::vector<double> ok = {1, 2};
  expect_error(
      [&] {
        fit_min_max_scaler(MatrixView<double>{ok.data(), 1, 2}, 1, 1, false);
      },
      "feature_range");
  StandardScalerModel m{2, {0, 0}, {1, 1}, true, true};
  std::vector<double> out(3);
  expect_error(
      [&] {
        standard_scaler_transform(m, MatrixView<double>{ok.data(), 1, 3}, out.data());
      },
      "X has 3 features, but the scaler expects 2");
}

}  // namespace
}  // namespace pith
