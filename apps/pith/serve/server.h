// `pith serve` as a whole: load the models, start gRPC and REST, poll for new model files, and
// on SIGTERM/SIGINT turn not-ready, drain in-flight requests and return.
#pragma once

#include <string>

#include "server_state.h"

namespace pith::serve {

// Runs until SIGTERM or SIGINT; returns the process exit code. Throws pith::Error for what
// prevents starting (a model that does not load, a port in use).
int run_server(const ServeOptions& options);

// Reads a JSON config file into `options` (fields that the file sets replace the defaults; the
// command line then overrides the file). Throws pith::Error naming the file and the field.
void read_config_file(const std::string& path, ServeOptions* options);

}  // namespace pith::serve
