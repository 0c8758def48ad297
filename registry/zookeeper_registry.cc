#include "registry/zookeeper_registry.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "registry/cache_file.h"
#include "registry/internal.h"

namespace dubbo::registry {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int64_t kDefaultSessionMs = 60'000;
constexpr int64_t kDefaultTimeoutMs = 5'000;
constexpr int64_t kDefaultRetryPeriodMs = 5'000;
constexpr int64_t kDefaultNotifyDelayMs = 100;
constexpr uint16_t kDefaultPort = 2181;
// A notification's cache write waits this long for more to ride along; a failed one is retried.
constexpr auto kCacheSaveDelay = milliseconds(100);
constexpr auto kCacheRetryDelay = milliseconds(500);
// Failed retries are logged on the first failure and then every this many attempts.
constexpr int kLogEveryFailures = 12;

std::string Hex(int64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Errors that say "no usable session right now" (retried once connected again), as opposed to
// errors the server answered (NoAuth, bad ACL ...), retried every retry.period.
bool IsConnectionError(int rc) {
  return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZSESSIONEXPIRED ||
         rc == ZINVALIDSTATE || rc == ZCLOSING || rc == ZSESSIONMOVED ||
         rc == ZSESSIONCLOSEDREQUIRESASLAUTH || rc == ZTHROTTLEDOP;
}

Status ZkStatus(int rc, const std::string& what) {
  StatusCode code = StatusCode::kIoError;
  if (IsConnectionError(rc)) {
    code = StatusCode::kUnavailable;
  } else if (rc == ZNOAUTH || rc == ZAUTHFAILED) {
    code = StatusCode::kForbidden;
  } else if (rc == ZBADARGUMENTS || rc == ZINVALIDACL) {
    code = StatusCode::kInvalidArgument;
  }
  return Status(code, what + ": ZooKeeper error " + std::to_string(rc) + " (" + zerror(rc) + ")");
}

// One component of a ZooKeeper path: not empty, no '/', not "." or "..", no control characters.
bool IsNodeName(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos)
    return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

std::string ParentOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == 0 || slash == std::string::npos) return "/";
  return path.substr(0, slash);
}

using internal::DefaultSubscribeCategories;

using internal::Matched;
using internal::Query;
using internal::SortMatched;

Result<Query> MakeQuery(const Url& consumer, const std::vector<std::string>& default_categories) {
  return internal::MakeQuery(consumer, default_categories, IsNodeName, "a ZooKeeper node", "a node");
}

std::optional<size_t> CategoryIndex(const Query& q, std::string_view category) {
  for (size_t i = 0; i < q.categories.size(); ++i)
    if (q.categories[i] == category) return i;
  return std::nullopt;
}

// A child of a category node: the URL its name encodes (URLDecoder: '+' and %20 are spaces).
struct Child {
  std::string key;  // full string
  Url url;
};

Result<Child> ParseChild(const std::string& name) {
  DUBBO_ASSIGN_OR_RETURN(Url url, internal::ParseNodeName(name));
  return Child{url.ToFullString(), std::move(url)};
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

// host and port of one connection-string item ("h:2181", "[::1]:2181").
std::pair<std::string, std::string> SplitHostPort(const std::string& item) {
  if (!item.empty() && item.front() == '[') {
    const auto close = item.find(']');
    if (close != std::string::npos) {
      const std::string host = item.substr(1, close - 1);
      const bool has_port = close + 1 < item.size() && item[close + 1] == ':';
      return {host, has_port ? item.substr(close + 2) : ""};
    }
  }
  const auto colon = item.rfind(':');
  if (colon == std::string::npos) return {item, ""};
  return {item.substr(0, colon), item.substr(colon + 1)};
}

std::vector<std::string> SplitConnectString(const std::string& hosts) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= hosts.size()) {
    const auto comma = std::min(hosts.find(',', start), hosts.size());
    if (comma > start) items.push_back(hosts.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

// Whether every server of the connection string refuses TCP connections (or cannot be resolved
// or reached) before `deadline`: a server that is down, so the first operations need not wait
// for a session that cannot come. False when any accepts, or when the deadline passes first.
bool AllServersRefuse(const std::string& hosts, Clock::time_point deadline) {
  std::vector<int> pending;
  bool reachable = false;
  for (const auto& item : SplitConnectString(hosts)) {
    const auto [host, port] = SplitHostPort(item);
    struct addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) continue;
    for (auto* ai = res; ai != nullptr && !reachable; ai = ai->ai_next) {
      const int fd =
          ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        reachable = true;
        ::close(fd);
      } else if (errno == EINPROGRESS) {
        pending.push_back(fd);
      } else {
        ::close(fd);
      }
    }
    ::freeaddrinfo(res);
  }
  while (!reachable && !pending.empty()) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      reachable = true;  // undecided: not a refusal
      break;
    }
    std::vector<struct pollfd> fds;
    for (int fd : pending) fds.push_back({fd, POLLOUT, 0});
    if (::poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) break;
    std::vector<int> still;
    for (const auto& p : fds) {
      if (p.revents == 0) {
        still.push_back(p.fd);
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) reachable = true;
      ::close(p.fd);
    }
    pending.swap(still);
  }
  for (int fd : pending) ::close(fd);
  return !reachable;
}

void ZkLog(const char* message) { LogDebug() << "zookeeper client: " << message; }

void AuthDone(int rc, const void*) {
  if (rc != ZOK) LogError() << "zookeeper registry: digest authentication failed: " << zerror(rc);
}

// ---------------------------------------------------------------------------------------------
// Reads many nodes at once with the asynchronous API, waiting for every answer (the ZooKeeper
// client answers every request it accepted, with ZCLOSING at worst). Not on a ZooKeeper thread.

struct Batch {
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  std::vector<int> rcs;
  std::vector<std::vector<std::string>> children;
  std::vector<int32_t> num_children;
};

struct BatchSlot {
  Batch* batch;
  size_t index;
};

void BatchChildrenDone(int rc, const struct String_vector* strings, const void* data) {
  const auto* slot = static_cast<const BatchSlot*>(data);
  Batch* b = slot->batch;
  std::lock_guard<std::mutex> lock(b->mu);
  b->rcs[slot->index] = rc;
  if (rc == ZOK && strings != nullptr) {
    for (int32_t i = 0; i < strings->count; ++i)
      b->children[slot->index].emplace_back(strings->data[i]);
  }
  if (--b->pending == 0) b->cv.notify_all();
}

void BatchExistsDone(int rc, const struct Stat* stat, const void* data) {
  const auto* slot = static_cast<const BatchSlot*>(data);
  Batch* b = slot->batch;
  std::lock_guard<std::mutex> lock(b->mu);
  b->rcs[slot->index] = rc;
  if (rc == ZOK && stat != nullptr) b->num_children[slot->index] = stat->numChildren;
  if (--b->pending == 0) b->cv.notify_all();
}

// kind: true = children, false = exists (numChildren).
void RunBatch(zhandle_t* zh, const std::vector<std::string>& paths, bool children, Batch* b) {
  b->rcs.assign(paths.size(), ZOK);
  b->children.assign(paths.size(), {});
  b->num_children.assign(paths.size(), 0);
  std::vector<BatchSlot> slots(paths.size());
  {
    std::lock_guard<std::mutex> lock(b->mu);
    b->pending = paths.size();
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    slots[i] = BatchSlot{b, i};
    const int rc = children
                       ? zoo_aget_children(zh, paths[i].c_str(), 0, BatchChildrenDone, &slots[i])
                       : zoo_aexists(zh, paths[i].c_str(), 0, BatchExistsDone, &slots[i]);
    if (rc != ZOK) {
      std::lock_guard<std::mutex> lock(b->mu);
      b->rcs[i] = rc;
      --b->pending;
    }
  }
  std::unique_lock<std::mutex> lock(b->mu);
  b->cv.wait(lock, [b] { return b->pending == 0; });
}

