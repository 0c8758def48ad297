#include "registry/file_registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/log.h"
#include "registry/internal.h"

namespace dubbo::registry {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int64_t kDefaultNotifyDelayMs = 10;
constexpr int64_t kDefaultLivenessIntervalMs = 250;
// An entry is one URL and an owner line; anything this large is not ours.
constexpr off_t kMaxEntryBytes = 1 << 20;
// Temporary files are renamed within microseconds; one this old was left by a crash.
constexpr auto kStaleTempAge = std::chrono::seconds(60);
constexpr std::string_view kTempPrefix = ".tmp.";

using internal::ErrnoText;
using internal::IoError;
using internal::DefaultSubscribeCategories;

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

using Owner = internal::EntryOwner;
using Entry = internal::Entry;
using internal::ParseEntry;

// The calling process as an owner line; read each time so a fork()ed child writes its own.
std::string SelfOwnerLine() {
  const pid_t pid = ::getpid();
  const auto st = ReadProcStat(pid);
  std::string line = "owner pid=" + std::to_string(pid) + " start=" + std::to_string(st ? st->start : 0);
  if (!BootId().empty()) line += " boot=" + BootId();
  return line;
}

// Answers "is this owner alive?" once per pid for one scan pass.
class LivenessProbe {
 public:
  bool Alive(const Owner& o) {
    if (!o.boot.empty() && !BootId().empty() && o.boot != BootId()) return false;
    auto it = memo_.find(o.pid);
    if (it == memo_.end()) it = memo_.emplace(o.pid, Probe(o.pid)).first;
    const Info& info = it->second;
    if (!info.exists) return false;
    return !info.start_known || o.start == 0 || info.start == o.start;
  }

