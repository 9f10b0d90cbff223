// BLAS (OpenBLAS, through CBLAS) for the dense products of the linear models. libpith calls it
// from its own OpenMP threads, one single-threaded BLAS call per block of rows, so OpenBLAS's own
// thread pool is switched off once, on first use.
#pragma once

#include <cblas.h>

#include <mutex>

namespace pith::detail {

inline void use_single_threaded_blas() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

}  // namespace pith::detail
