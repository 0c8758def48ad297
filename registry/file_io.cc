// The file helpers of registry/internal.h shared by the file registry and the registry cache
// file: errno messages and the temporary-file-and-rename write.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

#include "registry/internal.h"

namespace dubbo::registry::internal {

std::string ErrnoText(int err) { return std::generic_category().message(err); }

Status IoError(std::string_view what, const std::string& path, int err) {
  return Status(StatusCode::kIoError, std::string(what) + " " + path + ": " + ErrnoText(err));
}

Status WriteFileAtomically(const std::string& tmp_prefix, const std::string& path,
                           const std::string& content, mode_t mode, struct stat* st) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = tmp_prefix + std::to_string(::getpid()) + "." +
                          std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return IoError("cannot create", tmp, errno);
  size_t done = 0;
  int err = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (err == 0 && st != nullptr && ::fstat(fd, st) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return IoError("cannot write", path, err);
  }
  return Status::Ok();
}

}  // namespace dubbo::registry::internal
