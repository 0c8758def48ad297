#include "registry/file_entries.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "common/log.h"
#include "registry/file_registry.h"

namespace dubbo::registry {
namespace internal {

namespace {

// An entry is one URL and an owner line; anything this large is not ours.
constexpr off_t kMaxEntryBytes = 1 << 20;
// Temporary files are renamed within microseconds; one this old was left by a crash.
constexpr auto kStaleTempAge = std::chrono::seconds(60);
constexpr std::string_view kTempPrefix = ".tmp.";

// ---------------------------------------------------------------------------------------------
// Process identity. An owner is (pid, start time, boot id): the start time (field 22 of
// /proc/<pid>/stat, clock ticks since boot) tells a reused pid from the owner, the boot id an
// entry left in a persistent directory by a previous boot.

struct ProcStat {
  char state = 0;
  uint64_t start = 0;
};

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  char path[48];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  std::string_view s(buf, static_cast<size_t>(n));
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const auto paren = s.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  s.remove_prefix(paren + 1);
  ProcStat st;
  int field = 2;
  while (!s.empty()) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    const auto end = std::min(s.find(' '), s.size());
    const std::string_view token = s.substr(0, end);
    s.remove_prefix(end);
    if (token.empty()) break;
    ++field;
    if (field == 3) st.state = token.front();
    if (field == 22) {
      const auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), st.start);
      if (ec != std::errc()) return std::nullopt;
      return st;
    }
  }
  return std::nullopt;
}

const std::string& BootId() {
  static const std::string id = [] {
    std::string out;
    if (FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "re")) {
      char buf[64] = {};
      if (std::fgets(buf, sizeof buf, f) != nullptr) out = buf;
      std::fclose(f);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }();
  return id;
}

// The calling process as an owner line; read each time so a fork()ed child writes its own.
std::string SelfOwnerLine() {
  const pid_t pid = ::getpid();
  const auto st = ReadProcStat(pid);
  std::string line =
      "owner pid=" + std::to_string(pid) + " start=" + std::to_string(st ? st->start : 0);
  if (!BootId().empty()) line += " boot=" + BootId();
  return line;
}

bool SameVersion(const struct stat& a, const struct stat& b) {
  return SameFile(a, b) && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

// A stale temporary file (its writer died between create and rename) is removed.
void RemoveStaleTemp(int dirfd, const std::string& dir, const char* name) {
  struct stat st;
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  const auto age = std::chrono::system_clock::now() -
                   std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec));
  if (age > kStaleTempAge && ::unlinkat(dirfd, name, 0) == 0) {
    LogInfo() << "file registry: removed stale temporary file " << dir << "/" << name;
  }
}

}  // namespace

bool LivenessProbe::Alive(const EntryOwner& o) {
  if (!o.boot.empty() && !BootId().empty() && o.boot != BootId()) return false;
  auto it = memo_.find(o.pid);
  if (it == memo_.end()) it = memo_.emplace(o.pid, Probe(o.pid)).first;
  const Info& info = it->second;
  if (!info.exists) return false;
  return !info.start_known || o.start == 0 || info.start == o.start;
}

LivenessProbe::Info LivenessProbe::Probe(pid_t pid) {
  if (const auto st = ReadProcStat(pid)) {
    // A zombie (killed, not yet reaped) has closed its sockets: it serves nothing.
    return Info{st->state != 'Z' && st->state != 'X', true, st->start};
  }
  // /proc mounted with hidepid hides other users' processes; kill(pid, 0) still tells
  // whether the pid exists (EPERM = exists, owned by someone else).
  if (::kill(pid, 0) == 0 || errno == EPERM) return Info{true, false, 0};
  return Info{};
}

// ---------------------------------------------------------------------------------------------
// Entry files (format and parser: registry/internal.h).

std::string EntryContent(const Url& url, bool ephemeral) {
  std::string content = url.ToFullString() + "\n";
  if (ephemeral) content += SelfOwnerLine() + "\n";
  return content;
}

bool EntryAlive(const Entry& e, LivenessProbe* probe) {
  if (e.owners.empty()) return true;
  for (const auto& o : e.owners)
    if (probe->Alive(o)) return true;
  return false;
}

// Reads an entry through `dirfd`; `st` gets the stat of the file actually read.
Result<Entry> ReadEntry(int dirfd, const char* name, struct stat* st) {
  const int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT) return Status(StatusCode::kNotFound, "removed");
  if (fd < 0 && errno == ELOOP)
    return Status(StatusCode::kDecodeError, "a symbolic link (not followed)");
  if (fd < 0) return Status(StatusCode::kIoError, "cannot open: " + ErrnoText(errno));
  std::string text;
  Status status;
  if (::fstat(fd, st) != 0) {
    status = Status(StatusCode::kIoError, "cannot stat: " + ErrnoText(errno));
  } else if (!S_ISREG(st->st_mode)) {
    status = Status(StatusCode::kDecodeError, "not a regular file");
  } else if (st->st_size > kMaxEntryBytes) {
    status = Status(StatusCode::kDecodeError,
                    "larger than " + std::to_string(kMaxEntryBytes) + " bytes");
  } else {
    text.resize(static_cast<size_t>(st->st_size) + 1);
    size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = Status(StatusCode::kIoError, "cannot read: " + ErrnoText(errno));
        break;
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    text.resize(got);
  }
  ::close(fd);
  if (!status.ok()) return status;
  return ParseEntry(text);
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

