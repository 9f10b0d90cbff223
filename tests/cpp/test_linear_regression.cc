// Least squares and ridge: exact recovery, the closed form, minimum-norm solutions of rank-
// deficient designs, weights, float32 input, prediction, and bad inputs.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "expect_invalid_argument.h"
#include "pith/error.h"
#include "pith/linear.h"

namespace pith {
namespace {

struct Problem {
  std::size_t n, d, t;
  std::vector<double> X, y;  // n x d, n x t
};

// y = X B + c (+ noise), with features far from the origin so centring matters.
Problem make_problem(std::size_t n, std::size_t d, std::size_t t, double noise, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Problem p{n, d, t, std::vector<double>(n * d), std::vector<double>(n * t)};
  std::vector<double> B(d * t), c(t);
  for (double& v : B) v = normal(rng);
  for (double& v : c) v = 10 * normal(rng);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < d; ++j)
      p.X[i * d + j] = 50.0 + (1.0 + static_cast<double>(j)) * normal(rng);
    for (std::size_t k = 0; k < t; ++k) {
      double v = c[k] + noise * normal(rng);
      for (std::size_t j = 0; j < d; ++j) v += p.X[i * d + j] * B[j * t + k];
      p.y[i * t + k] = v;
    }
  }
  return p;
}

LinearRegressionModel fit(const Problem& p, double alpha = 0.0, bool intercept = true,
                          const double* weights = nullptr) {
  LinearRegressionParams params;
  params.alpha = alpha;
  params.fit_intercept = intercept;
  return fit_linear_regression(params, MatrixView<double>{p.X.data(), p.n, p.d},
                               MatrixView<double>{p.y.data(), p.n, p.t}, weights);
}

// The closed form on explicitly centred data, in long-hand Eigen.
void closed_form(const Problem& p, double alpha, std::vector<double>& coef,
                 std::vector<double>& intercept) {
  using M = Eigen::MatrixXd;
  M X(p.n, p.d), Y(p.n, p.t);
  for (std::size_t i = 0; i < p.n; ++i) {
    for (std::size_t j = 0; j < p.d; ++j) X(i, j) = p.X[i * p.d + j];
    for (std::size_t k = 0; k < p.t; ++k) Y(i, k) = p.y[i * p.t + k];
  }
  const Eigen::RowVectorXd xm = X.colwise().mean(), ym = Y.colwise().mean();
  const M Xc = X.rowwise() - xm, Yc = Y.rowwise() - ym;
  const M A = Xc.transpose() * Xc + alpha * M::Identity(p.d, p.d);
  const M B = A.colPivHouseholderQr().solve(Xc.transpose() * Yc);
  coef.assign(p.t * p.d, 0);
  intercept.assign(p.t, 0);
  for (std::size_t k = 0; k < p.t; ++k) {
    for (std::size_t j = 0; j < p.d; ++j) coef[k * p.d + j] = B(j, k);
    intercept[k] = ym(k) - (xm * B.col(k))(0);
  }
}

TEST(LinearRegressionFit, RecoversANoiselessModelExactly) {
  const Problem p = make_problem(500, 6, 2, 0.0, 1);
  const LinearRegressionModel m = fit(p);
  EXPECT_EQ(m.rank, 6);
  std::vector<double> predictions(p.n * p.t);
  linear_regression_predict(m, MatrixView<double>{p.X.data(), p.n, p.d}, predictions.data());
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    EXPECT_NEAR(predictions[i], p.y[i], 1e-9 * (1 + std::abs(p.y[i])));
  }
}

TEST(LinearRegressionFit, RidgeAndOlsMatchTheClosedForm) {
  const Problem p = make_problem(2000, 8, 3, 0.5, 2);
  for (const double alpha : {0.0, 0.1, 1000.0}) {
    SCOPED_TRACE(alpha);
    const LinearRegressionModel m = fit(p, alpha);
    std::vector<double> coef, intercept;
    closed_form(p, alpha, coef, intercept);
    for (std::size_t i = 0; i < coef.size(); ++i) {
      EXPECT_NEAR(m.coef[i], coef[i], 1e-10 * (1 + std::abs(coef[i])));
    }
    for (std::size_t k = 0; k < p.t; ++k) {
      EXPECT_NEAR(m.intercept[k], intercept[k], 1e-8 * (1 + std::abs(intercept[k])));
    }
  }
}

TEST(LinearRegressionFit, RankDeficientDesignGivesTheMinimumNormSolution) {
  // Column 3 duplicates column 0: the minimum-norm solution splits their weight equally.
  Problem p = make_problem(400, 3, 1, 0.1, 3);
  Problem dup = p;
  dup.d = 4;
  dup.X.clear();
  for (std::size_t i = 0; i < p.n; ++i) {
    for (std::size_t j = 0; j < 3; ++j) dup.X.push_back(p.X[i * 3 + j]);
    dup.X.push_back(p.X[i * 3]);
  }
  const LinearRegressionModel full = fit(p);
  const LinearRegressionModel m = fit(dup);
  EXPECT_EQ(m.rank, 3);
  EXPECT_NEAR(m.coef[0], full.coef[0] / 2, 1e-9);
  EXPECT_NEAR(m.coef[3], full.coef[0] / 2, 1e-9);
  EXPECT_NEAR(m.coef[1], full.coef[1], 1e-9);
  EXPECT_NEAR(m.intercept[0], full.intercept[0], 1e-7);
}