// ---------------------------------------------------------------------------------------------

struct Options {
  std::string hosts;  // connection string
  std::string root;   // "/dubbo" ("/" allowed)
  std::string auth;   // "user:password" for digest, empty = none
  milliseconds session{kDefaultSessionMs};
  milliseconds timeout{kDefaultTimeoutMs};
  milliseconds retry_period{kDefaultRetryPeriodMs};
  milliseconds notify_delay{kDefaultNotifyDelayMs};
  std::string cache_path;  // empty = no cache file
};

class Core;

// One ZooKeeper handle, i.e. one session for as long as it lives; closing it (the destructor)
// ends the session. Never destroyed on a ZooKeeper thread or under Core::mu_.
struct Handle {
  Core* core = nullptr;
  uint64_t generation = 0;
  zhandle_t* zh = nullptr;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (zh != nullptr) zookeeper_close(zh);
  }
};

enum class PathKind { kCategory, kRoot };

// A node the registry reads children of, for one or more subscriptions, and keeps watched.
struct PathState {
  PathKind kind = PathKind::kCategory;
  std::string category;  // kCategory: the last component
  bool create = false;   // created (persistent) when missing, as Dubbo's subscribe does; else
                         // an exists-watch waits for its creation
  std::set<uint64_t> subs;
  bool loaded = false;                   // read at least once (the content below is valid)
  std::optional<Clock::time_point> due;  // a (re-)read is wanted at this time
  int failures = 0;                      // consecutive failed reads
  std::vector<Child> children;           // kCategory
  std::vector<std::string> names;        // kRoot: service node names (encoded)
  std::set<std::string> warned;          // children reported as unparsable
};

struct Subscription {
  uint64_t id = 0;
  Query query;
  std::string service_key;  // the cache file's key
  NotifyListener listener;
  // Guarded by Core::mu_:
  std::set<std::string>
      paths;  // every node it reads (wildcard: root and each service's categories)
  bool notify_due = false;
  bool delivered = false;  // the initial notification has been delivered
  bool fallback = false;   // do not wait for ZooKeeper for the initial notification
  std::vector<std::string> last;
};

struct Registration {
  Url url;
  bool ephemeral = true;
  bool ever_written = false;
  int64_t written_session = 0;  // the session it was last written in (0: not yet)
  Clock::time_point next_attempt;
  int failures = 0;
};

struct Removal {
  Url url;
  Clock::time_point next_attempt;
  int failures = 0;
};

class Core {
 public:
  Core(Url url, Options opts)
      : url_(std::move(url)),
        opts_(std::move(opts)),
        grace_end_(Clock::now() + opts_.timeout),
        cache_(opts_.cache_path.empty() ? nullptr
                                        : std::make_unique<RegistryCacheFile>(opts_.cache_path)) {}
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  const Url& url() const { return url_; }

  Status Register(const Url& url);
  Status Unregister(const Url& url);
  Result<uint64_t> Subscribe(const Url& consumer, NotifyListener listener);
  Status Unsubscribe(uint64_t id);
  Result<std::vector<Url>> Lookup(const Url& consumer);
  Result<std::vector<std::string>> ListServices();
  std::optional<ZookeeperSession> Session();

  // Close, in three steps run by the Registry object: BeginShutdown (stop accepting work, wake
  // the threads), join the session thread, FinishShutdown (remove own ephemeral nodes, close the
  // session, flush the cache file).
  void BeginShutdown();
  void FinishShutdown();

  void RunSession();  // the session thread: handles, retries, reads
  void RunNotify();   // the notification thread: listeners, cache file

  // ZooKeeper threads (watchers): record and wake, nothing more.
  void OnSessionEvent(uint64_t generation, int state);
  void OnPathEvent(uint64_t generation, const char* path);

 private:
  Status Closed() const {
    return Status(StatusCode::kCancelled, "zookeeper registry " + url_.ToString() + " is closed");
  }
  // A write that failed with `rc` and was queued for the session thread to retry: a connection
  // error is not the caller's (OK, retried once connected); any other is returned, and retried
  // every retry period.
  Status QueuedForRetry(int rc, const std::string& what) const;
  std::string Prefix() const { return "zookeeper registry " + opts_.hosts + ": "; }
  bool OnNotifyThread() const { return notify_thread_.load() == std::this_thread::get_id(); }
  std::string RootDir() const { return opts_.root == "/" ? "/" : opts_.root + "/"; }
  std::string ServicePath(const std::string& encoded_interface) const {
    return RootDir() + encoded_interface;
  }
  Result<std::string> NodePath(const Url& url) const;
  struct ACL_vector* Acl() const {
    return opts_.auth.empty() ? &ZOO_OPEN_ACL_UNSAFE : &ZOO_CREATOR_ALL_ACL;
  }

  // Waits for a session during the first-connection grace (`timeout` after opening, cut short
  // when every server refuses connections). True when connected.
  bool AwaitConnection();
  std::shared_ptr<Handle> ConnectedHandleLocked() const {
    return connected_ && handle_ && !handle_dead_ ? handle_ : nullptr;
  }

  // ZooKeeper operations (no lock held).
  int EnsurePath(zhandle_t* zh, const std::string& path);
  int CreateNode(zhandle_t* zh, const std::string& path, bool ephemeral, int64_t* session);

  // Session thread.
  void NewHandle();
  void HandleSessionEvent(int state);
  void RetryRegistration(const std::string& path);
  void RetryRemoval(const std::string& path);
  void ReadPath(const std::string& path);

  // Under mu_.
  void AddPathLocked(const std::string& path, Subscription* sub, PathKind kind, bool create,
                     const std::string& category);
  void RemovePathLocked(const std::string& path, Subscription* sub);
  void UpdateWildcardLocked(Subscription* sub, const std::vector<std::string>& names);
  bool EvaluateLocked(Subscription* sub, std::vector<Matched>* out, bool* live);
  std::vector<Matched> GatherLocked(const Subscription& sub) const;
  std::vector<Matched> FromCache(const Subscription& sub) const;
  std::string CacheValue(const Subscription& sub, const std::vector<Matched>& matched) const;

  Result<std::vector<Matched>> ReadOnce(zhandle_t* zh, const Query& q);

  const Url url_;
  const Options opts_;
  std::atomic<std::thread::id> notify_thread_{};

  // Serializes writes of this object's registrations (Register, Unregister, retries, Close), so
  // a retry never re-creates a node just unregistered. Taken before mu_; never held by a listener's
  // caller while the listener runs.
  std::mutex write_mu_;
  std::mutex mu_;
  std::condition_variable session_cv_;  // wakes the session thread
  std::condition_variable notify_cv_;   // wakes the notification thread
  std::condition_variable state_cv_;    // callers waiting: connection, delivery, running_
  bool closed_ = false;
  bool finished_ = false;
  std::shared_ptr<Handle> handle_;
  uint64_t generation_ = 0;
  bool handle_dead_ = false;  // expired or failed: the session thread opens a new one
  Clock::time_point recreate_at_{};
  bool connected_ = false;
  bool was_connected_ = false;  // for logging transitions
  int64_t session_id_ = 0;      // the current session, once the session thread has seen it
  bool had_session_ = false;
  Clock::time_point grace_end_;
  bool probed_ = false;
  std::deque<int> events_;
  std::map<std::string, Registration> registered_;  // by node path
  std::map<std::string, Removal> removals_;         // failed Unregisters, by node path
  std::map<uint64_t, std::shared_ptr<Subscription>> subs_;
  std::map<std::string, PathState> paths_;
  uint64_t next_id_ = 0;
  uint64_t running_ = 0;  // subscription whose listener is running (0: none)

