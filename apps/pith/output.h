// Writing a subcommand's result: to standard output, or to a file replaced atomically.
#pragma once

#include <string>
#include <string_view>

namespace pith::cli {

// Writes `text` to standard output when `path` is "-", else to `path` through a temporary file
// in the same directory that is renamed over it once complete, so that readers never see half a
// result and a failure leaves no file behind. Throws pith::Error(kIO) with the OS reason.
void write_output(const std::string& path, std::string_view text);

}  // namespace pith::cli
