// write_output: standard output, or temporary file + fsync + rename for an atomic replace.
#include "output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "pith/error.h"

namespace pith::cli {
namespace {

[[noreturn]] void throw_io(const std::string& what, int error) {
  throw Error(ErrorCode::kIO, what + ": " + std::strerror(error));
}

// write(2) may write less than asked (signals, pipes); loop until done.
bool write_fully(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

void write_output(const std::string& path, std::string_view text) {
  if (path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
      throw_io("cannot write to standard output", errno);
    }
    return;
  }
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw_io("cannot create '" + temp + "'", errno);
  // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
  if (!write_fully(fd, text) || ::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    throw_io("cannot write '" + temp + "'", error);
  }
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw_io("cannot write '" + temp + "'", error);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw_io("cannot rename '" + temp + "' to '" + path + "'", error);
  }
}

}  // namespace pith::cli
