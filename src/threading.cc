// Thread-count resolution shared by every parallel entry point.
#include "pith/threading.h"

#include <omp.h>

namespace pith {

int resolve_threads(int n_threads) {
  if (n_threads > 0) return n_threads;
  const int available = omp_get_max_threads();
  return available > 0 ? available : 1;
}

}  // namespace pith