 private:
  struct Info {
    bool exists = false;
    bool start_known = false;
    uint64_t start = 0;
  };
  static Info Probe(pid_t pid) {
    if (const auto st = ReadProcStat(pid)) {
      // A zombie (killed, not yet reaped) has closed its sockets: it serves nothing.
      return Info{st->state != 'Z' && st->state != 'X', true, st->start};
    }
    // /proc mounted with hidepid hides other users' processes; kill(pid, 0) still tells
    // whether the pid exists (EPERM = exists, owned by someone else).
    if (::kill(pid, 0) == 0 || errno == EPERM) return Info{true, false, 0};
    return Info{};
  }
  std::unordered_map<pid_t, Info> memo_;
};

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
  if (fd < 0 && errno == ELOOP) return Status(StatusCode::kDecodeError, "a symbolic link (not followed)");
  if (fd < 0) return Status(StatusCode::kIoError, "cannot open: " + ErrnoText(errno));
  std::string text;
  Status status;
  if (::fstat(fd, st) != 0) {
    status = Status(StatusCode::kIoError, "cannot stat: " + ErrnoText(errno));
  } else if (!S_ISREG(st->st_mode)) {
    status = Status(StatusCode::kDecodeError, "not a regular file");
  } else if (st->st_size > kMaxEntryBytes) {
    status = Status(StatusCode::kDecodeError, "larger than " + std::to_string(kMaxEntryBytes) + " bytes");
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

bool SameFile(const struct stat& a, const struct stat& b) { return a.st_ino == b.st_ino && a.st_dev == b.st_dev; }

bool SameVersion(const struct stat& a, const struct stat& b) {
  return SameFile(a, b) && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

// What a scan remembers about one file, so unchanged files are not re-read every pass and a
// corrupt one is reported once per version, not once per pass.
struct CachedFile {
  struct stat st {};
  std::optional<Entry> entry;  // nullopt: corrupt or unreadable (already warned)
  bool unlink_warned = false;
};
using DirCache = std::unordered_map<std::string, CachedFile>;

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
      if (std::string_view(name).substr(0, kTempPrefix.size()) == kTempPrefix) RemoveStaleTemp(dirfd, dir, name);
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
          LogInfo() << "file registry: removed " << dir << "/" << name << " (owner process gone): "
                    << file.entry->url.ToString();
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
  if (ec) return Status(StatusCode::kIoError, "cannot create directory " + path + ": " + ec.message());
  return Status::Ok();
}

// Writes `content` to dir/name atomically: a temporary file in the same directory renamed over
// the name, so readers see the old file or the new one, never half of one. `st` gets the new
// file's identity.
Status WriteEntryFile(const std::string& dir, const std::string& name, const std::string& content,
                      struct stat* st) {
  return internal::WriteFileAtomically(dir + "/" + std::string(kTempPrefix), dir + "/" + name, content,
                                       0666, st);
}

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

// Where a registered URL lives.
struct Location {
  std::string dir;
  std::string name;
  std::string path() const { return dir + "/" + name; }
};

using internal::Matched;
using internal::Query;

Result<Query> MakeQuery(const Url& consumer, const std::vector<std::string>& default_categories) {
  return internal::MakeQuery(consumer, default_categories, internal::IsSafeName, "a directory", "a directory");
}

// What a query matched, ordered and de-duplicated; `keys` (if not null) gets the full strings.
std::vector<Url> SortMatched(std::vector<Matched> matched, std::vector<std::string>* keys) {
  internal::SortMatched(&matched);
  std::vector<Url> urls;
  urls.reserve(matched.size());
  for (auto& m : matched) {
    if (keys != nullptr) keys->push_back(std::move(m.key));
    urls.push_back(std::move(m.url));
  }
  return urls;
}

// ---------------------------------------------------------------------------------------------

struct Registration {
  Url url;
  Location location;
  std::string content;
  bool ephemeral = true;
  bool written = false;  // the file exists as we wrote it (st is its identity)
  struct stat st {};
};

struct Subscription {
  uint64_t id = 0;
  Query query;
  NotifyListener listener;
  // Guarded by FileRegistryCore::mu_:
  std::optional<Clock::time_point> due;  // a scan and (if changed) notification is pending
  bool delivered = false;                // the initial notification has been delivered
  std::vector<std::string> last;         // full strings of the last notification
};

// The registry's state, shared by the Registry object and its background thread so that the
// object can be destroyed from a listener (the thread then finishes on its own).
class FileRegistryCore {
 public:
  FileRegistryCore(Url url, std::string base, milliseconds notify_delay, milliseconds liveness_interval,
                   int inotify_fd, int wake_fd)
      : url_(std::move(url)),
        base_(std::move(base)),
        notify_delay_(notify_delay),
        liveness_interval_(liveness_interval),
        inotify_fd_(inotify_fd),
        wake_fd_(wake_fd) {}
  ~FileRegistryCore() {
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
    ::close(wake_fd_);
  }
  FileRegistryCore(const FileRegistryCore&) = delete;
  FileRegistryCore& operator=(const FileRegistryCore&) = delete;

  const Url& url() const { return url_; }

  Status Register(const Url& url);
  Status Unregister(const Url& url);
  Result<uint64_t> Subscribe(const Url& consumer, NotifyListener listener);
  Status Unsubscribe(uint64_t id);
  Result<std::vector<Url>> Lookup(const Url& consumer);
  Result<std::vector<std::string>> ListServices();
  // Closes (idempotent) without joining the thread: the Registry object does that.
  void Shutdown();
  // The background thread's body: returns once closed.
  void Run();

 private:
  struct Watch {
    int wd = -1;  // -1: not watched (yet), the periodic scan covers it
    std::set<uint64_t> subs;
  };

  bool OnThread() const { return thread_id_.load() == std::this_thread::get_id(); }
  void Wake();
  Status Closed() const {
    return Status(StatusCode::kCancelled, "file registry " + url_.ToString() + " is closed");
  }
  Result<Location> Locate(const Url& url) const;
  std::string InterfaceDir(const std::string& interface) const { return base_ + "/" + UrlEncode(interface); }
  // The category directories `q` reads (category index, path); for "*" every service present.
  // `watch` also gets the directories whose changes add services.
  std::vector<std::pair<size_t, std::string>> DirsOf(const Query& q, std::vector<std::string>* watch) const;
  std::vector<Url> Gather(const Query& q, const std::vector<std::pair<size_t, std::string>>& dirs,
                          const std::function<const std::vector<Url>&(const std::string&)>& scan,
                          std::vector<std::string>* keys) const;

  // Background thread only.
  void Deliver(const std::shared_ptr<Subscription>& sub, LivenessProbe* probe,
               std::map<std::string, std::vector<Url>>* memo);
  void UpdateWatches(uint64_t sub, const std::vector<std::string>& dirs);
  void DropWatch(std::map<std::string, Watch>::iterator it);
  void DropUnsubscribedWatches();
  void ReadEvents();
  void SelfHeal();

  const Url url_;
  const std::string base_;  // <dir>/<root>
  const milliseconds notify_delay_;
  const milliseconds liveness_interval_;
  const int inotify_fd_;  // -1 when inotify is unavailable: periodic scans only
  const int wake_fd_;
  std::atomic<std::thread::id> thread_id_{};

  // Serializes the file operations on this object's registrations (Register, Unregister, the
  // periodic re-creation, Close), so a re-creation never resurrects an entry just unregistered.
  // Taken before mu_, never while a listener runs.
  std::mutex write_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  std::map<std::string, Registration> registered_;  // by entry path
  std::map<uint64_t, std::shared_ptr<Subscription>> subs_;
  bool subs_changed_ = false;
  uint64_t next_id_ = 0;
  uint64_t running_ = 0;  // subscription whose listener is running (0: none)

  // Background thread only.
  std::map<std::string, Watch> watches_;          // by directory
  std::unordered_map<int, std::string> watched_;  // wd -> directory
  std::map<std::string, DirCache> caches_;        // by directory, for watched directories
  std::set<std::string> heal_failing_;            // entry paths whose re-creation failed (warned)
  bool watch_limit_warned_ = false;
};

void FileRegistryCore::Wake() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

Result<Location> FileRegistryCore::Locate(const Url& url) const {
  const std::string interface = url.Get("interface", url.path());
  if (interface.empty() || interface == "*") {
    return Status(StatusCode::kInvalidArgument,
                  "URL names no interface (path or interface parameter): " + url.ToString());
  }
  const std::string encoded = UrlEncode(interface);
  if (!internal::IsSafeName(encoded)) {
    return Status(StatusCode::kInvalidArgument, "interface \"" + interface + "\" cannot name a directory");
  }
  const std::string category = url.Get("category", internal::kProvidersCategory);
  if (!internal::IsSafeName(category)) {
    return Status(StatusCode::kInvalidArgument, "category \"" + category + "\" cannot name a directory");
  }
  return Location{base_ + "/" + encoded + "/" + category, FileRegistryEntryName(url)};
}

Status FileRegistryCore::Register(const Url& url) {
  if (url.protocol().empty()) {
    return Status(StatusCode::kInvalidArgument, "cannot register a URL without protocol: " + url.ToString());
  }
  DUBBO_ASSIGN_OR_RETURN(Location loc, Locate(url));
  Registration reg;
  reg.url = url;
  reg.location = loc;
  reg.ephemeral = internal::GetJavaBool(url, "dynamic", true);
  reg.content = EntryContent(url, reg.ephemeral);

  std::lock_guard<std::mutex> write_lock(write_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  Status status = MakeDirs(loc.dir);
  if (status.ok()) status = WriteEntryFile(loc.dir, loc.name, reg.content, &reg.st);
  reg.written = status.ok();
  {
    // Kept even on failure: the periodic pass retries until the file is written.
    std::lock_guard<std::mutex> lock(mu_);
    registered_[loc.path()] = std::move(reg);
  }
  Wake();
  if (!status.ok()) return status.WithContext("registering " + url.ToString() + " (will retry)");
  return Status::Ok();
}

Status FileRegistryCore::Unregister(const Url& url) {
  DUBBO_ASSIGN_OR_RETURN(Location loc, Locate(url));
  std::lock_guard<std::mutex> write_lock(write_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    registered_.erase(loc.path());
  }
  const std::string path = loc.path();
  if (::unlink(path.c_str()) == 0) return Status::Ok();
  if (errno != ENOENT) return IoError("cannot remove", path, errno).WithContext("unregistering " + url.ToString());
  // Not under its hashed name: an entry written by hand (any name holding this URL) counts too.
  const std::string full = url.ToFullString();
  DIR* d = ::opendir(loc.dir.c_str());
  if (d == nullptr) return Status::Ok();
  const int dirfd = ::dirfd(d);
  while (const struct dirent* de = ::readdir(d)) {
    if (de->d_name[0] == '.' || de->d_type == DT_DIR) continue;
    struct stat st;
    auto entry = ReadEntry(dirfd, de->d_name, &st);
    if (entry.ok() && entry->url.ToFullString() == full) ::unlinkat(dirfd, de->d_name, 0);
  }
  ::closedir(d);
  return Status::Ok();
}

std::vector<std::pair<size_t, std::string>> FileRegistryCore::DirsOf(const Query& q,
                                                                      std::vector<std::string>* watch) const {
  std::vector<std::pair<size_t, std::string>> dirs;
  std::vector<std::string> interface_dirs;
  if (q.interface == "*") {
    if (watch != nullptr) watch->push_back(base_);
    for (const auto& name : SubdirNames(base_)) {
      interface_dirs.push_back(base_ + "/" + name);
      if (watch != nullptr) watch->push_back(interface_dirs.back());
    }
  } else {
    interface_dirs.push_back(InterfaceDir(q.interface));
  }
  for (size_t c = 0; c < q.categories.size(); ++c) {
    for (const auto& idir : interface_dirs) {
      dirs.emplace_back(c, idir + "/" + q.categories[c]);
      if (watch != nullptr) watch->push_back(dirs.back().second);
    }
  }
  return dirs;
}

std::vector<Url> FileRegistryCore::Gather(const Query& q, const std::vector<std::pair<size_t, std::string>>& dirs,
                                          const std::function<const std::vector<Url>&(const std::string&)>& scan,
                                          std::vector<std::string>* keys) const {
  std::vector<Matched> matched;
  for (const auto& [category, dir] : dirs) {
    for (const Url& u : scan(dir)) {
      if (IsMatch(q.consumer, u)) matched.push_back({category, u.ToFullString(), u});
    }
  }
  return SortMatched(std::move(matched), keys);
}

Result<uint64_t> FileRegistryCore::Subscribe(const Url& consumer, NotifyListener listener) {
  if (!listener) return Status(StatusCode::kInvalidArgument, "subscribing without a listener");
  DUBBO_ASSIGN_OR_RETURN(Query query, MakeQuery(consumer, DefaultSubscribeCategories()));
  auto sub = std::make_shared<Subscription>();
  sub->query = std::move(query);
  sub->listener = std::move(listener);
  sub->due = Clock::now();
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    id = sub->id = ++next_id_;
    subs_.emplace(id, sub);
    subs_changed_ = true;
  }
  Wake();
  if (OnThread()) return id;  // delivered once the running listener returns
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return sub->delivered || closed_ || subs_.count(id) == 0; });
  return id;
}

