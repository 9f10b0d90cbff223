// The one threading model of libpith: OpenMP with an explicit thread count per call.
#pragma once

#include <cstddef>

namespace pith {

// Resolves a user-facing thread count: <= 0 means "all cores the process may use".
int resolve_threads(int n_threads);

// The threads worth starting for `work` items when each thread should get at least
// `min_per_thread` of them: never more than resolve_threads(n_threads), at least 1. Small inputs
// run on one thread; waking (and then spinning) idle threads costs more than it saves there.
int threads_for(int n_threads, std::size_t work, std::size_t min_per_thread);

}  // namespace pith