  const std::unique_ptr<RegistryCacheFile> cache_;
  std::optional<Clock::time_point> cache_save_at_;  // guarded by mu_
  bool cache_warned_ = false;
};

void SessionWatcher(zhandle_t* zh, int type, int state, const char* path, void*) {
  const auto* h = static_cast<const Handle*>(zoo_get_context(zh));
  if (h == nullptr) return;
  if (type == ZOO_SESSION_EVENT) {
    h->core->OnSessionEvent(h->generation, state);
  } else if (path != nullptr) {
    h->core->OnPathEvent(h->generation, path);
  }
}

// The watcher of children and exists reads; ctx is the Handle. Session events reach every
// watcher too: the handle's own watcher takes care of those.
void PathWatcher(zhandle_t*, int type, int, const char* path, void* ctx) {
  if (type == ZOO_SESSION_EVENT || path == nullptr || ctx == nullptr) return;
  const auto* h = static_cast<const Handle*>(ctx);
  h->core->OnPathEvent(h->generation, path);
}

Result<std::string> Core::NodePath(const Url& url) const {
  const std::string interface = url.Get("interface", url.path());
  if (interface.empty() || interface == "*") {
    return Status(StatusCode::kInvalidArgument,
                  "URL names no interface (path or interface parameter): " + url.ToString());
  }
  const std::string encoded = UrlEncode(interface);
  if (!IsNodeName(encoded)) {
    return Status(StatusCode::kInvalidArgument,
                  "interface \"" + interface + "\" cannot name a ZooKeeper node");
  }
  const std::string category = url.Get("category", internal::kProvidersCategory);
  if (!IsNodeName(category)) {
    return Status(StatusCode::kInvalidArgument,
                  "category \"" + category + "\" cannot name a ZooKeeper node");
  }
  return ServicePath(encoded) + "/" + category + "/" + UrlEncode(url.ToFullString());
}

// ---------------------------------------------------------------------------------------------
// Watchers (ZooKeeper's completion thread).

void Core::OnSessionEvent(uint64_t generation, int state) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || generation != generation_) return;
  connected_ = state == ZOO_CONNECTED_STATE;
  // Once a session has existed, nothing waits for one any more: outages fall back at once.
  if (connected_) grace_end_ = std::min(grace_end_, Clock::now());
  if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) handle_dead_ = true;
  events_.push_back(state);
  session_cv_.notify_all();
  notify_cv_.notify_all();
  state_cv_.notify_all();
}

void Core::OnPathEvent(uint64_t generation, const char* path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || generation != generation_) return;
  auto it = paths_.find(path);
  if (it == paths_.end()) return;  // no longer subscribed
  // The first change of a burst schedules the read; later ones ride along (the watch is re-armed
  // only by that read, so they raise no event meanwhile).
  const auto due = Clock::now() + opts_.notify_delay;
  if (!it->second.due || *it->second.due > due) it->second.due = due;
  session_cv_.notify_all();
}

// ---------------------------------------------------------------------------------------------
// ZooKeeper operations.

int Core::EnsurePath(zhandle_t* zh, const std::string& path) {
  if (path == "/" || path.empty()) return ZOK;
  int rc = zoo_create(zh, path.c_str(), nullptr, -1, Acl(), ZOO_PERSISTENT, nullptr, 0);
  if (rc == ZNONODE) {
    rc = EnsurePath(zh, ParentOf(path));
    if (rc != ZOK) return rc;
    rc = zoo_create(zh, path.c_str(), nullptr, -1, Acl(), ZOO_PERSISTENT, nullptr, 0);
  }
  return rc == ZNODEEXISTS ? ZOK : rc;
}

int Core::CreateNode(zhandle_t* zh, const std::string& path, bool ephemeral, int64_t* session) {
  const clientid_t* id = zoo_client_id(zh);
  const int64_t me = id != nullptr ? id->client_id : 0;
  int rc = ZOK;
  for (int attempt = 0; attempt < 5; ++attempt) {
    rc = zoo_create(zh, path.c_str(), nullptr, -1, Acl(),
                    ephemeral ? ZOO_EPHEMERAL : ZOO_PERSISTENT, nullptr, 0);
    if (rc == ZOK) break;
    if (rc == ZNONODE) {
      rc = EnsurePath(zh, ParentOf(path));
      if (rc != ZOK) return rc;
      continue;
    }
    if (rc != ZNODEEXISTS) return rc;
    if (!ephemeral) {
      rc = ZOK;  // a persistent node holds no owner: there already is what we want
      break;
    }
    struct Stat st {};
    rc = zoo_exists(zh, path.c_str(), 0, &st);
    if (rc == ZNONODE) continue;
    if (rc != ZOK) return rc;
    if (st.ephemeralOwner == me && me != 0) {
      rc = ZOK;  // ours already (written by a concurrent retry of this object)
      break;
    }
    // Left by an older session not reaped yet (or persistent): Dubbo deletes and re-creates it.
    rc = zoo_delete(zh, path.c_str(), st.version);
    if (rc != ZOK && rc != ZNONODE && rc != ZBADVERSION) return rc;
    if (rc == ZOK) {
      LogInfo() << Prefix() << "deleted the node of "
                << (st.ephemeralOwner != 0 ? "stale session " + Hex(st.ephemeralOwner)
                                           : std::string("no session"))
                << " to re-create it: " << path;
    }
    rc = ZNODEEXISTS;  // try again
  }
  if (rc == ZOK) *session = me;
  return rc;
}

// ---------------------------------------------------------------------------------------------
// Caller-side operations.

bool Core::AwaitConnection() {
  std::unique_lock<std::mutex> lock(mu_);
  if (connected_ || closed_) return connected_ && !closed_;
  if (Clock::now() >= grace_end_) return false;
  if (!probed_) {
    probed_ = true;
    const auto deadline = grace_end_;
    lock.unlock();
    const bool refused = AllServersRefuse(opts_.hosts, deadline);
    lock.lock();
    if (refused && !connected_) {
      grace_end_ = Clock::now();
      LogWarning()
          << Prefix()
          << "refuses connections: registrations are queued and subscriptions served from the "
             "cache file until it answers (retrying in the background)";
      notify_cv_.notify_all();
      state_cv_.notify_all();
      return false;
    }
  }
  while (!connected_ && !closed_ && Clock::now() < grace_end_)
    state_cv_.wait_until(lock, grace_end_);
  return connected_ && !closed_;
}