Status FileRegistryCore::Unsubscribe(uint64_t id) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (subs_.erase(id) == 0) {
      if (closed_) return Status::Ok();
      return Status(StatusCode::kNotFound, "no subscription " + std::to_string(id) + " in " + url_.ToString());
    }
    subs_changed_ = true;
    // After Unsubscribe returns the listener is neither running nor called again — unless the
    // listener itself unsubscribes, which cannot wait for its own return.
    if (!OnThread()) cv_.wait(lock, [&] { return running_ != id; });
  }
  Wake();
  return Status::Ok();
}

Result<std::vector<Url>> FileRegistryCore::Lookup(const Url& consumer) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  DUBBO_ASSIGN_OR_RETURN(Query query, MakeQuery(consumer, {std::string(internal::kProvidersCategory)}));
  LivenessProbe probe;
  std::map<std::string, std::vector<Url>> found;
  auto scan = [&](const std::string& dir) -> const std::vector<Url>& {
    auto [it, inserted] = found.try_emplace(dir);
    if (inserted) {
      DirCache cache;
      ScanDir(dir, &cache, &probe, &it->second);
    }
    return it->second;
  };
  return Gather(query, DirsOf(query, nullptr), scan, nullptr);
}

Result<std::vector<std::string>> FileRegistryCore::ListServices() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  LivenessProbe probe;
  std::vector<std::string> services;
  for (const auto& name : SubdirNames(base_)) {
    bool any = false;
    for (const auto& category : SubdirNames(base_ + "/" + name)) {
      DirCache cache;
      std::vector<Url> urls;
      ScanDir(base_ + "/" + name + "/" + category, &cache, &probe, &urls);
      if ((any = !urls.empty())) break;
    }
    if (!any) continue;
    auto decoded = UrlDecode(name);
    if (!decoded.ok()) {
      LogWarning() << "file registry: skipping directory " << base_ << "/" << name << ": "
                   << decoded.status().message();
      continue;
    }
    services.push_back(std::move(*decoded));
  }
  std::sort(services.begin(), services.end());
  return services;
}

