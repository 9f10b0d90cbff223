// Thresholds for comparing float32 values: shared by the native tree predictor and the
// WebAssembly compiler, which both compare float32 features against float32 thresholds.
#pragma once

#include <cmath>
#include <limits>

#include "pith/trees.h"

namespace pith::detail {

// The largest float f with f <= t (kLessEqual) or f < t (kLess): for every float x, `x OP t`
// evaluated in double equals `x <= f`.
inline float float_threshold(double t, SplitComparison comparison) {
  constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
  float f = static_cast<float>(t);  // round to nearest (may overflow to +-inf)
  if (static_cast<double>(f) > t) f = std::nextafter(f, kMinusInf);
  if (comparison == SplitComparison::kLess && static_cast<double>(f) == t) {
    f = std::nextafter(f, kMinusInf);
  }
  return f;
}

}  // namespace pith::detail
