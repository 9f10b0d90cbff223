// The one threading model of libpith: OpenMP with an explicit thread count per call.
#pragma once

namespace pith {

// Resolves a user-facing thread count: <= 0 means "all cores the process may use".
int resolve_threads(int n_threads);

}  // namespace pith
