// L-BFGS: two-loop recursion over the last `history` correction pairs, and the line search of
// Nocedal & Wright (Algorithms 3.5 and 3.6: bracketing, then zoom by safeguarded cubic
// interpolation) for the strong Wolfe conditions with scipy's constants (c1 = 1e-3, c2 = 0.9).
#include "optim/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace pith::detail {
namespace {

constexpr double kC1 = 1e-3;  // sufficient decrease
constexpr double kC2 = 0.9;   // curvature

double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double max_abs(std::span<const double> v) {
  double m = 0.0;
  for (const double x : v) m = std::max(m, std::abs(x));
  return m;
}

// A point on the search line: step, f, directional derivative, and where x and g live.
struct Trial {
  double step = 0.0;
  double f = 0.0;
  double slope = 0.0;
  std::vector<double> x;
  std::vector<double> g;
};

class LineSearch {
 public:
  LineSearch(const Objective& objective, std::span<const double> x0, std::span<const double> d,
             double f0, double slope0, int max_evaluations)
      : objective_(objective), x0_(x0), d_(d), f0_(f0), slope0_(slope0), budget_(max_evaluations) {}

  // Returns true with `best` at a step satisfying the strong Wolfe conditions.
  bool run(double initial_step, Trial& best) {
    Trial previous{0.0, f0_, slope0_, {}, {}};
    double step = initial_step;
    for (int i = 0; budget_ > 0; ++i) {
      Trial current = evaluate(step);
      if (current.f > f0_ + kC1 * step * slope0_ || (i > 0 && current.f >= previous.f)) {
        return zoom(std::move(previous), std::move(current), best);
      }
      if (std::abs(current.slope) <= -kC2 * slope0_) {
        best = std::move(current);
        return true;
      }
      if (current.slope >= 0) return zoom(std::move(current), std::move(previous), best);
      previous = std::move(current);
      step *= 4.0;  // still descending steeply: extrapolate
    }
    return false;
  }

  int evaluations() const { return evaluations_; }

 private:
  Trial evaluate(double step) {
    Trial t;
    t.step = step;
    t.x.resize(x0_.size());
    t.g.resize(x0_.size());
    for (std::size_t i = 0; i < x0_.size(); ++i) t.x[i] = x0_[i] + step * d_[i];
    t.f = objective_(t.x, t.g);
    t.slope = dot(t.g, d_);
    --budget_;
    ++evaluations_;
    return t;
  }

  // Minimiser of the cubic through (a, fa, da) and (b, fb, db), kept inside the middle 80% of
  // the interval; bisection when the cubic is degenerate.
  static double interpolate(const Trial& a, const Trial& b) {
    const double lo = std::min(a.step, b.step), hi = std::max(a.step, b.step);
    const double margin = 0.1 * (hi - lo);
    const double d1 = a.slope + b.slope - 3 * (a.f - b.f) / (a.step - b.step);
    const double disc = d1 * d1 - a.slope * b.slope;
    double step = 0.5 * (lo + hi);
    if (disc >= 0 && std::isfinite(disc)) {
      const double d2 = std::copysign(std::sqrt(disc), b.step - a.step);
      const double denom = b.slope - a.slope + 2 * d2;
      if (denom != 0) {
        const double candidate = b.step - (b.step - a.step) * (b.slope + d2 - d1) / denom;
        if (std::isfinite(candidate)) step = candidate;
      }
    }
    return std::clamp(step, lo + margin, hi - margin);
  }

  // `lo` satisfies sufficient decrease and has the lowest f so far; the minimiser lies between.
  bool zoom(Trial lo, Trial hi, Trial& best) {
    while (budget_ > 0) {
      if (std::abs(hi.step - lo.step) <= std::numeric_limits<double>::epsilon() * hi.step) break;
      Trial t = evaluate(interpolate(lo, hi));
      if (t.f > f0_ + kC1 * t.step * slope0_ || t.f >= lo.f) {
        hi = std::move(t);
        continue;
      }
      if (std::abs(t.slope) <= -kC2 * slope0_) {
        best = std::move(t);
        return true;
      }
      if (t.slope * (hi.step - lo.step) >= 0) hi = std::move(lo);
      lo = std::move(t);
    }
    // Out of budget or interval: accept the best point if it decreased f at all.
    if (lo.step > 0 && lo.f < f0_) {
      best = std::move(lo);
      return true;
    }
    return false;
  }

  const Objective& objective_;
  std::span<const double> x0_;
  std::span<const double> d_;
  double f0_;
  double slope0_;
  int budget_;
  int evaluations_ = 0;
};

}  // namespace

