// Limited-memory BFGS for smooth unconstrained minimisation, with a line search that satisfies
// the strong Wolfe conditions. Stopping rules follow scipy's L-BFGS-B (what scikit-learn's
// lbfgs solver uses), so that `tol` means the same thing in pith and scikit-learn.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace pith::detail {

struct LbfgsParams {
  int max_iter = 100;
  double gtol = 1e-4;                        // stop when max |g_i| <= gtol
  double ftol = 64 * 2.220446049250313e-16;  // stop when the relative decrease of f <= ftol
  int history = 10;                          // stored correction pairs (scipy's maxcor)
  int max_line_search = 50;     // function evaluations per line search (scikit-learn's maxls)
  int max_evaluations = 15000;  // over the whole run (scipy's maxfun)
};

enum class LbfgsStatus {
  kGradientTolerance,  // max |g| <= gtol: converged
  kRelativeReduction,  // f stopped decreasing: converged
  kMaxIterations,      // not converged
  kMaxEvaluations,     // not converged
  kLineSearchFailed,   // no acceptable step along the search direction
};

struct LbfgsResult {
  double f = 0.0;
  int n_iter = 0;
  int n_evaluations = 0;
  double max_abs_gradient = 0.0;
  LbfgsStatus status = LbfgsStatus::kMaxIterations;

  bool converged() const {
    return status == LbfgsStatus::kGradientTolerance || status == LbfgsStatus::kRelativeReduction;
  }
};

const char* lbfgs_status_message(LbfgsStatus status);

// Computes f(x) and writes its gradient to g (same size as x).
using Objective = std::function<double(std::span<const double> x, std::span<double> g)>;
// Called after each iteration with (iteration, f, max |g|).
using IterationCallback = std::function<void(int, double, double)>;

// Minimises `objective` from x (updated in place).
LbfgsResult minimize_lbfgs(const Objective& objective, std::vector<double>& x,
                           const LbfgsParams& params, const IterationCallback& on_iteration = {});

}  // namespace pith::detail