Status Core::Register(const Url& url) {
  if (url.protocol().empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "cannot register a URL without protocol: " + url.ToString());
  }
  DUBBO_ASSIGN_OR_RETURN(std::string path, NodePath(url));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  AwaitConnection();
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::shared_ptr<Handle> h;
  const bool ephemeral = internal::GetJavaBool(url, "dynamic", true);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    removals_.erase(path);
    Registration& reg = registered_[path];
    reg.url = url;
    reg.ephemeral = ephemeral;
    reg.written_session = 0;
    reg.failures = 0;
    h = ConnectedHandleLocked();
    // Left to the session thread when there is no session; else tried here first.
    reg.next_attempt = h ? Clock::now() + opts_.retry_period : Clock::now();
    session_cv_.notify_all();
  }
  if (!h) {
    LogWarning() << Prefix() << "not connected: " << url.ToString()
                 << " will be registered once connected";
    return Status::Ok();
  }
  int64_t session = 0;
  const int rc = CreateNode(h->zh, path, ephemeral, &session);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = registered_.find(path);
  if (rc == ZOK) {
    if (it != registered_.end()) {
      it->second.written_session = session;
      it->second.ever_written = true;
    }
    return Status::Ok();
  }
  if (it != registered_.end()) {
    it->second.failures = 1;
    it->second.next_attempt = Clock::now() + opts_.retry_period;
  }
  return QueuedForRetry(rc, "registering " + url.ToString());
}

Status Core::QueuedForRetry(int rc, const std::string& what) const {
  const Status status = ZkStatus(rc, what);
  if (IsConnectionError(rc)) {
    LogWarning() << Prefix() << status.message() << "; queued, retried once connected";
    return Status::Ok();
  }
  LogWarning() << Prefix() << status.message() << "; retrying every " << opts_.retry_period.count()
               << " ms";
  return Status(status.code(), status.message() + " (retrying every " +
                                   std::to_string(opts_.retry_period.count()) + " ms)");
}

Status Core::Unregister(const Url& url) {
  DUBBO_ASSIGN_OR_RETURN(std::string path, NodePath(url));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  AwaitConnection();
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::shared_ptr<Handle> h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    auto it = registered_.find(path);
    // A node this object registered but never wrote does not exist; any other may (written by
    // this object, another process or an operator): Unregister removes it, as Dubbo does.
    const bool maybe_exists =
        it == registered_.end() || it->second.ever_written || !it->second.ephemeral;
    if (it != registered_.end()) registered_.erase(it);
    if (!maybe_exists) return Status::Ok();
    h = ConnectedHandleLocked();
    if (!h) {
      removals_[path] = Removal{url, Clock::now(), 0};
      session_cv_.notify_all();
      LogWarning() << Prefix() << "not connected: " << url.ToString()
                   << " will be unregistered once connected";
      return Status::Ok();
    }
  }
  const int rc = zoo_delete(h->zh, path.c_str(), -1);
  if (rc == ZOK || rc == ZNONODE) return Status::Ok();
  {
    std::lock_guard<std::mutex> lock(mu_);
    removals_[path] = Removal{url, Clock::now() + opts_.retry_period, 1};
    session_cv_.notify_all();
  }
  return QueuedForRetry(rc, "unregistering " + url.ToString());
}

void Core::AddPathLocked(const std::string& path, Subscription* sub, PathKind kind, bool create,
                         const std::string& category) {
  auto [it, inserted] = paths_.try_emplace(path);
  PathState& p = it->second;
  if (inserted) {
    p.kind = kind;
    p.category = category;
    p.due = Clock::now();
    session_cv_.notify_all();
  }
  if (create && !p.create) {
    p.create = true;
    if (!p.due) p.due = Clock::now();  // so that it gets created
    session_cv_.notify_all();
  }
  p.subs.insert(sub->id);
  sub->paths.insert(path);
}

void Core::RemovePathLocked(const std::string& path, Subscription* sub) {
  sub->paths.erase(path);
  auto it = paths_.find(path);
  if (it == paths_.end()) return;
  it->second.subs.erase(sub->id);
  if (it->second.subs.empty()) paths_.erase(it);  // a late watch event on it is ignored
}

void Core::UpdateWildcardLocked(Subscription* sub, const std::vector<std::string>& names) {
  std::set<std::string> want = {opts_.root};
  std::map<std::string, std::string> category_of;
  for (const auto& name : names) {
    if (!IsNodeName(name)) continue;
    for (const auto& c : sub->query.categories) {
      const std::string path = ServicePath(name) + "/" + c;
      want.insert(path);
      category_of[path] = c;
    }
  }
  const std::set<std::string> have = sub->paths;
  for (const auto& p : have)
    if (want.count(p) == 0) RemovePathLocked(p, sub);
  for (const auto& p : want) {
    // Every child of the root counts as a service, as in Dubbo; category nodes are not created
    // for it (an exists-watch waits for them), so nodes like /dubbo/config stay untouched.
    if (have.count(p) == 0) AddPathLocked(p, sub, PathKind::kCategory, false, category_of[p]);
  }
}

Result<uint64_t> Core::Subscribe(const Url& consumer, NotifyListener listener) {
  if (!listener) return Status(StatusCode::kInvalidArgument, "subscribing without a listener");
  DUBBO_ASSIGN_OR_RETURN(Query query, MakeQuery(consumer, DefaultSubscribeCategories()));
  auto sub = std::make_shared<Subscription>();
  sub->service_key = query.consumer.ServiceKey();
  sub->query = std::move(query);
  sub->listener = std::move(listener);
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    id = sub->id = ++next_id_;
    subs_.emplace(id, sub);
    const Query& q = sub->query;
    if (q.interface == "*") {
      AddPathLocked(opts_.root, sub.get(), PathKind::kRoot, true, "");
      const PathState& root = paths_[opts_.root];
      if (root.loaded) UpdateWildcardLocked(sub.get(), root.names);
    } else {
      for (const auto& c : q.categories) {
        AddPathLocked(ServicePath(UrlEncode(q.interface)) + "/" + c, sub.get(), PathKind::kCategory,
                      true, c);
      }
    }
    sub->notify_due = true;
    notify_cv_.notify_all();
  }
  // From a listener: delivered once that listener returns; it cannot wait for its own thread.
  if (OnNotifyThread()) return id;
  AwaitConnection();
  std::unique_lock<std::mutex> lock(mu_);
  state_cv_.wait(lock, [&] { return sub->delivered || closed_ || subs_.count(id) == 0; });
  return id;
}

Status Core::Unsubscribe(uint64_t id) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = subs_.find(id);
  if (it == subs_.end()) {
    if (closed_) return Status::Ok();
    return Status(StatusCode::kNotFound,
                  "no subscription " + std::to_string(id) + " in " + url_.ToString());
  }
  const std::shared_ptr<Subscription> sub = it->second;
  subs_.erase(it);
  const std::set<std::string> paths = sub->paths;
  for (const auto& p : paths) RemovePathLocked(p, sub.get());
  // After Unsubscribe returns the listener is neither running nor called again — unless the
  // listener itself unsubscribes, which cannot wait for its own return.
  if (!OnNotifyThread()) state_cv_.wait(lock, [&] { return running_ != id; });
  return Status::Ok();
}

