// Thread-count resolution shared by every parallel entry point.
#include "pith/threading.h"

#include <omp.h>

#include <algorithm>

namespace pith {

int resolve_threads(int n_threads) {
  if (n_threads > 0) return n_threads;
  const int available = omp_get_max_threads();
  return available > 0 ? available : 1;
}

int threads_for(int n_threads, std::size_t work, std::size_t min_per_thread) {
  const std::size_t useful = min_per_thread == 0 ? work : work / min_per_thread;
  const std::size_t limit = static_cast<std::size_t>(resolve_threads(n_threads));
  return static_cast<int>(std::max<std::size_t>(1, std::min(limit, useful)));
}

}  // namespace pith