const char* lbfgs_status_message(LbfgsStatus status) {
  switch (status) {
    case LbfgsStatus::kGradientTolerance:
      return "converged: the largest gradient entry is within tol";
    case LbfgsStatus::kRelativeReduction:
      return "converged: the relative reduction of the loss is below machine precision";
    case LbfgsStatus::kMaxIterations:
      return "stopped at max_iter iterations before convergence";
    case LbfgsStatus::kMaxEvaluations:
      return "stopped at the limit of loss evaluations before convergence";
    case LbfgsStatus::kLineSearchFailed:
      return "the line search found no step that decreases the loss (the problem may be badly "
             "scaled: try scaling the features)";
  }
  return "unknown";
}

LbfgsResult minimize_lbfgs(const Objective& objective, std::vector<double>& x,
                           const LbfgsParams& params, const IterationCallback& on_iteration) {
  const std::size_t n = x.size();
  std::vector<double> g(n), d(n);
  LbfgsResult result;
  result.f = objective(x, g);
  result.n_evaluations = 1;
  result.max_abs_gradient = max_abs(g);
  if (result.max_abs_gradient <= params.gtol) {
    result.status = LbfgsStatus::kGradientTolerance;
    return result;
  }
  struct Pair {
    std::vector<double> s, y;
    double rho;
  };
  std::deque<Pair> pairs;
  std::vector<double> alpha(static_cast<std::size_t>(params.history));
  while (true) {
    if (result.n_iter >= params.max_iter) {
      result.status = LbfgsStatus::kMaxIterations;
      return result;
    }
    // d = -H g by the two-loop recursion, H0 = (s.y / y.y) I from the newest pair.
    for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
    for (std::size_t k = pairs.size(); k-- > 0;) {
      alpha[k] = pairs[k].rho * dot(pairs[k].s, d);
      for (std::size_t i = 0; i < n; ++i) d[i] -= alpha[k] * pairs[k].y[i];
    }
    if (!pairs.empty()) {
      const Pair& last = pairs.back();
      const double gamma = 1.0 / (last.rho * dot(last.y, last.y));
      for (double& v : d) v *= gamma;
    }
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      const double beta = pairs[k].rho * dot(pairs[k].y, d);
      for (std::size_t i = 0; i < n; ++i) d[i] += (alpha[k] - beta) * pairs[k].s[i];
    }
    double slope = dot(g, d);
    if (!(slope < 0)) {  // not a descent direction (numerical trouble): restart from -g
      pairs.clear();
      for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
      slope = dot(g, d);
    }
    // scipy: the first step has length 1 at most; later ones try the full quasi-Newton step.
    const double initial = pairs.empty() ? std::min(1.0, 1.0 / std::sqrt(dot(d, d))) : 1.0;
    LineSearch search(
        objective, x, d, result.f, slope,
        std::min(params.max_line_search, params.max_evaluations - result.n_evaluations));
    Trial accepted;
    const bool found = search.run(initial, accepted);
    result.n_evaluations += search.evaluations();
    if (!found) {
      result.status = result.n_evaluations >= params.max_evaluations
                          ? LbfgsStatus::kMaxEvaluations
                          : LbfgsStatus::kLineSearchFailed;
      return result;
    }
    Pair pair{std::vector<double>(n), std::vector<double>(n), 0.0};
    for (std::size_t i = 0; i < n; ++i) {
      pair.s[i] = accepted.x[i] - x[i];
      pair.y[i] = accepted.g[i] - g[i];
    }
    const double sy = dot(pair.s, pair.y);
    if (sy > std::numeric_limits<double>::epsilon() * dot(pair.y, pair.y)) {
      pair.rho = 1.0 / sy;
      pairs.push_back(std::move(pair));
      if (pairs.size() > static_cast<std::size_t>(params.history)) pairs.pop_front();
    }
    const double f_old = result.f;
    x.swap(accepted.x);
    g.swap(accepted.g);
    result.f = accepted.f;
    ++result.n_iter;
    result.max_abs_gradient = max_abs(g);
    if (on_iteration) on_iteration(result.n_iter, result.f, result.max_abs_gradient);
    if (result.max_abs_gradient <= params.gtol) {
      result.status = LbfgsStatus::kGradientTolerance;
      return result;
    }
    if ((f_old - result.f) <= params.ftol * std::max({std::abs(f_old), std::abs(result.f), 1.0})) {
      result.status = LbfgsStatus::kRelativeReduction;
      return result;
    }
    if (result.n_evaluations >= params.max_evaluations) {
      result.status = LbfgsStatus::kMaxEvaluations;
      return result;
    }
  }
}

}  // namespace pith::detail
