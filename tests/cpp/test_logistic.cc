// Logistic regression: the chunk loss/gradient against a naive reference and finite differences,
// chunk merging, optimality of the fit, prediction consistency and bad inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "expect_invalid_argument.h"
#include "linear_test_data.h"
#include "pith/error.h"
#include "pith/linear.h"

namespace pith {
namespace {

using test::ClassificationData;
using test::make_classification;

// Naive sum_i s_i loss_i for parameters W (K x (d + 1)).
double naive_loss(const ClassificationData& data, const std::vector<double>& W, bool weighted) {
  const std::size_t d = data.d, K = data.n_classes == 2 ? 1 : data.n_classes;
  double total = 0;
  for (std::size_t i = 0; i < data.n; ++i) {
    std::vector<double> z(K);
    for (std::size_t k = 0; k < K; ++k) {
      z[k] = W[k * (d + 1) + d];
      for (std::size_t j = 0; j < d; ++j) z[k] += data.X[i * d + j] * W[k * (d + 1) + j];
    }
    double loss;
    if (K == 1) {
      loss = std::log1p(std::exp(z[0])) - (data.y[i] == 1 ? z[0] : 0.0);
    } else {
      double sum = 0;
      for (const double v : z) sum += std::exp(v);
      loss = std::log(sum) - z[static_cast<std::size_t>(data.y[i])];
    }
    total += (weighted ? data.weights[i] : 1.0) * loss;
  }
  return total;
}

std::vector<double> some_parameters(std::size_t size) {
  std::vector<double> W(size);
  for (std::size_t i = 0; i < size; ++i) W[i] = 0.3 * std::sin(1.7 * static_cast<double>(i) + 0.2);
  return W;
}

class LossGradient : public ::testing::TestWithParam<std::size_t> {};

TEST_P(LossGradient, MatchesTheNaiveLossAndItsFiniteDifferences) {
  const std::size_t n_classes = GetParam();
  const ClassificationData data = make_classification(700, 5, n_classes, 7);
  const std::size_t K = n_classes == 2 ? 1 : n_classes;
  const std::vector<double> W = some_parameters(K * (data.d + 1));
  for (const bool weighted : {false, true}) {
    SCOPED_TRACE(weighted ? "weighted" : "unweighted");
    LogisticLossGradient acc;
    logistic_loss_gradient(MatrixView<double>{data.X.data(), data.n, data.d}, data.y.data(),
                           weighted ? data.weights.data() : nullptr, n_classes, W.data(), acc);
    EXPECT_NEAR(acc.loss, naive_loss(data, W, weighted), 1e-9 * acc.loss);
    ASSERT_EQ(acc.gradient.size(), W.size());
    for (std::size_t p = 0; p < W.size(); ++p) {
      std::vector<double> up = W, down = W;
      const double h = 1e-5;
      up[p] += h;
      down[p] -= h;
      const double numeric =
          (naive_loss(data, up, weighted) - naive_loss(data, down, weighted)) / (2 * h);
      EXPECT_NEAR(acc.gradient[p], numeric, 1e-5 * (1 + std::abs(numeric))) << "parameter " << p;
    }
  }
}

TEST_P(LossGradient, ChunksMergeToTheWhole) {
  const std::size_t n_classes = GetParam();
  const ClassificationData data = make_classification(1001, 4, n_classes, 11);
  const std::size_t K = n_classes == 2 ? 1 : n_classes;
  const std::vector<double> W = some_parameters(K * (data.d + 1));
  LogisticLossGradient whole, merged;
  logistic_loss_gradient(MatrixView<double>{data.X.data(), data.n, data.d}, data.y.data(),
                         data.weights.data(), n_classes, W.data(), whole);
  // Uneven chunks, one of them empty.
  const std::size_t bounds[] = {0, 1, 1, 600, 1001};
  for (std::size_t c = 0; c + 1 < std::size(bounds); ++c) {
    const std::size_t b = bounds[c], e = bounds[c + 1];
    LogisticLossGradient part;
    logistic_loss_gradient(MatrixView<double>{data.X.data() + b * data.d, e - b, data.d},
                           data.y.data() + b, data.weights.data() + b, n_classes, W.data(), part,
                           1);
    merged.merge(part);
  }
  EXPECT_NEAR(merged.loss, whole.loss, 1e-12 * whole.loss);
  for (std::size_t p = 0; p < W.size(); ++p) {
    EXPECT_NEAR(merged.gradient[p], whole.gradient[p], 1e-10 * (1 + std::abs(whole.gradient[p])));
  }
}

INSTANTIATE_TEST_SUITE_P(Classes, LossGradient, ::testing::Values(2u, 3u, 5u));

// The full objective's gradient at a fitted model: (1/S) grad + coef / (C S).
double max_objective_gradient(const ClassificationData& data, const LogisticRegressionFit& fit,
                              double C) {
  const std::size_t d = data.d, K = fit.intercept.size();
  std::vector<double> W(K * (d + 1));
  for (std::size_t k = 0; k < K; ++k) {
    std::copy_n(fit.coef.begin() + static_cast<std::ptrdiff_t>(k * d), d,
                W.begin() + static_cast<std::ptrdiff_t>(k * (d + 1)));
    W[k * (d + 1) + d] = fit.intercept[k];
  }
  LogisticLossGradient acc;
  logistic_loss_gradient(MatrixView<double>{data.X.data(), data.n, d}, data.y.data(), nullptr,
                         data.n_classes, W.data(), acc);
  const double S = static_cast<double>(data.n);
  double worst = 0;
  for (std::size_t p = 0; p < W.size(); ++p) {
    const bool intercept = p % (d + 1) == d;
    worst = std::max(worst, std::abs(acc.gradient[p] / S + (intercept ? 0 : W[p] / (C * S))));
  }
  return worst;
}

TEST(LogisticFit, ReachesTheOptimumAtTightTolerance) {
  for (const std::size_t n_classes : {2u, 4u}) {
    SCOPED_TRACE(n_classes);
    const ClassificationData data = make_classification(3000, 6, n_classes, 3);
    LogisticRegressionParams params;
    params.C = 0.7;
    params.tol = 1e-10;
    params.max_iter = 1000;
    const LogisticRegressionFit fit = fit_logistic_regression(
        params, MatrixView<double>{data.X.data(), data.n, data.d}, data.y.data(), n_classes);
    EXPECT_TRUE(fit.converged) << fit.status;
    EXPECT_GT(fit.n_iter, 0);
    // Like scipy's, the solver may stop on the relative reduction of f (64 eps) just before the
    // gradient reaches tol: the gradient is then a few 1e-8 at most.
    EXPECT_LE(max_objective_gradient(data, fit, params.C), 1e-7);
    if (n_classes > 2) {
      // Symmetric multinomial from zero: intercepts and every coefficient column sum to 0.
      double sum = 0;
      for (const double b : fit.intercept) sum += b;
      EXPECT_NEAR(sum, 0, 1e-9);
    }
  }
}

TEST(LogisticFit, Float32InputFitsTheSameProblem) {
  const ClassificationData data = make_classification(2000, 3, 3, 5);
  std::vector<float> X32(data.X.begin(), data.X.end());
  std::vector<double> X64(X32.begin(), X32.end());  // the same values, as float64
  LogisticRegressionParams params;
  params.tol = 1e-10;
  params.max_iter = 1000;
  const auto a = fit_logistic_regression(params, MatrixView<float>{X32.data(), data.n, data.d},
                                         data.y.data(), 3);
  const auto b = fit_logistic_regression(params, MatrixView<double>{X64.data(), data.n, data.d},
                                         data.y.data(), 3);
  for (std::size_t i = 0; i < a.coef.size(); ++i) EXPECT_NEAR(a.coef[i], b.coef[i], 1e-7);
}

TEST(LogisticFit, WeightTwoEqualsADuplicatedRow) {
  ClassificationData data = make_classification(300, 3, 2, 9);
  std::vector<double> weights(data.n, 1.0);
  weights[0] = 2.0;
  ClassificationData dup = data;
  dup.X.insert(dup.X.end(), data.X.begin(), data.X.begin() + 3);
  dup.y.push_back(data.y[0]);
  dup.n += 1;
  LogisticRegressionParams params;
  params.tol = 1e-11;
  params.max_iter = 1000;
  const auto a = fit_logistic_regression(params, MatrixView<double>{data.X.data(), data.n, 3},
                                         data.y.data(), 2, weights.data());
  const auto b =
      fit_logistic_regression(params, MatrixView<double>{dup.X.data(), dup.n, 3}, dup.y.data(), 2);
  // Both stop within the solver's tolerance of the same optimum (a mishandled weight would move
  // it by ~1e-2).
  for (std::size_t i = 0; i < a.coef.size(); ++i) EXPECT_NEAR(a.coef[i], b.coef[i], 1e-6);
  EXPECT_NEAR(a.intercept[0], b.intercept[0], 1e-6);
}

TEST(LogisticFit, MaxIterReportsNotConverged) {
  const ClassificationData data = make_classification(500, 4, 3, 1);
  LogisticRegressionParams params;
  params.max_iter = 2;
  params.tol = 1e-12;
  const auto fit = fit_logistic_regression(params, MatrixView<double>{data.X.data(), data.n, 4},
                                           data.y.data(), 3);
  EXPECT_FALSE(fit.converged);
  EXPECT_EQ(fit.n_iter, 2);
  EXPECT_NE(fit.status.find("max_iter"), std::string::npos) << fit.status;
}

TEST(LogisticFit, WithoutInterceptTheInterceptStaysZero) {
  const ClassificationData data = make_classification(400, 3, 2, 2);
  LogisticRegressionParams params;
  params.fit_intercept = false;
  const auto fit = fit_logistic_regression(params, MatrixView<double>{data.X.data(), data.n, 3},
                                           data.y.data(), 2);
  EXPECT_EQ(fit.intercept[0], 0.0);
}

TEST(LogisticPredict, ProbabilitiesLabelsAndScoresAgree) {
  for (const std::size_t n_classes : {2u, 3u}) {
    const ClassificationData data = make_classification(500, 4, n_classes, 4);
    const auto fit = fit_logistic_regression(LogisticRegressionParams{},
                                             MatrixView<double>{data.X.data(), data.n, 4},
                                             data.y.data(), n_classes);
    LogisticRegressionModel model;
    model.n_features = 4;
    model.classes = n_classes == 2 ? ClassLabels(std::vector<std::int64_t>{-1, 1})
                                   : ClassLabels(std::vector<std::string>{"a", "b", "c"});
    model.coef = fit.coef;
    model.intercept = fit.intercept;
    const MatrixView<double> X{data.X.data(), data.n, 4};
    std::vector<double> proba(data.n * n_classes), scores(data.n * model.n_rows());
    std::vector<std::int32_t> labels(data.n);
    logistic_predict_proba(model, X, proba.data());
    logistic_decision_function(model, X, scores.data());
    logistic_predict(model, X, labels.data());
    for (std::size_t i = 0; i < data.n; ++i) {
      const double* p = proba.data() + i * n_classes;
      double sum = 0;
      for (std::size_t c = 0; c < n_classes; ++c) sum += p[c];
      EXPECT_NEAR(sum, 1.0, 1e-12);
      const auto best = static_cast<std::int32_t>(std::max_element(p, p + n_classes) - p);
      EXPECT_EQ(labels[i], best);
      if (n_classes == 2) {
        EXPECT_NEAR(p[1], 1 / (1 + std::exp(-scores[i])), 1e-15);
        EXPECT_EQ(labels[i], scores[i] > 0 ? 1 : 0);
      }
    }
  }
}

TEST(LogisticFit, BadInputsAreRefusedWithAReason) {
  const ClassificationData data = make_classification(50, 2, 2, 1);
  const MatrixView<double> X{data.X.data(), data.n, 2};
  const auto expect_error = [](auto&& call, const std::string& phrase) {
    test::expect_invalid_argument(call, phrase);
  };
  LogisticRegressionParams params;
  expect_error([&] { fit_logistic_regression(params, X, data.y.data(), 1); }, "at least 2 classes");
  std::vector<std::int32_t> bad_y = data.y;
  bad_y[7] = 5;
  expect_error([&] { fit_logistic_regression(params, X, bad_y.data(), 2); }, "y[7] = 5");
  std::vector<double> nan_x = data.X;
  nan_x[9] = std::nan("");
  expect_error(
      [&] {
        fit_logistic_regression(params, MatrixView<double>{nan_x.data(), data.n, 2}, data.y.data(),
                                2);
      },
      "row 4, column 1");
  std::vector<double> zero(data.n, 0.0);
  expect_error([&] { fit_logistic_regression(params, X, data.y.data(), 2, zero.data()); },
               "sum to 0");
  std::vector<double> negative(data.n, 1.0);
  negative[3] = -1;
  expect_error([&] { fit_logistic_regression(params, X, data.y.data(), 2, negative.data()); },
               "sample_weight[3]");
  params.C = 0;
  expect_error([&] { fit_logistic_regression(params, X, data.y.data(), 2); }, "C must be > 0");
  params.C = 1;
  expect_error(
      [&] {
        fit_logistic_regression(params, MatrixView<double>{data.X.data(), 0, 2}, data.y.data(), 2);
      },
      "at least 1 row");
}

}  // namespace
}  // namespace pith