void FileRegistryCore::Shutdown() {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::map<std::string, Registration> registered;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    registered.swap(registered_);
    subs_.clear();
  }
  cv_.notify_all();
  Wake();
  // Persistent (dynamic=false) entries stay, as Java's AbstractRegistry.destroy leaves them.
  for (const auto& [path, reg] : registered) {
    if (!reg.ephemeral || !reg.written) continue;
    struct stat st;
    // Only the file we wrote: another process may have registered the same URL since.
    if (::lstat(path.c_str(), &st) != 0 || !SameFile(st, reg.st)) continue;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      LogWarning() << "file registry: cannot remove " << path << " on close: " << ErrnoText(errno);
    }
  }
}

void FileRegistryCore::SelfHeal() {
  // Re-creates this object's entries that are missing (a reader's garbage collection raced with
  // a re-registration, someone cleaned the directory) or were never written (Register failed).
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::vector<std::pair<std::string, Registration>> registered;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    registered.assign(registered_.begin(), registered_.end());
  }
  LivenessProbe probe;
  for (auto& [path, reg] : registered) {
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) {
      if (reg.written && SameFile(st, reg.st)) continue;
      // Replaced: fine as long as it is a live entry for the same URL (the same URL registered
      // by another process, or this one rewritten in place).
      struct stat read_st;
      auto entry = ReadEntry(AT_FDCWD, path.c_str(), &read_st);
      if (entry.ok() && entry->url.ToFullString() == reg.url.ToFullString() && EntryAlive(*entry, &probe)) {
        continue;
      }
    }
    Status status = MakeDirs(reg.location.dir);
    if (status.ok()) status = WriteEntryFile(reg.location.dir, reg.location.name, reg.content, &reg.st);
    if (!status.ok()) {
      // Once per failing entry: the retry runs every liveness.interval.
      if (heal_failing_.insert(path).second) {
        LogWarning() << "file registry: cannot write " << reg.url.ToString() << " (retrying): " << status.message();
      }
      continue;
    }
    heal_failing_.erase(path);
    LogInfo() << "file registry: " << (reg.written ? "re-created " : "registered ") << path;
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = registered_.find(path); it != registered_.end()) {
      it->second.written = true;
      it->second.st = reg.st;
    }
  }
}

