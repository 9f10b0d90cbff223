// Atomic file replacement. POSIX calls rather than iostreams: they report errno, and fsync needs
// a descriptor.
#include "pith/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "file_descriptor.h"
#include "pith/error.h"

namespace pith {
namespace {

[[noreturn]] void fail_io(const std::filesystem::path& path, const std::string& what, int err) {
  throw Error(ErrorCode::kIO, path.string() + ": " + what + ": " + std::strerror(err));
}

// Returns 0 or the errno of the failing write; write(2) may write less than asked.
int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// Makes a rename durable. Best effort: some file systems cannot fsync a directory, and by now the
// new file is in place either way.
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::path tmp = path;
  // pid + a process-wide counter: concurrent writes of one path never share a temporary file.
  static std::atomic<unsigned> counter{0};
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  // Built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + std::string + "'".
  std::string quoted = "'";
  quoted.append(tmp.string()).append("'");
  // O_TRUNC rather than O_EXCL: a temporary file left by a crashed process with our pid is stale.
  detail::File file(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
  if (file.get() < 0) fail_io(path, "cannot create " + quoted, errno);
  // From here on the temporary file is ours: every failure removes it, and `path` is untouched.
  const auto fail = [&](const char* what, int err) {
    file.close();
    ::unlink(tmp.c_str());
    fail_io(path, what + quoted, err);
  };
  if (const int err = write_all(file.get(), bytes)) fail("cannot write ", err);
  // fsync before rename: otherwise a crash can leave `path` naming a file whose data never landed.
  if (::fsync(file.get()) != 0) fail("cannot flush ", errno);
  if (const int err = file.close()) fail("cannot close ", err);  // NFS reports write errors here
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail_io(path, "cannot rename " + quoted + " to it", err);
  }
  sync_directory(path.parent_path());
}

}  // namespace pith