Result<std::vector<Matched>> Core::ReadOnce(zhandle_t* zh, const Query& q) {
  std::vector<std::pair<size_t, std::string>> paths;  // (category index, path)
  if (q.interface == "*") {
    Batch root;
    RunBatch(zh, {opts_.root}, true, &root);
    if (root.rcs[0] != ZOK && root.rcs[0] != ZNONODE)
      return ZkStatus(root.rcs[0], "reading " + opts_.root);
    for (const auto& name : root.children[0]) {
      if (!IsNodeName(name)) continue;
      for (size_t c = 0; c < q.categories.size(); ++c)
        paths.emplace_back(c, ServicePath(name) + "/" + q.categories[c]);
    }
  } else {
    for (size_t c = 0; c < q.categories.size(); ++c) {
      paths.emplace_back(c, ServicePath(UrlEncode(q.interface)) + "/" + q.categories[c]);
    }
  }
  std::vector<std::string> just_paths;
  for (const auto& [c, p] : paths) just_paths.push_back(p);
  Batch batch;
  RunBatch(zh, just_paths, true, &batch);
  std::vector<Matched> matched;
  for (size_t i = 0; i < paths.size(); ++i) {
    const int rc = batch.rcs[i];
    if (rc == ZNONODE) continue;
    if (rc != ZOK) return ZkStatus(rc, "reading " + paths[i].second);
    for (const auto& name : batch.children[i]) {
      auto child = ParseChild(name);
      if (!child.ok()) continue;
      if (IsMatch(q.consumer, child->url))
        matched.push_back({paths[i].first, child->key, std::move(child->url)});
    }
  }
  SortMatched(&matched);
  return matched;
}

Result<std::vector<Url>> Core::Lookup(const Url& consumer) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  DUBBO_ASSIGN_OR_RETURN(Query query,
                         MakeQuery(consumer, {std::string(internal::kProvidersCategory)}));
  AwaitConnection();
  std::shared_ptr<Handle> h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    h = ConnectedHandleLocked();
  }
  if (!h) return Status(StatusCode::kUnavailable, Prefix() + "not connected");
  DUBBO_ASSIGN_OR_RETURN(std::vector<Matched> matched, ReadOnce(h->zh, query));
  std::vector<Url> urls;
  for (auto& m : matched) urls.push_back(std::move(m.url));
  return urls;
}

Result<std::vector<std::string>> Core::ListServices() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  AwaitConnection();
  std::shared_ptr<Handle> h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    h = ConnectedHandleLocked();
  }
  if (!h) return Status(StatusCode::kUnavailable, Prefix() + "not connected");
  Batch root;
  RunBatch(h->zh, {opts_.root}, true, &root);
  if (root.rcs[0] == ZNONODE) return std::vector<std::string>();
  if (root.rcs[0] != ZOK) return ZkStatus(root.rcs[0], "reading " + opts_.root);
  std::vector<std::string> names;
  for (const auto& n : root.children[0])
    if (IsNodeName(n)) names.push_back(n);
  std::vector<std::string> service_paths;
  for (const auto& n : names) service_paths.push_back(ServicePath(n));
  Batch categories;
  RunBatch(h->zh, service_paths, true, &categories);
  std::vector<std::string> category_paths;
  std::vector<size_t> owner;
  for (size_t i = 0; i < names.size(); ++i) {
    if (categories.rcs[i] != ZOK) continue;  // gone meanwhile, or unreadable: not listed
    for (const auto& c : categories.children[i]) {
      category_paths.push_back(service_paths[i] + "/" + c);
      owner.push_back(i);
    }
  }
  Batch stats;
  RunBatch(h->zh, category_paths, false, &stats);
  std::vector<bool> live(names.size(), false);
  for (size_t i = 0; i < category_paths.size(); ++i) {
    if (stats.rcs[i] == ZOK && stats.num_children[i] > 0) live[owner[i]] = true;
  }
  std::vector<std::string> services;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!live[i]) continue;
    auto decoded = UrlDecode(names[i]);
    if (!decoded.ok()) {
      LogWarning() << Prefix() << "skipping node " << service_paths[i] << ": "
                   << decoded.status().message();
      continue;
    }
    services.push_back(std::move(*decoded));
  }
  std::sort(services.begin(), services.end());
  return services;
}

std::optional<ZookeeperSession> Core::Session() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!connected_ || !handle_ || handle_dead_) return std::nullopt;
  const clientid_t* id = zoo_client_id(handle_->zh);
  if (id == nullptr || id->client_id == 0) return std::nullopt;
  return ZookeeperSession{id->client_id, std::string(id->passwd, sizeof id->passwd)};
}

// ---------------------------------------------------------------------------------------------
// The session thread.

void Core::NewHandle() {
  auto h = std::make_shared<Handle>();
  h->core = this;
  std::shared_ptr<Handle> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    // The generation changes before the handle exists: its first events must not be dropped.
    h->generation = ++generation_;
    old = std::move(handle_);
    handle_dead_ = false;
    connected_ = false;
    events_.clear();
  }
  old.reset();  // closes the dead session's handle (outside the lock: its watcher takes it)
  zhandle_t* zh =
      zookeeper_init2(opts_.hosts.c_str(), SessionWatcher, static_cast<int>(opts_.session.count()),
                      nullptr, h.get(), 0, ZkLog);
  if (zh == nullptr) {
    const int err = errno;
    LogWarning() << Prefix() << "cannot create a ZooKeeper client ("
                 << std::generic_category().message(err) << "); retrying in "
                 << opts_.retry_period.count() << " ms";
    std::lock_guard<std::mutex> lock(mu_);
    handle_dead_ = true;
    recreate_at_ = Clock::now() + opts_.retry_period;
    return;
  }
  h->zh = zh;
  if (!opts_.auth.empty()) {
    const int rc = zoo_add_auth(zh, "digest", opts_.auth.data(),
                                static_cast<int>(opts_.auth.size()), AuthDone, nullptr);
    if (rc != ZOK) LogError() << Prefix() << "cannot add digest authentication: " << zerror(rc);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) {
    old = std::move(h);  // closed after the lock is released
    return;
  }
  handle_ = std::move(h);
  session_cv_.notify_all();
}

void Core::HandleSessionEvent(int state) {
  std::shared_ptr<Handle> h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    h = handle_;
  }
  if (state == ZOO_CONNECTED_STATE && h) {
    const clientid_t* id = zoo_client_id(h->zh);
    const int64_t session = id != nullptr ? id->client_id : 0;
    std::lock_guard<std::mutex> lock(mu_);
    if (!connected_ || h != handle_) return;  // already lost again: a later event follows
    const bool fresh = session != session_id_;
    session_id_ = session;
    const auto now = Clock::now();
    size_t rewrite = 0;
    for (auto& [path, reg] : registered_) {
      if (reg.written_session != session) {
        reg.next_attempt = now;
        ++rewrite;
      }
    }
    for (auto& [path, r] : removals_) r.next_attempt = now;
    // Re-read everything: on a new session this also re-arms every watch.
    for (auto& [path, p] : paths_) p.due = now;
    if (fresh && had_session_) {
      LogWarning() << Prefix() << "new session " << Hex(session) << ": re-creating " << rewrite
                   << " registration(s), re-reading " << paths_.size() << " watched node(s)";
    } else if (fresh) {
      LogInfo() << Prefix() << "connected, session " << Hex(session);
    } else if (!was_connected_) {
      LogWarning() << Prefix() << "reconnected, session " << Hex(session) << " kept";
    }
    had_session_ = true;
    was_connected_ = true;
    session_cv_.notify_all();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (state == ZOO_EXPIRED_SESSION_STATE) {
    LogWarning() << Prefix() << "session " << Hex(session_id_)
                 << " expired: opening a new one; its ephemeral nodes will be re-created";
    recreate_at_ = Clock::now();
    was_connected_ = false;
  } else if (state == ZOO_AUTH_FAILED_STATE) {
    LogError() << Prefix() << "authentication failed; retrying in " << opts_.retry_period.count()
               << " ms";
    recreate_at_ = Clock::now() + opts_.retry_period;
    was_connected_ = false;
  } else if (state != ZOO_CONNECTED_STATE && was_connected_) {
    LogWarning() << Prefix() << "connection lost (session " << Hex(session_id_)
                 << "); reconnecting, notifications paused";
    was_connected_ = false;
  }
}