void FileRegistryCore::UpdateWatches(uint64_t sub, const std::vector<std::string>& dirs) {
  for (const auto& dir : dirs) {
    Watch& w = watches_[dir];
    w.subs.insert(sub);
    if (w.wd >= 0 || inotify_fd_ < 0) continue;
    const int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(),
                                       IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE |
                                           IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK);
    if (wd < 0) {
      if ((errno == ENOSPC || errno == ENOMEM) && !watch_limit_warned_) {
        watch_limit_warned_ = true;
        LogWarning() << "file registry: cannot watch " << dir << " (" << ErrnoText(errno)
                     << "; raise fs.inotify.max_user_watches); changes are seen by the periodic scan";
      }
      continue;  // e.g. not created yet: retried on the next scan
    }
    if (auto it = watched_.find(wd); it != watched_.end() && it->second != dir) continue;  // same inode
    w.wd = wd;
    watched_[wd] = dir;
  }
  for (auto it = watches_.begin(); it != watches_.end();) {
    auto next = std::next(it);
    if (it->second.subs.count(sub) != 0 && std::find(dirs.begin(), dirs.end(), it->first) == dirs.end()) {
      it->second.subs.erase(sub);
      if (it->second.subs.empty()) DropWatch(it);
    }
    it = next;
  }
}

