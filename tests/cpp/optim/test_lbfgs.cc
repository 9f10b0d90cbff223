// L-BFGS on functions with known minima: convergence, the stopping rules and their statuses.
#include "optim/lbfgs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <vector>

namespace pith::detail {
namespace {

double rosenbrock(std::span<const double> x, std::span<double> g) {
  const double a = 1 - x[0], b = x[1] - x[0] * x[0];
  g[0] = -2 * a - 400 * x[0] * b;
  g[1] = 200 * b;
  return a * a + 100 * b * b;
}

TEST(Lbfgs, RosenbrockFromTheClassicStart) {
  std::vector<double> x{-1.2, 1.0};
  LbfgsParams params;
  params.max_iter = 500;
  params.gtol = 1e-10;
  params.ftol = 0;
  const LbfgsResult r = minimize_lbfgs(rosenbrock, x, params);
  EXPECT_TRUE(r.converged()) << lbfgs_status_message(r.status);
  EXPECT_NEAR(x[0], 1.0, 1e-8);
  EXPECT_NEAR(x[1], 1.0, 1e-8);
  EXPECT_LE(r.max_abs_gradient, 1e-10);
  EXPECT_GT(r.n_iter, 10);
  EXPECT_LT(r.n_iter, 200);
}

TEST(Lbfgs, IllConditionedQuadraticReachesTheExactMinimum) {
  // f = sum_i c_i (x_i - i)^2 / 2 with curvatures from 1 to 1e3.
  const int n = 30;
  const auto f = [&](std::span<const double> x, std::span<double> g) {
    double value = 0;
    for (int i = 0; i < n; ++i) {
      const double c = std::pow(10.0, 3.0 * i / (n - 1));
      const double r = x[static_cast<std::size_t>(i)] - i;
      g[static_cast<std::size_t>(i)] = c * r;
      value += 0.5 * c * r * r;
    }
    return value;
  };
  std::vector<double> x(n, 0.0);
  LbfgsParams params;
  params.max_iter = 1000;
  params.gtol = 1e-7;  // 12 digits below the starting gradient
  params.ftol = 0;
  const LbfgsResult r = minimize_lbfgs(f, x, params);
  ASSERT_EQ(r.status, LbfgsStatus::kGradientTolerance) << lbfgs_status_message(r.status);
  EXPECT_LT(r.n_iter, 400);  // scipy's L-BFGS-B takes 251 iterations here
  for (int i = 0; i < n; ++i) EXPECT_NEAR(x[static_cast<std::size_t>(i)], i, 1e-7) << i;
}

TEST(Lbfgs, StopsAtMaxIterWithThatStatus) {
  std::vector<double> x{-1.2, 1.0};
  LbfgsParams params;
  params.max_iter = 3;
  params.gtol = 0;
  int calls = 0;
  const LbfgsResult r = minimize_lbfgs(rosenbrock, x, params, [&](int it, double f, double g) {
    ++calls;
    EXPECT_EQ(it, calls);
    EXPECT_TRUE(std::isfinite(f));
    EXPECT_GE(g, 0);
  });
  EXPECT_EQ(r.status, LbfgsStatus::kMaxIterations);
  EXPECT_FALSE(r.converged());
  EXPECT_EQ(r.n_iter, 3);
  EXPECT_EQ(calls, 3);
  std::vector<double> start{-1.2, 1.0}, g(2);
  EXPECT_LT(r.f, rosenbrock(start, g));
}

TEST(Lbfgs, AlreadyOptimalStartTakesNoIteration) {
  std::vector<double> x{1.0, 1.0};
  const LbfgsResult r = minimize_lbfgs(rosenbrock, x, LbfgsParams{});
  EXPECT_EQ(r.status, LbfgsStatus::kGradientTolerance);
  EXPECT_EQ(r.n_iter, 0);
  EXPECT_EQ(r.n_evaluations, 1);
  EXPECT_EQ(x, (std::vector<double>{1.0, 1.0}));
}

TEST(Lbfgs, ZeroMaxIterLeavesTheStartAndSaysNotConverged) {
  std::vector<double> x{-1.2, 1.0};
  LbfgsParams params;
  params.max_iter = 0;
  const LbfgsResult r = minimize_lbfgs(rosenbrock, x, params);
  EXPECT_EQ(r.status, LbfgsStatus::kMaxIterations);
  EXPECT_EQ(x, (std::vector<double>{-1.2, 1.0}));
}

TEST(Lbfgs, UnboundedBelowEndsWithoutHanging) {
  // f = -x has no minimum: the search extrapolates until the evaluation budget runs out.
  const auto f = [](std::span<const double> x, std::span<double> g) {
    g[0] = -1;
    return -x[0];
  };
  std::vector<double> x{0.0};
  LbfgsParams params;
  params.max_iter = 50;
  params.max_evaluations = 200;
  const LbfgsResult r = minimize_lbfgs(f, x, params);
  EXPECT_FALSE(r.converged());
  EXPECT_LE(r.n_evaluations, 200);
}

}  // namespace
}  // namespace pith::detail