void Core::RetryRegistration(const std::string& path) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::shared_ptr<Handle> h;
  Registration reg;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = registered_.find(path);
    if (closed_ || it == registered_.end()) return;
    if (it->second.written_session == session_id_ && session_id_ != 0) return;
    h = ConnectedHandleLocked();
    if (!h) return;
    reg = it->second;
  }
  int64_t session = 0;
  const int rc = CreateNode(h->zh, path, reg.ephemeral, &session);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = registered_.find(path);
  if (it == registered_.end()) return;
  Registration& r = it->second;
  if (rc == ZOK) {
    if (r.failures > 0) {
      LogInfo() << Prefix() << "registered " << r.url.ToString() << " after " << r.failures
                << " failed attempt(s)";
    } else if (r.ever_written) {
      LogInfo() << Prefix() << "re-created " << path;
    }
    r.written_session = session;
    r.ever_written = true;
    r.failures = 0;
    return;
  }
  ++r.failures;
  r.next_attempt = Clock::now() + opts_.retry_period;
  if (!IsConnectionError(rc) && (r.failures == 1 || r.failures % kLogEveryFailures == 0)) {
    LogWarning() << Prefix() << ZkStatus(rc, "registering " + r.url.ToString()).message()
                 << " (attempt " << r.failures << "; retrying every " << opts_.retry_period.count()
                 << " ms)";
  }
}

void Core::RetryRemoval(const std::string& path) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::shared_ptr<Handle> h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || removals_.count(path) == 0) return;
    h = ConnectedHandleLocked();
    if (!h) return;
  }
  const int rc = zoo_delete(h->zh, path.c_str(), -1);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = removals_.find(path);
  if (it == removals_.end()) return;
  if (rc == ZOK || rc == ZNONODE) {
    if (it->second.failures > 0)
      LogInfo() << Prefix() << "unregistered " << it->second.url.ToString();
    removals_.erase(it);
    return;
  }
  ++it->second.failures;
  it->second.next_attempt = Clock::now() + opts_.retry_period;
  if (!IsConnectionError(rc) &&
      (it->second.failures == 1 || it->second.failures % kLogEveryFailures == 0)) {
    LogWarning() << Prefix() << ZkStatus(rc, "unregistering " + it->second.url.ToString()).message()
                 << " (attempt " << it->second.failures << "; retrying every "
                 << opts_.retry_period.count() << " ms)";
  }
}

