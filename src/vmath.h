// exp and log1p as plain arithmetic the compiler can vectorise inside `#pragma omp simd` loops
// (libm's calls cannot be), for the logistic loss. Accurate to about 2 ulp on the ranges used;
// tests/cpp/test_vmath.cc checks them against libm over those ranges.
#pragma once

#include <bit>
#include <cstdint>

namespace pith::detail {

// exp(x) for x <= 0; 0 below -708 (where exp is subnormal: < 4e-308, nothing next to 1).
inline double exp_nonpositive(double x) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // high bits of ln 2: k * kLn2Hi is exact
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const bool underflow = x < -708.0;
  x = underflow ? 0.0 : x;
  // x = k ln2 + r, |r| <= ln2 / 2; exp(x) = 2^k exp(r).
  // Round to nearest by the 1.5 * 2^52 shifter (std::round is a library call, not vectorised).
  constexpr double kShifter = 6755399441055744.0;
  const double kd = (x * kLog2e + kShifter) - kShifter;
  const double r = (x - kd * kLn2Hi) - kd * kLn2Lo;
  // Taylor series of exp(r) to r^13 (the next term is < 2e-17 relative at |r| = ln2 / 2).
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const auto k = static_cast<std::int64_t>(kd);  // in [-1022, 0]: 2^k is a normal double
  const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
  return underflow ? 0.0 : p * scale;
}

// log1p(e) for e in [0, 1].
inline double log1p_unit(double e) {
  constexpr double kLn2 = 0.69314718055994530942;
  constexpr double kSqrt2 = 1.41421356237309504880;
  const double u = 1.0 + e;
  // log1p(e) = log(u) + (e - (u - 1)) / u: the second term restores what rounding u lost.
  const double correction = (e - (u - 1.0)) / u;
  const bool halve = u > kSqrt2;  // u in [1, 2]: m in [sqrt(2)/2, sqrt(2)]
  const double m = halve ? 0.5 * u : u;
  const double f = m - 1.0;
  const double s = f / (2.0 + f);  // log(m) = 2 atanh(s), |s| <= 0.1716
  const double s2 = s * s;
  // 2 atanh(s) = 2 s (1 + s^2/3 + s^4/5 + ...), to s^22 (next term < 1e-18 relative).
  double q = 1.0 / 23.0;
  q = q * s2 + 1.0 / 21.0;
  q = q * s2 + 1.0 / 19.0;
  q = q * s2 + 1.0 / 17.0;
  q = q * s2 + 1.0 / 15.0;
  q = q * s2 + 1.0 / 13.0;
  q = q * s2 + 1.0 / 11.0;
  q = q * s2 + 1.0 / 9.0;
  q = q * s2 + 1.0 / 7.0;
  q = q * s2 + 1.0 / 5.0;
  q = q * s2 + 1.0 / 3.0;
  const double log_m = 2.0 * s + 2.0 * s * s2 * q;
  return (halve ? kLn2 : 0.0) + log_m + correction;
}

}  // namespace pith::detail