void FileRegistryCore::DropWatch(std::map<std::string, Watch>::iterator it) {
  if (it->second.wd >= 0) {
    ::inotify_rm_watch(inotify_fd_, it->second.wd);
    watched_.erase(it->second.wd);
  }
  caches_.erase(it->first);
  watches_.erase(it);
}

void FileRegistryCore::DropUnsubscribedWatches() {
  std::set<uint64_t> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, s] : subs_) live.insert(id);
  }
  for (auto it = watches_.begin(); it != watches_.end();) {
    auto next = std::next(it);
    for (auto s = it->second.subs.begin(); s != it->second.subs.end();) {
      s = live.count(*s) != 0 ? std::next(s) : it->second.subs.erase(s);
    }
    if (it->second.subs.empty()) DropWatch(it);
    it = next;
  }
}

void FileRegistryCore::ReadEvents() {
  std::set<uint64_t> changed;
  bool overflow = false;
  alignas(struct inotify_event) char buf[16384];
  while (true) {
    const ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN: drained
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
      if ((ev->mask & IN_Q_OVERFLOW) != 0) {
        overflow = true;
        continue;
      }
      const auto dir_it = watched_.find(ev->wd);
      if (dir_it == watched_.end()) continue;
      const std::string dir = dir_it->second;
      auto w = watches_.find(dir);
      if (w == watches_.end()) continue;
      changed.insert(w->second.subs.begin(), w->second.subs.end());
      if ((ev->mask & IN_IGNORED) != 0) {
        // The directory is gone: the next scan re-creates (or re-finds) it and watches again.
        watched_.erase(dir_it);
        w->second.wd = -1;
        caches_.erase(dir);
      } else if ((ev->mask & IN_MOVE_SELF) != 0) {
        ::inotify_rm_watch(inotify_fd_, ev->wd);  // IN_IGNORED follows
      } else if (ev->len > 0) {
        caches_[dir].erase(ev->name);  // rewritten in place: read it again
      }
    }
  }
  if (changed.empty() && !overflow) return;
  const auto due = Clock::now() + notify_delay_;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, s] : subs_) {
    if (!overflow && changed.count(id) == 0) continue;
    // The first change of a burst sets the deadline; later ones ride along, so a steady stream
    // of changes still notifies every notify.delay.
    if (!s->due || *s->due > due) s->due = due;
  }
}

void FileRegistryCore::Deliver(const std::shared_ptr<Subscription>& sub, LivenessProbe* probe,
                               std::map<std::string, std::vector<Url>>* memo) {
  {
    // A listener earlier in this pass may have closed the registry: touch nothing after Close.
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || subs_.count(sub->id) == 0) return;
  }
  const Query& q = sub->query;
  if (q.interface != "*") {
    // Subscribing creates the service's category directories, as ZooKeeper's does, so they
    // can be watched before any provider exists.
    for (const auto& c : q.categories) {
      const std::string dir = InterfaceDir(q.interface) + "/" + c;
      if (auto w = watches_.find(dir); w != watches_.end() && w->second.wd >= 0) continue;
      if (Status s = MakeDirs(dir); !s.ok()) LogWarning() << "file registry: " << s.message();
    }
  }
  std::vector<std::string> watch;
  const auto dirs = DirsOf(q, &watch);
  // Watch before reading, so a change between the two is not missed.
  UpdateWatches(sub->id, watch);
  auto scan = [&](const std::string& dir) -> const std::vector<Url>& {
    auto [it, inserted] = memo->try_emplace(dir);
    if (inserted) ScanDir(dir, &caches_[dir], probe, &it->second);
    return it->second;
  };
  std::vector<std::string> keys;
  std::vector<Url> urls = Gather(q, dirs, scan, &keys);

  NotifyListener listener;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || subs_.count(sub->id) == 0) return;
    if (sub->delivered && keys == sub->last) return;  // nothing the listener would see changed
    sub->last = std::move(keys);
    running_ = sub->id;
    listener = sub->listener;
  }
  try {
    listener(urls);
  } catch (const std::exception& e) {
    LogWarning() << "file registry: listener of " << q.consumer.ToString() << " threw: " << e.what();
  } catch (...) {
    LogWarning() << "file registry: listener of " << q.consumer.ToString() << " threw";
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = 0;
    sub->delivered = true;
  }
  cv_.notify_all();
}