TEST(LinearRegressionFit, ConstantColumnGetsZeroWeight) {
  Problem p = make_problem(100, 3, 1, 0.1, 4);
  for (std::size_t i = 0; i < p.n; ++i) p.X[i * 3 + 1] = 7.0;
  const LinearRegressionModel m = fit(p);
  EXPECT_EQ(m.rank, 2);
  EXPECT_NEAR(m.coef[1], 0.0, 1e-12);
}

TEST(LinearRegressionFit, MoreFeaturesThanRows) {
  const Problem p = make_problem(5, 12, 1, 0.0, 5);
  const LinearRegressionModel m = fit(p);
  EXPECT_EQ(m.rank, 4);  // 5 centred rows span 4 dimensions
  std::vector<double> predictions(p.n);
  linear_regression_predict(m, MatrixView<double>{p.X.data(), p.n, p.d}, predictions.data());
  for (std::size_t i = 0; i < p.n; ++i) EXPECT_NEAR(predictions[i], p.y[i], 1e-8);
}

TEST(LinearRegressionFit, WeightTwoEqualsADuplicatedRow) {
  const Problem p = make_problem(50, 3, 1, 1.0, 6);
  std::vector<double> weights(p.n, 1.0);
  weights[4] = 2.0;
  Problem dup = p;
  dup.X.insert(dup.X.end(), p.X.begin() + 12, p.X.begin() + 15);
  dup.y.push_back(p.y[4]);
  dup.n += 1;
  for (const double alpha : {0.0, 2.0}) {
    const LinearRegressionModel a = fit(p, alpha, true, weights.data());
    const LinearRegressionModel b = fit(dup, alpha);
    for (std::size_t j = 0; j < 3; ++j) EXPECT_NEAR(a.coef[j], b.coef[j], 1e-10);
    EXPECT_NEAR(a.intercept[0], b.intercept[0], 1e-8);
  }
}

TEST(LinearRegressionFit, WithoutInterceptFitsThroughTheOrigin) {
  const Problem p = make_problem(300, 2, 1, 0.3, 7);
  const LinearRegressionModel m = fit(p, 0.0, false);
  EXPECT_EQ(m.intercept[0], 0.0);
  // Normal equations X'(y - Xb) = 0 hold.
  for (std::size_t j = 0; j < 2; ++j) {
    double g = 0;
    for (std::size_t i = 0; i < p.n; ++i) {
      const double r = p.y[i] - p.X[i * 2] * m.coef[0] - p.X[i * 2 + 1] * m.coef[1];
      g += p.X[i * 2 + j] * r;
    }
    EXPECT_NEAR(g, 0.0, 1e-6);
  }
}

TEST(LinearRegressionFit, Float32InputEqualsItsFloat64Values) {
  const Problem p = make_problem(1000, 4, 1, 0.2, 8);
  std::vector<float> X32(p.X.begin(), p.X.end());
  Problem p64 = p;
  p64.X.assign(X32.begin(), X32.end());
  LinearRegressionParams params;
  const auto a = fit_linear_regression(params, MatrixView<float>{X32.data(), p.n, p.d},
                                       MatrixView<double>{p.y.data(), p.n, 1});
  const auto b = fit(p64);
  for (std::size_t j = 0; j < p.d; ++j) EXPECT_NEAR(a.coef[j], b.coef[j], 1e-12);
  std::vector<float> out(p.n);
  linear_regression_predict(a, MatrixView<float>{X32.data(), p.n, p.d}, out.data());
  EXPECT_NEAR(out[0], static_cast<float>(p.y[0]), 1.0f);
}

TEST(LinearRegressionFit, BadInputsAreRefusedWithAReason) {
  Problem p = make_problem(20, 2, 1, 0.1, 9);
  const auto expect_error = [](auto&& call, const std::string& phrase) {
    test::expect_invalid_argument(call, phrase);
  };
  expect_error([&] { fit(p, -1.0); }, "alpha must be finite and >= 0");
  LinearRegressionParams params;
  expect_error(
      [&] {
        fit_linear_regression(params, MatrixView<double>{p.X.data(), p.n, 2},
                              MatrixView<double>{p.y.data(), p.n - 1, 1});
      },
      "y has 19 rows");
  Problem nan_y = p;
  nan_y.y[3] = std::nan("");
  expect_error([&] { fit(nan_y); }, "y contains a non-finite value");
  std::vector<double> weights(p.n, 0.0);
  expect_error([&] { fit(p, 0.0, true, weights.data()); }, "sum to 0");
  expect_error(
      [&] {
        fit_linear_regression(params, MatrixView<double>{p.X.data(), 0, 2},
                              MatrixView<double>{p.y.data(), 0, 1});
      },
      "at least 1 row");
  LinearRegressionModel m = fit(p);
  std::vector<double> out(p.n);
  try {
    linear_regression_predict(m, MatrixView<double>{p.X.data(), p.n / 2, 4}, out.data());
    ADD_FAILURE() << "predict accepted 4 features";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("X has 4 features, but the model expects 2"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace pith