// Appends the live entries of `dir` to `out`. Entries whose owner is gone are unlinked (if
// the file is still the one read: a live re-registration may have replaced it since); corrupt
// ones are skipped with a warning. A missing directory has no entries.
void ScanDir(const std::string& dir, DirCache* cache, LivenessProbe* probe, std::vector<Url>* out) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno != ENOENT && errno != ENOTDIR) {
      LogWarning() << "file registry: cannot list " << dir << ": " << ErrnoText(errno);
    }
    cache->clear();
    return;
  }
  const int dirfd = ::dirfd(d);
  DirCache next;
  while (const struct dirent* de = ::readdir(d)) {
    const char* name = de->d_name;
    if (name[0] == '.') {
      if (std::string_view(name).substr(0, kTempPrefix.size()) == kTempPrefix)
        RemoveStaleTemp(dirfd, dir, name);
      continue;
    }
    if (de->d_type == DT_DIR) continue;
    struct stat st;
    if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // removed meanwhile
    if (S_ISDIR(st.st_mode)) continue;
    CachedFile file;
    if (auto it = cache->find(name); it != cache->end() && SameVersion(it->second.st, st)) {
      file = std::move(it->second);
    } else {
      auto entry = ReadEntry(dirfd, name, &file.st);
      if (entry.ok()) {
        file.entry = std::move(*entry);
      } else if (entry.status().code() == StatusCode::kNotFound) {
        continue;  // unregistered between listing and reading
      } else {
        if (file.st.st_ino == 0) file.st = st;
        LogWarning() << "file registry: skipping entry " << dir << "/" << name << ": "
                     << entry.status().message();
      }
    }
    if (file.entry && !EntryAlive(*file.entry, probe)) {
      struct stat now;
      if (::fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && SameFile(now, file.st)) {
        if (::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) {
          LogInfo() << "file registry: removed " << dir << "/" << name
                    << " (owner process gone): " << file.entry->url.ToString();
          continue;
        }
        if (!file.unlink_warned) {
          LogWarning() << "file registry: cannot remove dead entry " << dir << "/" << name << ": "
                       << ErrnoText(errno);
          file.unlink_warned = true;
        }
      }
    } else if (file.entry) {
      out->push_back(file.entry->url);
    }
    next.emplace(name, std::move(file));
  }
  ::closedir(d);
  *cache = std::move(next);
}

// Names of the subdirectories of `dir` (hidden ones left out).
std::vector<std::string> SubdirNames(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  const int dirfd = ::dirfd(d);
  while (const struct dirent* de = ::readdir(d)) {
    if (de->d_name[0] == '.') continue;
    bool is_dir = de->d_type == DT_DIR;
    if (de->d_type == DT_UNKNOWN) {
      struct stat st;
      is_dir = ::fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir) names.emplace_back(de->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Status MakeDirs(const std::string& path) {
  std::error_code ec;
  // Mode 0777 less the umask, as mkdir(1): an administrator shares a directory among users
  // through its group and umask.
  std::filesystem::create_directories(path, ec);
  if (ec)
    return Status(StatusCode::kIoError, "cannot create directory " + path + ": " + ec.message());
  return Status::Ok();
}

// Writes `content` to dir/name atomically: a temporary file in the same directory renamed over
// the name, so readers see the old file or the new one, never half of one. `st` gets the new
// file's identity.
Status WriteEntryFile(const std::string& dir, const std::string& name, const std::string& content,
                      struct stat* st) {
  return internal::WriteFileAtomically(dir + "/" + std::string(kTempPrefix), dir + "/" + name,
                                       content, 0666, st);
}

}  // namespace internal

namespace {

std::string Fnv1a128Hex(std::string_view s) {
  // FNV-1a, 128-bit: stable across builds and platforms, which the file names must be.
  using u128 = unsigned __int128;
  u128 h = (static_cast<u128>(0x6c62272e07bb0142ULL) << 64) | 0x62b821756295c58dULL;
  const u128 prime = (static_cast<u128>(0x0000000001000000ULL) << 64) | 0x000000000000013bULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= prime;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 31; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHex[static_cast<unsigned>(h & 0xf)];
    h >>= 4;
  }
  return out;
}

std::string SanitizeForName(std::string_view s, size_t max, bool keep_dots) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (keep_dots && c == '.');
    out.push_back(ok ? c : '_');
  }
  return out;
}

}  // namespace

std::string FileRegistryEntryName(const Url& url) {
  std::string name = SanitizeForName(url.protocol(), 32, false);
  name += '-';
  name += SanitizeForName(url.host(), 100, true);
  name += '-';
  name += std::to_string(url.port());
  name += '-';
  name += Fnv1a128Hex(url.ToFullString());
  return name;
}

}  // namespace dubbo::registry
