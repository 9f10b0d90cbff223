// A file descriptor owner for libpith's POSIX file code (internal).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace pith::detail {

// Owns a file descriptor; close() reports the error that a destructor would have to swallow.
class File {
 public:
  explicit File(int fd) : fd_(fd) {}
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int close() {
    if (fd_ < 0) return 0;
    return ::close(std::exchange(fd_, -1)) == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

}  // namespace pith::detail
