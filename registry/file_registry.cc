#include "registry/file_registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/log.h"
#include "registry/file_entries.h"
#include "registry/internal.h"
#include "registry/registry_backend.h"
#include "registry/registry_engine.h"

namespace dubbo::registry {

namespace {

using std::chrono::milliseconds;

constexpr int64_t kDefaultNotifyDelayMs = 10;
constexpr int64_t kDefaultLivenessIntervalMs = 250;

using internal::DirCache;
using internal::EntryAlive;
using internal::EntryContent;
using internal::ErrnoText;
using internal::IoError;
using internal::LivenessProbe;
using internal::MakeDirs;
using internal::Matched;
using internal::Query;
using internal::ReadEntry;
using internal::ScanDir;
using internal::SubdirNames;
using internal::WriteEntryFile;
using Written = RegistryBackend::Written;
using PathKind = RegistryBackend::PathKind;

std::string Identity(const struct stat& st) {
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

std::string ParentDir(const std::string& path) { return path.substr(0, path.rfind('/')); }

// Dubbo's ZooKeeper layout as directories: answers the engine's questions with files, inotify
// watches and liveness scans. The watch tables and read caches belong to the engine's worker
// thread; Lookup and ListServices (callers' threads) read with caches of their own.
class FileBackend final : public RegistryBackend {
 public:
  FileBackend(BackendTraits traits, int inotify_fd)
      : traits_(std::move(traits)), inotify_fd_(inotify_fd) {}
  ~FileBackend() override {
    for (auto it = watches_.begin(); it != watches_.end();) DropWatch(it++);
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
  }

  const BackendTraits& traits() const override { return traits_; }
  void Start(BackendEvents* events) override { events_ = events; }

  Result<std::string> EntryPath(const Url& url) const override;
  Result<Written> Write(const std::string& path, const Url& url, bool ephemeral) override;
  Status Delete(const std::string& path, const Url& url) override;
  bool Intact(const std::string& path, const Url& url, const Written& written) override;
  void RemoveOwn(const std::string& path, const Written& written) override;
  Result<Read> ReadPath(const std::string& path, PathKind kind, bool create) override;
  void Unwatch(const std::string& path) override;
  Result<std::vector<Url>> Lookup(const Query& query) override;
  Result<std::vector<std::string>> ListServices() override;
  int PollFd() const override { return inotify_fd_; }
  void OnReadable() override;

 private:
  struct Watch {
    int wd = -1;                  // -1: not watched (yet), the periodic scan covers it
    std::set<std::string> paths;  // the engine's paths a change here concerns
  };

  const std::string& base() const { return traits_.root; }
  void AddWatch(const std::string& dir, const std::string& path);
  void DropWatch(std::map<std::string, Watch>::iterator it);

  const BackendTraits traits_;
  const int inotify_fd_;  // -1 when inotify is unavailable: periodic scans only
  BackendEvents* events_ = nullptr;

  std::map<std::string, Watch> watches_;          // by directory
  std::unordered_map<int, std::string> watched_;  // wd -> directory
  std::map<std::string, DirCache> caches_;        // by directory, for watched directories
  bool watch_limit_warned_ = false;
};

Result<std::string> FileBackend::EntryPath(const Url& url) const {
  const std::string interface = url.Get("interface", url.path());
  if (interface.empty() || interface == "*") {
    return Status(StatusCode::kInvalidArgument,
                  "URL names no interface (path or interface parameter): " + url.ToString());
  }
  const std::string encoded = UrlEncode(interface);
  if (!internal::IsSafeName(encoded)) {
    return Status(StatusCode::kInvalidArgument,
                  "interface \"" + interface + "\" cannot name a directory");
  }
  const std::string category = url.Get("category", internal::kProvidersCategory);
  if (!internal::IsSafeName(category)) {
    return Status(StatusCode::kInvalidArgument,
                  "category \"" + category + "\" cannot name a directory");
  }
  return base() + "/" + encoded + "/" + category + "/" + FileRegistryEntryName(url);
}

Result<Written> FileBackend::Write(const std::string& path, const Url& url, bool ephemeral) {
  const std::string dir = ParentDir(path);
  struct stat st {};
  DUBBO_RETURN_IF_ERROR(MakeDirs(dir));
  DUBBO_RETURN_IF_ERROR(
      WriteEntryFile(dir, path.substr(dir.size() + 1), EntryContent(url, ephemeral), &st));
  return Written{1, Identity(st)};
}

Status FileBackend::Delete(const std::string& path, const Url& url) {
  if (::unlink(path.c_str()) == 0) return Status::Ok();
  if (errno != ENOENT) return IoError("cannot remove", path, errno);
  // Not under its hashed name: an entry written by hand (any name holding this URL) counts too.
  const std::string full = url.ToFullString();
  DIR* d = ::opendir(ParentDir(path).c_str());
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

bool FileBackend::Intact(const std::string& path, const Url& url, const Written& written) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return false;
  if (Identity(st) == written.identity) return true;
  // Replaced: fine as long as it is a live entry for the same URL (the same URL registered by
  // another process, or this one rewritten in place).
  LivenessProbe probe;
  struct stat read_st;
  auto entry = ReadEntry(AT_FDCWD, path.c_str(), &read_st);
  return entry.ok() && entry->url.ToFullString() == url.ToFullString() &&
         EntryAlive(*entry, &probe);
}

void FileBackend::RemoveOwn(const std::string& path, const Written& written) {
  struct stat st;
  // Only the file we wrote: another process may have registered the same URL since.
  if (::lstat(path.c_str(), &st) != 0 || Identity(st) != written.identity) return;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    LogWarning() << "file registry: cannot remove " << path << " on close: " << ErrnoText(errno);
  }
}

void FileBackend::AddWatch(const std::string& dir, const std::string& path) {
  Watch& w = watches_[dir];
  w.paths.insert(path);
  if (w.wd >= 0 || inotify_fd_ < 0) return;
  const int wd =
      ::inotify_add_watch(inotify_fd_, dir.c_str(),
                          IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE |
                              IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK);
  if (wd < 0) {
    if ((errno == ENOSPC || errno == ENOMEM) && !watch_limit_warned_) {
      watch_limit_warned_ = true;
      LogWarning() << "file registry: cannot watch " << dir << " (" << ErrnoText(errno)
                   << "; raise fs.inotify.max_user_watches); changes are seen by the periodic scan";
    }
    return;  // e.g. not created yet: retried on the next read
  }
  if (auto it = watched_.find(wd); it != watched_.end() && it->second != dir) return;  // same inode
  w.wd = wd;
  watched_[wd] = dir;
}

void FileBackend::DropWatch(std::map<std::string, Watch>::iterator it) {
  if (it->second.wd >= 0) {
    ::inotify_rm_watch(inotify_fd_, it->second.wd);
    watched_.erase(it->second.wd);
  }
  caches_.erase(it->first);
  watches_.erase(it);
}

void FileBackend::Unwatch(const std::string& path) {
  for (auto it = watches_.begin(); it != watches_.end();) {
    auto next = std::next(it);
    if (it->second.paths.erase(path) != 0 && it->second.paths.empty()) DropWatch(it);
    it = next;
  }
}

Result<RegistryBackend::Read> FileBackend::ReadPath(const std::string& path, PathKind kind,
                                                    bool create) {
  Read read;
  // Watch before reading, so a change between the two is not missed.
  if (kind == PathKind::kRoot) {
    AddWatch(path, path);
    read.names = SubdirNames(path);
    return read;
  }
  if (create) {
    // Subscribing creates the service's category directories, as ZooKeeper's does, so they can
    // be watched before any provider exists.
    if (auto w = watches_.find(path); w == watches_.end() || w->second.wd < 0) {
      if (Status s = MakeDirs(path); !s.ok()) LogWarning() << "file registry: " << s.message();
    }
  } else {
    AddWatch(ParentDir(path), path);  // a service of a "*" subscription: its categories appear
  }
  AddWatch(path, path);
  LivenessProbe probe;
  ScanDir(path, &caches_[path], &probe, &read.urls);
  return read;
}

void FileBackend::OnReadable() {
  std::set<std::string> changed;
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
      changed.insert(w->second.paths.begin(), w->second.paths.end());
      if ((ev->mask & IN_IGNORED) != 0) {
        // The directory is gone: the next read re-creates (or re-finds) it and watches again.
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
  if (overflow) {
    events_->OnEverythingChanged();
    return;
  }
  for (const auto& path : changed) events_->OnChanged(path);
}

Result<std::vector<Url>> FileBackend::Lookup(const Query& q) {
  std::vector<std::pair<size_t, std::string>> dirs;  // (category index, directory)
  std::vector<std::string> interface_dirs;
  if (q.interface == "*") {
    for (const auto& name : SubdirNames(base())) interface_dirs.push_back(base() + "/" + name);
  } else {
    interface_dirs.push_back(base() + "/" + UrlEncode(q.interface));
  }
  for (size_t c = 0; c < q.categories.size(); ++c) {
    for (const auto& idir : interface_dirs) dirs.emplace_back(c, idir + "/" + q.categories[c]);
  }
  LivenessProbe probe;
  std::map<std::string, std::vector<Url>> found;
  std::vector<Matched> matched;
  for (const auto& [category, dir] : dirs) {
    auto [it, inserted] = found.try_emplace(dir);
    if (inserted) {
      DirCache cache;
      ScanDir(dir, &cache, &probe, &it->second);
    }
    for (const Url& u : it->second) {
      if (IsMatch(q.consumer, u)) matched.push_back({category, u.ToFullString(), u});
    }
  }
  internal::SortMatched(&matched);
  std::vector<Url> urls;
  urls.reserve(matched.size());
  for (auto& m : matched) urls.push_back(std::move(m.url));
  return urls;
}

Result<std::vector<std::string>> FileBackend::ListServices() {
  LivenessProbe probe;
  std::vector<std::string> services;
  for (const auto& name : SubdirNames(base())) {
    bool any = false;
    for (const auto& category : SubdirNames(base() + "/" + name)) {
      DirCache cache;
      std::vector<Url> urls;
      ScanDir(base() + "/" + name + "/" + category, &cache, &probe, &urls);
      if ((any = !urls.empty())) break;
    }
    if (!any) continue;
    auto decoded = UrlDecode(name);
    if (!decoded.ok()) {
      LogWarning() << "file registry: skipping directory " << base() << "/" << name << ": "
                   << decoded.status().message();
      continue;
    }
    services.push_back(std::move(*decoded));
  }
  std::sort(services.begin(), services.end());
  return services;
}

Result<milliseconds> DurationParam(const Url& url, std::string_view key, int64_t fallback,
                                   int64_t min, int64_t max) {
  DUBBO_ASSIGN_OR_RETURN(int64_t ms, url.GetInt(key, fallback));
  if (ms < min || ms > max) {
    return Status(StatusCode::kInvalidArgument, std::string(key) + "=" + std::to_string(ms) +
                                                    " is outside " + std::to_string(min) + ".." +
                                                    std::to_string(max) + " ms");
  }
  return milliseconds(ms);
}

// Resolves the directory a file:// URL names; the default one is created private to the user.
Result<std::string> RegistryDir(const Url& url) {
  if (!url.host().empty() && url.host() != "localhost") {
    return Status(StatusCode::kInvalidArgument,
                  "host \"" + url.host() +
                      "\" in a file registry address: use file:///absolute/dir or file://");
  }
  if (!url.path().empty()) return "/" + url.path();
  const std::string dir = FileRegistryDefaultDir();
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return IoError("cannot create directory", dir, errno);
  // In a world-writable /tmp, someone else could have created the name first.
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return IoError("cannot stat", dir, errno);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::getuid()) {
    return Status(StatusCode::kIoError,
                  dir + " is not a directory owned by uid " + std::to_string(::getuid()));
  }
  return dir;
}

}  // namespace

std::string FileRegistryDefaultDir() {
  return "/tmp/dubbo-cpp-registry-" + std::to_string(::getuid());
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
      return fail(
          Status(StatusCode::kInvalidArgument, "group \"" + root + "\" cannot name a directory"));
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
  if (::access(base.c_str(), W_OK | X_OK) != 0)
    return fail(IoError("cannot write to", base, errno));

  auto use_inotify = url.GetBool("inotify", true);
  if (!use_inotify.ok()) return fail(use_inotify.status());
  const int inotify_fd = *use_inotify ? ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
  if (*use_inotify && inotify_fd < 0) {
    LogWarning() << "file registry " << url.ToString() << ": inotify unavailable ("
                 << ErrnoText(errno) << "); changes are seen by the periodic scan only";
  }
  BackendTraits t;
  t.kind = "file registry";
  t.log_prefix = "file registry: ";
  t.root = std::move(base);
  t.name_what = "a directory";
  t.category_what = "a directory";
  t.is_name = internal::IsSafeName;
  t.notify_delay = *delay;
  // Owners die without telling anyone: every pass looks for dead entries and lost own ones.
  t.retry_period = *interval;
  t.check_interval = *interval;
  return OpenRegistryEngine(url, std::make_unique<FileBackend>(std::move(t), inotify_fd));
}

}  // namespace dubbo::registry