void Core::ReadPath(const std::string& path) {
  std::shared_ptr<Handle> h;
  PathKind kind;
  bool create;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = paths_.find(path);
    if (closed_ || it == paths_.end() || !it->second.due) return;
    h = ConnectedHandleLocked();
    if (!h) return;
    // Cleared before reading: a watch event during the read asks for another read.
    it->second.due.reset();
    kind = it->second.kind;
    create = it->second.create;
  }
  std::vector<std::string> names;
  int rc = ZOK;
  for (int attempt = 0; attempt < 4; ++attempt) {
    // Reads the children and re-arms the watch in one call (watches are one-shot).
    struct String_vector v {};
    rc = zoo_wget_children(h->zh, path.c_str(), PathWatcher, h.get(), &v);
    if (rc == ZOK) {
      names.clear();
      for (int32_t i = 0; i < v.count; ++i) names.emplace_back(v.data[i]);
      deallocate_String_vector(&v);
      break;
    }
    if (rc != ZNONODE) break;
    if (create) {
      rc = EnsurePath(h->zh, path);
      if (rc != ZOK) break;
      continue;
    }
    // Not there: watch for its creation and read nothing meanwhile.
    struct Stat st {};
    rc = zoo_wexists(h->zh, path.c_str(), PathWatcher, h.get(), &st);
    if (rc == ZNONODE) {
      names.clear();
      rc = ZOK;
      break;
    }
    if (rc != ZOK) break;
    // Created meanwhile: read it.
  }
  std::vector<Child> children;
  std::vector<std::pair<std::string, std::string>> bad;  // name, reason
  if (rc == ZOK && kind == PathKind::kCategory) {
    for (const auto& name : names) {
      auto child = ParseChild(name);
      if (child.ok()) {
        children.push_back(std::move(*child));
      } else {
        bad.emplace_back(name, child.status().message());
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = paths_.find(path);
  if (closed_ || it == paths_.end()) return;
  PathState& p = it->second;
  if (rc != ZOK) {
    ++p.failures;
    const auto retry = Clock::now() + opts_.retry_period;
    if (!p.due || *p.due > retry) p.due = retry;  // a reconnection retries at once
    if (IsConnectionError(rc)) return;
    if (p.failures == 1 || p.failures % kLogEveryFailures == 0) {
      LogWarning() << Prefix() << ZkStatus(rc, "reading " + path).message() << " (attempt "
                   << p.failures << "; retrying every " << opts_.retry_period.count() << " ms)";
    }
    // A subscriber still waiting for its first list gets the cached one meanwhile.
    for (uint64_t id : p.subs) {
      auto s = subs_.find(id);
      if (s != subs_.end() && !s->second->delivered && !s->second->fallback) {
        s->second->fallback = true;
        s->second->notify_due = true;
      }
    }
    notify_cv_.notify_all();
    return;
  }
  p.failures = 0;
  p.loaded = true;
  for (const auto& [name, reason] : bad) {
    if (p.warned.insert(name).second) {
      LogWarning() << Prefix() << "ignoring child \"" << name << "\" of " << path << ": " << reason;
    }
  }
  if (kind == PathKind::kRoot) {
    p.names = names;
    const std::set<uint64_t> ids = p.subs;
    for (uint64_t id : ids) {
      auto s = subs_.find(id);
      if (s != subs_.end()) UpdateWildcardLocked(s->second.get(), names);
    }
  } else {
    p.children = std::move(children);
  }
  for (uint64_t id : p.subs) {
    auto s = subs_.find(id);
    if (s != subs_.end()) s->second->notify_due = true;
  }
  notify_cv_.notify_all();
}

void Core::RunSession() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!closed_) {
    const auto now = Clock::now();
    if (!events_.empty()) {
      std::deque<int> events;
      events.swap(events_);
      lock.unlock();
      for (int state : events) HandleSessionEvent(state);
      lock.lock();
      continue;
    }
    if ((!handle_ || handle_dead_) && now >= recreate_at_) {
      lock.unlock();
      NewHandle();
      lock.lock();
      continue;
    }
    std::optional<Clock::time_point> wake;
    auto earlier = [&wake](Clock::time_point t) {
      if (!wake || t < *wake) wake = t;
    };
    if (!handle_ || handle_dead_) earlier(recreate_at_);
    if (connected_ && handle_ && !handle_dead_) {
      std::vector<std::string> registrations;
      std::vector<std::string> removals;
      std::vector<std::string> reads;
      for (const auto& [path, r] : registered_) {
        if (r.written_session == session_id_ && session_id_ != 0) continue;
        if (r.next_attempt <= now) {
          registrations.push_back(path);
        } else {
          earlier(r.next_attempt);
        }
      }
      for (const auto& [path, r] : removals_) {
        if (r.next_attempt <= now) {
          removals.push_back(path);
        } else {
          earlier(r.next_attempt);
        }
      }
      for (const auto& [path, p] : paths_) {
        if (!p.due) continue;
        if (*p.due <= now) {
          reads.push_back(path);
        } else {
          earlier(*p.due);
        }
      }
      if (!registrations.empty() || !removals.empty() || !reads.empty()) {
        lock.unlock();
        for (const auto& path : registrations) RetryRegistration(path);
        for (const auto& path : removals) RetryRemoval(path);
        for (const auto& path : reads) ReadPath(path);
        lock.lock();
        continue;
      }
    }
    if (wake) {
      session_cv_.wait_until(lock, *wake);
    } else {
      session_cv_.wait(lock);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The notification thread.

std::vector<Matched> Core::GatherLocked(const Subscription& sub) const {
  std::vector<Matched> matched;
  for (const auto& path : sub.paths) {
    auto it = paths_.find(path);
    if (it == paths_.end() || it->second.kind != PathKind::kCategory) continue;
    const auto category = CategoryIndex(sub.query, it->second.category);
    if (!category) continue;
    for (const auto& child : it->second.children) {
      if (IsMatch(sub.query.consumer, child.url))
        matched.push_back({*category, child.key, child.url});
    }
  }
  SortMatched(&matched);
  return matched;
}

std::vector<Matched> Core::FromCache(const Subscription& sub) const {
  std::vector<Matched> matched;
  if (!cache_) return matched;
  for (auto& url : cache_->GetUrls(sub.service_key)) {
    const auto category =
        CategoryIndex(sub.query, url.Get("category", internal::kProvidersCategory));
    if (!category || !IsMatch(sub.query.consumer, url)) continue;
    std::string key = url.ToFullString();
    matched.push_back({*category, std::move(key), std::move(url)});
  }
  SortMatched(&matched);
  return matched;
}

// What `sub` can be told now: the live list once every node it reads has been read (for the
// first notification: with no read pending, unless it has waited long enough); before that, on
// fallback, the cached list. False: nothing to tell yet.
bool Core::EvaluateLocked(Subscription* sub, std::vector<Matched>* out, bool* live) {
  bool all_loaded = true;
  bool pending = false;
  for (const auto& path : sub->paths) {
    auto it = paths_.find(path);
    if (it == paths_.end() || !it->second.loaded) {
      all_loaded = false;
    } else if (it->second.due) {
      pending = true;
    }
  }
  if (all_loaded && (sub->delivered || !pending || sub->fallback)) {
    *out = GatherLocked(*sub);
    *live = true;
    return true;
  }
  if (!sub->delivered && sub->fallback) {
    *out = FromCache(*sub);
    *live = false;
    return true;
  }
  return false;
}

std::string Core::CacheValue(const Subscription& sub, const std::vector<Matched>& matched) const {
  // AbstractRegistry.saveProperties: the full URLs of every notified category, an empty://
  // placeholder (the subscriber's URL) for a category with none.
  std::string value;
  auto append = [&value](const std::string& s) {
    if (!value.empty()) value += ' ';
    value += s;
  };
  for (size_t c = 0; c < sub.query.categories.size(); ++c) {
    bool any = false;
    for (const auto& m : matched) {
      if (m.category != c) continue;
      append(m.key);
      any = true;
    }
    if (!any) {
      Url empty = sub.query.consumer;
      empty.set_protocol("empty");
      empty.Set("category", sub.query.categories[c]);
      append(empty.ToFullString());
    }
  }
  return value;
}

void Core::RunNotify() {
  notify_thread_.store(std::this_thread::get_id());
  std::unique_lock<std::mutex> lock(mu_);
  while (!closed_) {
    const auto now = Clock::now();
    std::optional<Clock::time_point> wake = cache_save_at_;
    // Subscribers still waiting for their first list stop waiting for ZooKeeper once the
    // first-connection grace is over and there is no session.
    for (auto& [id, s] : subs_) {
      if (s->delivered || s->fallback || connected_) continue;
      if (now >= grace_end_) {
        s->fallback = true;
        s->notify_due = true;
      } else if (!wake || grace_end_ < *wake) {
        wake = grace_end_;
      }
    }
    std::vector<std::shared_ptr<Subscription>> due;
    for (auto& [id, s] : subs_) {
      if (!s->notify_due) continue;
      s->notify_due = false;
      due.push_back(s);
    }
    if (!due.empty()) {
      for (const auto& s : due) {
        if (closed_) break;
        if (subs_.count(s->id) == 0) continue;
        std::vector<Matched> matched;
        bool live = false;
        if (!EvaluateLocked(s.get(), &matched, &live)) continue;
        std::vector<std::string> keys;
        for (const auto& m : matched) keys.push_back(m.key);
        if (s->delivered && keys == s->last) continue;  // nothing the listener would see changed
        s->last = std::move(keys);
        if (live && cache_ && cache_->Put(s->service_key, CacheValue(*s, matched))) {
          const auto at = Clock::now() + kCacheSaveDelay;
          if (!cache_save_at_ || *cache_save_at_ > at) cache_save_at_ = at;
        }
        std::vector<Url> urls;
        urls.reserve(matched.size());
        for (auto& m : matched) urls.push_back(std::move(m.url));
        running_ = s->id;
        NotifyListener listener = s->listener;
        lock.unlock();
        try {
          listener(urls);
        } catch (const std::exception& e) {
          LogWarning() << Prefix() << "listener of " << s->query.consumer.ToString()
                       << " threw: " << e.what();
        } catch (...) {
          LogWarning() << Prefix() << "listener of " << s->query.consumer.ToString() << " threw";
        }
        lock.lock();
        running_ = 0;
        s->delivered = true;
        state_cv_.notify_all();
      }
      continue;
    }
    if (cache_save_at_ && *cache_save_at_ <= now) {
      cache_save_at_.reset();
      lock.unlock();
      const Status status = cache_->Save();
      lock.lock();
      if (!status.ok()) {
        if (!cache_warned_)
          LogWarning() << Prefix() << "cannot save the cache file (retrying): " << status.message();
        cache_warned_ = true;
        if (!cache_save_at_) cache_save_at_ = Clock::now() + kCacheRetryDelay;
      } else {
        cache_warned_ = false;
      }
      continue;
    }
    if (wake) {
      notify_cv_.wait_until(lock, *wake);
    } else {
      notify_cv_.wait(lock);
    }
  }
}

// ---------------------------------------------------------------------------------------------

void Core::BeginShutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  subs_.clear();
  paths_.clear();
  session_cv_.notify_all();
  notify_cv_.notify_all();
  state_cv_.notify_all();
}

void Core::FinishShutdown() {
  std::map<std::string, Registration> registered;
  std::shared_ptr<Handle> h;
  bool usable = false;
  {
    std::lock_guard<std::mutex> write_lock(write_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = true;
      registered.swap(registered_);
      removals_.clear();
      h = std::move(handle_);
      usable = h && connected_ && !handle_dead_;
      connected_ = false;
    }
    if (usable) {
      // Deleted before the session closes, so subscribers see them go at once even if the close
      // request is lost; only nodes of this session (another process may own the same URL).
      // Persistent (dynamic=false) nodes stay, as Java's AbstractRegistry.destroy leaves them.
      const clientid_t* id = zoo_client_id(h->zh);
      const int64_t me = id != nullptr ? id->client_id : 0;
      for (const auto& [path, reg] : registered) {
        if (!reg.ephemeral || reg.written_session == 0) continue;
        struct Stat st {};
        if (zoo_exists(h->zh, path.c_str(), 0, &st) != ZOK || st.ephemeralOwner != me) continue;
        const int rc = zoo_delete(h->zh, path.c_str(), st.version);
        if (rc != ZOK && rc != ZNONODE) {
          LogWarning() << Prefix() << "cannot remove " << path << " on close: " << zerror(rc);
        }
      }
    }
  }
  h.reset();  // closes the session: the server removes whatever ephemeral node is left
  if (cache_ && cache_->dirty()) {
    if (Status s = cache_->Save(); !s.ok())
      LogWarning() << Prefix() << "cannot save the cache file: " << s.message();
  }
}

// The Registry the factory hands out: owns the two threads, forwards to the core.
class ZookeeperRegistry final : public Registry {
 public:
  explicit ZookeeperRegistry(std::shared_ptr<Core> core) : core_(std::move(core)) {
    session_thread_ = std::thread([core = core_] { core->RunSession(); });
    try {
      notify_thread_ = std::thread([core = core_] { core->RunNotify(); });
    } catch (...) {
      core_->BeginShutdown();
      session_thread_.join();
      throw;
    }
  }
  ~ZookeeperRegistry() override { Close(); }

  Status Register(const Url& url) override { return core_->Register(url); }
  Status Unregister(const Url& url) override { return core_->Unregister(url); }
  Result<uint64_t> Subscribe(const Url& consumer_url, NotifyListener listener) override {
    return core_->Subscribe(consumer_url, std::move(listener));
  }
  Status Unsubscribe(uint64_t subscription) override { return core_->Unsubscribe(subscription); }
  Result<std::vector<Url>> Lookup(const Url& consumer_url) override {
    return core_->Lookup(consumer_url);
  }
  Result<std::vector<std::string>> ListServices() override { return core_->ListServices(); }
  const Url& url() const override { return core_->url(); }

  void Close() override {
    std::thread session_thread;
    std::thread notify_thread;
    {
      std::lock_guard<std::mutex> lock(thread_mu_);
      session_thread = std::move(session_thread_);
      notify_thread = std::move(notify_thread_);
    }
    core_->BeginShutdown();
    if (session_thread.joinable()) session_thread.join();
    core_->FinishShutdown();
    if (!notify_thread.joinable()) return;
    // Closed (or destroyed) from a listener: the thread cannot join itself; it exits when the
    // listener returns, keeping the core alive until then.
    if (notify_thread.get_id() == std::this_thread::get_id()) {
      notify_thread.detach();
    } else {
      notify_thread.join();
    }
  }

  std::optional<ZookeeperSession> Session() const { return core_->Session(); }

 private:
  std::shared_ptr<Core> core_;
  std::mutex thread_mu_;
  std::thread session_thread_;
  std::thread notify_thread_;
};

std::string HomeDir() {
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0') return home;
  struct passwd pw {};
  struct passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr &&
      pw.pw_dir != nullptr) {
    return pw.pw_dir;
  }
  return "";
}

}  // namespace

