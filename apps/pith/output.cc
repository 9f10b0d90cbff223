// write_output: standard output, or an atomic replace of a file (pith::write_file_atomically).
#include "output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "pith/error.h"
#include "pith/file_io.h"

namespace pith::cli {

void write_output(const std::string& path, std::string_view text) {
  if (path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
      throw Error(ErrorCode::kIO,
                  std::string("cannot write to standard output: ") + std::strerror(errno));
    }
    return;
  }
  write_file_atomically(path, text);
}

}  // namespace pith::cli