void FileRegistryCore::Run() {
  thread_id_.store(std::this_thread::get_id());
  std::optional<Clock::time_point> next_tick;
  while (true) {
    std::vector<std::shared_ptr<Subscription>> due;
    bool tick = false;
    bool subs_changed = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) break;
      const auto now = Clock::now();
      // Periodic passes only while there is something to keep alive or to watch.
      if (subs_.empty() && registered_.empty()) {
        next_tick.reset();
      } else if (!next_tick) {
        next_tick = now + liveness_interval_;
      } else if (now >= *next_tick) {
        tick = true;
        next_tick = now + liveness_interval_;
      }
      subs_changed = std::exchange(subs_changed_, false);
      for (auto& [id, s] : subs_) {
        if (tick || (s->due && *s->due <= now)) {
          s->due.reset();
          due.push_back(s);
        }
      }
    }
    if (subs_changed) DropUnsubscribedWatches();
    if (tick) SelfHeal();
    if (!due.empty()) {
      LivenessProbe probe;
      std::map<std::string, std::vector<Url>> memo;
      for (const auto& s : due) Deliver(s, &probe, &memo);
    }

    int timeout_ms = -1;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) break;
      std::optional<Clock::time_point> wake = next_tick;
      for (const auto& [id, s] : subs_) {
        if (s->due && (!wake || *s->due < *wake)) wake = s->due;
      }
      if (subs_changed_) wake = Clock::now();
      if (wake) {
        const auto left = std::chrono::ceil<milliseconds>(*wake - Clock::now()).count();
        timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
      }
    }
    struct pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    const int n = ::poll(fds, inotify_fd_ >= 0 ? 2 : 1, timeout_ms);
    if (n <= 0) continue;
    if ((fds[0].revents & POLLIN) != 0) {
      uint64_t value;
      [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &value, sizeof value);
    }
    if (inotify_fd_ >= 0 && (fds[1].revents & POLLIN) != 0) ReadEvents();
  }
  for (auto it = watches_.begin(); it != watches_.end();) DropWatch(it++);
}

// The Registry the factory hands out: owns the background thread, forwards to the core.
class FileRegistry final : public Registry {
 public:
  explicit FileRegistry(std::shared_ptr<FileRegistryCore> core) : core_(std::move(core)) {
    thread_ = std::thread([core = core_] { core->Run(); });
  }
  ~FileRegistry() override { Close(); }

  Status Register(const Url& url) override { return core_->Register(url); }
  Status Unregister(const Url& url) override { return core_->Unregister(url); }
  Result<uint64_t> Subscribe(const Url& consumer_url, NotifyListener listener) override {
    return core_->Subscribe(consumer_url, std::move(listener));
  }
  Status Unsubscribe(uint64_t subscription) override { return core_->Unsubscribe(subscription); }
  Result<std::vector<Url>> Lookup(const Url& consumer_url) override { return core_->Lookup(consumer_url); }
  Result<std::vector<std::string>> ListServices() override { return core_->ListServices(); }
  const Url& url() const override { return core_->url(); }

  void Close() override {
    core_->Shutdown();
    std::lock_guard<std::mutex> lock(thread_mu_);
    if (!thread_.joinable()) return;
    // Closed (or destroyed) from a listener: the thread cannot join itself; it exits when the
    // listener returns, keeping the core alive until then.
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }

 private:
  std::shared_ptr<FileRegistryCore> core_;
  std::mutex thread_mu_;
  std::thread thread_;
};