Result<std::string> ZookeeperConnectString(const Url& url) {
  if (url.host().empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "no ZooKeeper server in \"" + url.ToString() + "\"");
  }
  std::vector<std::string> items;
  auto add = [&items](std::string item) {
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.erase(item.begin());
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.pop_back();
    if (item.empty()) return;
    const bool bracketed = item.front() == '[';
    const bool has_port =
        bracketed ? item.find("]:") != std::string::npos : item.find(':') != std::string::npos;
    if (!has_port) item += ":" + std::to_string(kDefaultPort);
    if (std::find(items.begin(), items.end(), item) == items.end())
      items.push_back(std::move(item));
  };
  std::string main = url.host();
  // An IPv6 literal ("[::1]:2181" parses to host "::1") needs its brackets back.
  if (main.find(':') != std::string::npos && main.find(',') == std::string::npos)
    main = "[" + main + "]";
  if (url.port() != 0) main += ":" + std::to_string(url.port());
  for (auto& item : SplitConnectString(main)) add(std::move(item));
  for (auto& item : internal::SplitCommaList(url.Get("backup"))) add(std::move(item));
  std::string hosts;
  for (const auto& item : items) hosts += (hosts.empty() ? "" : ",") + item;
  return hosts;
}

std::string ZookeeperCacheFilePath(const Url& url) {
  if (!internal::GetJavaBool(url, "file-cache", true)) return "";
  if (const std::string file = url.Get("file"); !file.empty()) return file;
  auto hosts = ZookeeperConnectString(url);
  if (!hosts.ok()) return "";
  const std::string home = HomeDir();
  if (home.empty()) return "";
  std::string address = SplitConnectString(*hosts).front();
  std::replace(address.begin(), address.end(), ':', '-');
  const std::string application = url.Get("application");
  return home + "/.dubbo/dubbo-registry-" + (application.empty() ? "" : application + "-") +
         address + ".cache";
}

std::optional<ZookeeperSession> ZookeeperRegistrySession(const Registry& registry) {
  const auto* zk = dynamic_cast<const ZookeeperRegistry*>(&registry);
  if (zk == nullptr) return std::nullopt;
  return zk->Session();
}

Result<std::shared_ptr<Registry>> OpenZookeeperRegistry(const Url& url) {
  auto fail = [&url](const Status& s) {
    return s.WithContext("zookeeper registry " + url.ToString());
  };
  Options opts;
  auto hosts = ZookeeperConnectString(url);
  if (!hosts.ok()) return fail(hosts.status());
  opts.hosts = *hosts;

  // The root, as ZookeeperRegistry's: the group, with a leading '/' added.
  const std::string group = url.Get("group", "dubbo");
  std::string root = group.front() == '/' ? group : "/" + group;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root != "/") {
    std::string_view rest = std::string_view(root).substr(1);
    while (true) {
      const auto slash = std::min(rest.find('/'), rest.size());
      if (!IsNodeName(rest.substr(0, slash))) {
        return fail(Status(StatusCode::kInvalidArgument,
                           "group \"" + group + "\" cannot name a ZooKeeper path"));
      }
      if (slash == rest.size()) break;
      rest.remove_prefix(slash + 1);
    }
  }
  opts.root = root;
  if (!url.username().empty()) opts.auth = url.username() + ":" + url.password();

  // `session` (3.x); 2.7.x called it zk.session.expire.
  auto session_default = url.GetInt("zk.session.expire", kDefaultSessionMs);
  if (!session_default.ok()) return fail(session_default.status());
  auto session = DurationParam(url, "session", *session_default, 1, 24 * 3600 * 1000);
  if (!session.ok()) return fail(session.status());
  opts.session = *session;
  auto timeout = DurationParam(url, "timeout", kDefaultTimeoutMs, 0, 3600 * 1000);
  if (!timeout.ok()) return fail(timeout.status());
  opts.timeout = *timeout;
  auto retry = DurationParam(url, "retry.period", kDefaultRetryPeriodMs, 1, 3600 * 1000);
  if (!retry.ok()) return fail(retry.status());
  opts.retry_period = *retry;
  auto delay = DurationParam(url, "notify.delay", kDefaultNotifyDelayMs, 0, 60'000);
  if (!delay.ok()) return fail(delay.status());
  opts.notify_delay = *delay;
  opts.cache_path = ZookeeperCacheFilePath(url);

  auto core = std::make_shared<Core>(url, std::move(opts));
  try {
    return std::shared_ptr<Registry>(std::make_shared<ZookeeperRegistry>(std::move(core)));
  } catch (const std::system_error& e) {
    return fail(Status(StatusCode::kInternal,
                       std::string("cannot start the registry threads: ") + e.what()));
  }
}

}  // namespace dubbo::registry