Result<milliseconds> DurationParam(const Url& url, std::string_view key, int64_t fallback, int64_t min,
                                   int64_t max) {
  DUBBO_ASSIGN_OR_RETURN(int64_t ms, url.GetInt(key, fallback));
  if (ms < min || ms > max) {
    return Status(StatusCode::kInvalidArgument, std::string(key) + "=" + std::to_string(ms) + " is outside " +
                                                    std::to_string(min) + ".." + std::to_string(max) + " ms");
  }
  return milliseconds(ms);
}

// Resolves the directory a file:// URL names; the default one is created private to the user.
Result<std::string> RegistryDir(const Url& url) {
  if (!url.host().empty() && url.host() != "localhost") {
    return Status(StatusCode::kInvalidArgument,
                  "host \"" + url.host() + "\" in a file registry address: use file:///absolute/dir or file://");
  }
  if (!url.path().empty()) return "/" + url.path();
  const std::string dir = FileRegistryDefaultDir();
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return IoError("cannot create directory", dir, errno);
  // In a world-writable /tmp, someone else could have created the name first.
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return IoError("cannot stat", dir, errno);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::getuid()) {
    return Status(StatusCode::kIoError, dir + " is not a directory owned by uid " + std::to_string(::getuid()));
  }
  return dir;
}

}  // namespace

std::string FileRegistryDefaultDir() { return "/tmp/dubbo-cpp-registry-" + std::to_string(::getuid()); }

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

Result<std::shared_ptr<Registry>> OpenFileRegistry(const Url& url) {
  auto fail = [&url](const Status& s) { return s.WithContext("file registry " + url.ToString()); };
  auto dir = RegistryDir(url);
  if (!dir.ok()) return fail(dir.status());
  // The root, as ZooKeeper's: "dubbo" by default, nested paths allowed ("apps/dubbo").
  std::string base = *dir;
  const std::string root = url.Get("group", "dubbo");
  std::string_view rest = root;
  bool any = false;
  while (!rest.empty()) {
    const auto slash = std::min(rest.find('/'), rest.size());
    const std::string_view part = rest.substr(0, slash);
    rest.remove_prefix(std::min(slash + 1, rest.size()));
    if (part.empty()) continue;
    if (!internal::IsSafeName(part)) {
      return fail(Status(StatusCode::kInvalidArgument, "group \"" + root + "\" cannot name a directory"));
    }
    base += "/";
    base += part;
    any = true;
  }
  if (!any) return fail(Status(StatusCode::kInvalidArgument, "empty group (root directory)"));
  auto delay = DurationParam(url, "notify.delay", kDefaultNotifyDelayMs, 0, 60'000);
  if (!delay.ok()) return fail(delay.status());
  auto interval = DurationParam(url, "liveness.interval", kDefaultLivenessIntervalMs, 10, 60'000);
  if (!interval.ok()) return fail(interval.status());
  if (Status s = MakeDirs(base); !s.ok()) return fail(s);
  if (::access(base.c_str(), W_OK | X_OK) != 0) return fail(IoError("cannot write to", base, errno));

  const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) return fail(Status(StatusCode::kInternal, "eventfd: " + ErrnoText(errno)));
  auto use_inotify = url.GetBool("inotify", true);
  if (!use_inotify.ok()) {
    ::close(wake_fd);
    return fail(use_inotify.status());
  }
  const int inotify_fd = *use_inotify ? ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
  if (*use_inotify && inotify_fd < 0) {
    LogWarning() << "file registry " << url.ToString() << ": inotify unavailable (" << ErrnoText(errno)
                 << "); changes are seen by the periodic scan only";
  }
  auto core = std::make_shared<FileRegistryCore>(url, std::move(base), *delay, *interval, inotify_fd, wake_fd);
  try {
    return std::shared_ptr<Registry>(std::make_shared<FileRegistry>(std::move(core)));
  } catch (const std::system_error& e) {
    return fail(Status(StatusCode::kInternal, std::string("cannot start the registry thread: ") + e.what()));
  }
}

}  // namespace dubbo::registry
