#include "registry/registry_engine.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
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
using internal::Matched;
using internal::Query;
using internal::SortMatched;
using std::chrono::milliseconds;
using PathKind = RegistryBackend::PathKind;
using Written = RegistryBackend::Written;
using SessionEvent = BackendEvents::Session;

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

std::optional<size_t> CategoryIndex(const Query& q, std::string_view category) {
  for (size_t i = 0; i < q.categories.size(); ++i)
    if (q.categories[i] == category) return i;
  return std::nullopt;
}

struct Child {
  std::string key;  // full string
  Url url;
};

// A path the engine reads children of, for one or more subscriptions, and keeps watched.
struct PathState {
  PathKind kind = PathKind::kCategory;
  std::string category;  // kCategory: the last component
  bool create = false;   // created when missing, as Dubbo's subscribe does; else its creation is
                         // watched
  std::set<uint64_t> subs;
  bool loaded = false;                   // read at least once (the content below is valid)
  std::optional<Clock::time_point> due;  // a (re-)read is wanted at this time
  int failures = 0;                      // consecutive failed reads
  std::vector<Child> children;           // kCategory
  std::vector<std::string> names;        // kRoot: service names (encoded)
  std::set<std::string> warned;          // children reported as unparsable
};

struct Subscription {
  uint64_t id = 0;
  Query query;
  std::string service_key;  // the cache file's key
  NotifyListener listener;
  // Guarded by Engine::mu_:
  std::set<std::string>
      paths;  // every path it reads (wildcard: root and each service's categories)
  bool notify_due = false;
  bool delivered = false;  // the initial notification has been delivered
  bool fallback = false;   // do not wait for the backend for the initial notification
  std::vector<std::string> last;
};

struct Registration {
  Url url;
  bool ephemeral = true;
  bool ever_written = false;
  Written written;  // session 0: not written in any session yet (or lost since)
  Clock::time_point next_attempt;
  int failures = 0;
};

struct Removal {
  Url url;
  Clock::time_point next_attempt;
  int failures = 0;
};

class Engine final : public BackendEvents {
 public:
  Engine(Url url, std::unique_ptr<RegistryBackend> backend, int wake_fd)
      : url_(std::move(url)),
        backend_(std::move(backend)),
        traits_(backend_->traits()),
        wake_fd_(wake_fd),
        grace_end_(Clock::now() + traits_.first_session_grace),
        cache_(traits_.cache_path.empty()
                   ? nullptr
                   : std::make_unique<RegistryCacheFile>(traits_.cache_path)) {
    if (!traits_.sessions) {
      connected_ = true;
      was_connected_ = true;
      had_session_ = true;
      session_id_ = 1;
      grace_end_ = Clock::now();
    }
    backend_->Start(this);
  }
  ~Engine() {
    backend_.reset();  // its threads may report to this object until gone
    ::close(wake_fd_);
  }
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const Url& url() const { return url_; }

  Status Register(const Url& url);
  Status Unregister(const Url& url);
  Result<uint64_t> Subscribe(const Url& consumer, NotifyListener listener);
  Status Unsubscribe(uint64_t id);
  Result<std::vector<Url>> Lookup(const Url& consumer);
  Result<std::vector<std::string>> ListServices();
  std::optional<RegistrySession> Session() const;

  // Close, in three steps run by the Registry object: BeginShutdown (stop accepting work, wake
  // the threads), join the worker, FinishShutdown (remove own ephemeral entries, end the
  // session, flush the cache file).
  void BeginShutdown();
  void FinishShutdown();

  void RunWorker();  // backend upkeep, reads, retries
  void RunNotify();  // listeners, cache file

  // BackendEvents: record and wake, nothing more.
  void OnChanged(const std::string& path) override;
  void OnEverythingChanged() override;
  void OnSession(SessionEvent state, int64_t session) override;
  void OnNewSession() override;

 private:
  Status Closed() const {
    return Status(StatusCode::kCancelled, traits_.kind + " " + url_.ToString() + " is closed");
  }
  // A write that failed and was queued for the worker to retry: a connection-level failure is
  // not the caller's (OK, retried once connected); any other is returned, and retried every
  // retry period.
  Status QueuedForRetry(const Status& failure, const std::string& what) const;
  const std::string& Prefix() const { return traits_.log_prefix; }
  bool OnNotifyThread() const { return notify_thread_.load() == std::this_thread::get_id(); }
  std::string ServicePath(const std::string& encoded_interface) const {
    return (traits_.root == "/" ? "/" : traits_.root + "/") + encoded_interface;
  }
  Result<Query> MakeQuery(const Url& consumer,
                          const std::vector<std::string>& default_categories) const {
    return internal::MakeQuery(consumer, default_categories, traits_.is_name, traits_.name_what,
                               traits_.category_what);
  }
  void WakeWorker() {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
  bool IntactLocked(const Registration& r) const {
    return r.written.session == session_id_ && session_id_ != 0;
  }

  // Waits for a session during the first-session grace (`first_session_grace` after opening, cut
  // short when every server refuses connections). True when connected.
  bool AwaitConnection();

  // Worker thread.
  void HandleSessionEvent(SessionEvent state, int64_t session);
  void RetryRegistration(const std::string& path);
  void RetryRemoval(const std::string& path);
  void ReadPath(const std::string& path);
  void CheckRegistrations();
  void Wait(std::optional<Clock::time_point> wake);

  // Under mu_.
  void MarkChangedLocked(PathState* p, Clock::time_point due);
  void AddPathLocked(const std::string& path, Subscription* sub, PathKind kind, bool create,
                     const std::string& category);
  void RemovePathLocked(const std::string& path, Subscription* sub);
  void UpdateWildcardLocked(Subscription* sub, const std::vector<std::string>& names);
  bool EvaluateLocked(Subscription* sub, std::vector<Matched>* out, bool* live);
  std::vector<Matched> GatherLocked(const Subscription& sub) const;
  std::vector<Matched> FromCache(const Subscription& sub) const;
  std::string CacheValue(const Subscription& sub, const std::vector<Matched>& matched) const;

  const Url url_;
  std::unique_ptr<RegistryBackend> backend_;
  const BackendTraits traits_;
  const int wake_fd_;  // wakes the worker
  std::atomic<std::thread::id> notify_thread_{};

  // Serializes writes of this object's registrations (Register, Unregister, retries, checks,
  // Close), so a retry never re-creates an entry just unregistered. Taken before mu_; never
  // held by a listener's caller while the listener runs.
  std::mutex write_mu_;
  // Never held while calling the backend (its threads call in with their own lock held).
  mutable std::mutex mu_;
  std::condition_variable notify_cv_;  // wakes the notification thread
  std::condition_variable state_cv_;   // callers waiting: connection, delivery, running_
  bool closed_ = false;
  bool finished_ = false;
  bool connected_ = false;
  bool was_connected_ = false;  // for logging transitions
  int64_t session_id_ = 0;      // the current session, once the worker has seen it
  bool had_session_ = false;
  Clock::time_point grace_end_;
  bool probed_ = false;
  std::deque<std::pair<SessionEvent, int64_t>> events_;
  std::map<std::string, Registration> registered_;  // by entry path
  std::map<std::string, Removal> removals_;         // failed Unregisters, by entry path
  std::map<uint64_t, std::shared_ptr<Subscription>> subs_;
  std::map<std::string, PathState> paths_;
  std::set<std::string> dropped_;  // paths no subscription reads any more, for Unwatch
  std::optional<Clock::time_point> next_check_;
  uint64_t next_id_ = 0;
  uint64_t running_ = 0;  // subscription whose listener is running (0: none)

  const std::unique_ptr<RegistryCacheFile> cache_;
  std::optional<Clock::time_point> cache_save_at_;  // guarded by mu_
  bool cache_warned_ = false;
};

// ---------------------------------------------------------------------------------------------
// Backend events (any thread).

void Engine::OnSession(SessionEvent state, int64_t session) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  connected_ = state == SessionEvent::kConnected;
  // Once a session has existed, nothing waits for one any more: outages fall back at once.
  if (connected_) grace_end_ = std::min(grace_end_, Clock::now());
  events_.emplace_back(state, session);
  WakeWorker();
  notify_cv_.notify_all();
  state_cv_.notify_all();
}

void Engine::OnNewSession() {
  std::lock_guard<std::mutex> lock(mu_);
  connected_ = false;
  events_.clear();
}

void Engine::MarkChangedLocked(PathState* p, Clock::time_point due) {
  // The first change of a burst schedules the read; later ones ride along (the watch is re-armed
  // only by that read, so they raise no event meanwhile).
  if (!p->due || *p->due > due) p->due = due;
}

void Engine::OnChanged(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  auto it = paths_.find(path);
  if (it == paths_.end()) return;  // no longer subscribed
  MarkChangedLocked(&it->second, Clock::now() + traits_.notify_delay);
  WakeWorker();
}

void Engine::OnEverythingChanged() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  const auto due = Clock::now() + traits_.notify_delay;
  for (auto& [path, p] : paths_) MarkChangedLocked(&p, due);
  WakeWorker();
}

// ---------------------------------------------------------------------------------------------
// Caller-side operations.

bool Engine::AwaitConnection() {
  std::unique_lock<std::mutex> lock(mu_);
  if (connected_ || closed_) return connected_ && !closed_;
  if (Clock::now() >= grace_end_) return false;
  if (!probed_) {
    probed_ = true;
    const auto deadline = grace_end_;
    lock.unlock();
    const bool refused = backend_->Unreachable(deadline);
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

Status Engine::QueuedForRetry(const Status& failure, const std::string& what) const {
  const std::string message = what + ": " + failure.message();
  if (failure.code() == StatusCode::kUnavailable && traits_.sessions) {
    LogWarning() << Prefix() << message << "; queued, retried once connected";
    return Status::Ok();
  }
  const std::string every = std::to_string(traits_.retry_period.count());
  LogWarning() << Prefix() << message << "; retrying every " << every << " ms";
  return Status(failure.code(), message + " (retrying every " + every + " ms)");
}

Status Engine::Register(const Url& url) {
  if (url.protocol().empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "cannot register a URL without protocol: " + url.ToString());
  }
  DUBBO_ASSIGN_OR_RETURN(std::string path, backend_->EntryPath(url));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  AwaitConnection();
  std::lock_guard<std::mutex> write_lock(write_mu_);
  const bool ephemeral = internal::GetJavaBool(url, "dynamic", true);
  bool connected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    removals_.erase(path);
    Registration& reg = registered_[path];
    reg.url = url;
    reg.ephemeral = ephemeral;
    reg.written = {};
    reg.failures = 0;
    connected = connected_;
    // Left to the worker when there is no session; else tried here first.
    reg.next_attempt = connected ? Clock::now() + traits_.retry_period : Clock::now();
    WakeWorker();
  }
  if (!connected) {
    LogWarning() << Prefix() << "not connected: " << url.ToString()
                 << " will be registered once connected";
    return Status::Ok();
  }
  auto written = backend_->Write(path, url, ephemeral);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = registered_.find(path);
  if (written.ok()) {
    if (it != registered_.end()) {
      it->second.written = std::move(*written);
      it->second.ever_written = true;
    }
    return Status::Ok();
  }
  if (it != registered_.end()) {
    it->second.failures = 1;
    it->second.next_attempt = Clock::now() + traits_.retry_period;
  }
  return QueuedForRetry(written.status(), "registering " + url.ToString());
}

Status Engine::Unregister(const Url& url) {
  DUBBO_ASSIGN_OR_RETURN(std::string path, backend_->EntryPath(url));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  AwaitConnection();
  std::lock_guard<std::mutex> write_lock(write_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    auto it = registered_.find(path);
    // An entry this object registered but never wrote does not exist; any other may (written by
    // this object, another process or an operator): Unregister removes it, as Dubbo does.
    const bool maybe_exists =
        it == registered_.end() || it->second.ever_written || !it->second.ephemeral;
    if (it != registered_.end()) registered_.erase(it);
    if (!maybe_exists) return Status::Ok();
    if (!connected_) {
      removals_[path] = Removal{url, Clock::now(), 0};
      WakeWorker();
      LogWarning() << Prefix() << "not connected: " << url.ToString()
                   << " will be unregistered once connected";
      return Status::Ok();
    }
  }
  const Status status = backend_->Delete(path, url);
  if (status.ok()) return Status::Ok();
  const std::string what = "unregistering " + url.ToString();
  if (!traits_.retry_removals) return Status(status.code(), what + ": " + status.message());
  {
    std::lock_guard<std::mutex> lock(mu_);
    removals_[path] = Removal{url, Clock::now() + traits_.retry_period, 1};
    WakeWorker();
  }
  return QueuedForRetry(status, what);
}

void Engine::AddPathLocked(const std::string& path, Subscription* sub, PathKind kind, bool create,
                           const std::string& category) {
  auto [it, inserted] = paths_.try_emplace(path);
  PathState& p = it->second;
  if (inserted) {
    p.kind = kind;
    p.category = category;
    p.due = Clock::now();
    WakeWorker();
  }
  if (create && !p.create) {
    p.create = true;
    if (!p.due) p.due = Clock::now();  // so that it gets created
    WakeWorker();
  }
  p.subs.insert(sub->id);
  sub->paths.insert(path);
}

void Engine::RemovePathLocked(const std::string& path, Subscription* sub) {
  sub->paths.erase(path);
  auto it = paths_.find(path);
  if (it == paths_.end()) return;
  it->second.subs.erase(sub->id);
  if (it->second.subs.empty()) {
    paths_.erase(it);  // a late watch event on it is ignored
    dropped_.insert(path);
    WakeWorker();
  }
}

void Engine::UpdateWildcardLocked(Subscription* sub, const std::vector<std::string>& names) {
  std::set<std::string> want = {traits_.root};
  std::map<std::string, std::string> category_of;
  for (const auto& name : names) {
    if (!traits_.is_name(name)) continue;
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
    // Every child of the root counts as a service, as in Dubbo; category paths are not created
    // for it (their creation is watched), so nodes like /dubbo/config stay untouched.
    if (have.count(p) == 0) AddPathLocked(p, sub, PathKind::kCategory, false, category_of[p]);
  }
}

Result<uint64_t> Engine::Subscribe(const Url& consumer, NotifyListener listener) {
  if (!listener) return Status(StatusCode::kInvalidArgument, "subscribing without a listener");
  DUBBO_ASSIGN_OR_RETURN(Query query, MakeQuery(consumer, internal::DefaultSubscribeCategories()));
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
      AddPathLocked(traits_.root, sub.get(), PathKind::kRoot, true, "");
      const PathState& root = paths_[traits_.root];
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

Status Engine::Unsubscribe(uint64_t id) {
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

Result<std::vector<Url>> Engine::Lookup(const Url& consumer) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  DUBBO_ASSIGN_OR_RETURN(Query query,
                         MakeQuery(consumer, {std::string(internal::kProvidersCategory)}));
  AwaitConnection();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    if (!connected_) return Status(StatusCode::kUnavailable, Prefix() + "not connected");
  }
  return backend_->Lookup(query);
}

Result<std::vector<std::string>> Engine::ListServices() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
  }
  AwaitConnection();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Closed();
    if (!connected_) return Status(StatusCode::kUnavailable, Prefix() + "not connected");
  }
  return backend_->ListServices();
}

std::optional<RegistrySession> Engine::Session() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!connected_) return std::nullopt;
  }
  return backend_->Session();
}

// ---------------------------------------------------------------------------------------------
// The worker thread.

void Engine::HandleSessionEvent(SessionEvent state, int64_t session) {
  std::lock_guard<std::mutex> lock(mu_);
  if (state == SessionEvent::kConnected) {
    if (!connected_) return;  // already lost again: a later event follows
    const bool fresh = session != session_id_;
    session_id_ = session;
    const auto now = Clock::now();
    size_t rewrite = 0;
    for (auto& [path, reg] : registered_) {
      if (reg.written.session != session) {
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
    WakeWorker();
    return;
  }
  if (state == SessionEvent::kExpired) {
    LogWarning() << Prefix() << "session " << Hex(session_id_)
                 << " expired: opening a new one; its ephemeral nodes will be re-created";
    was_connected_ = false;
  } else if (state == SessionEvent::kAuthFailed) {
    LogError() << Prefix() << "authentication failed; retrying in " << traits_.retry_period.count()
               << " ms";
    was_connected_ = false;
  } else if (was_connected_) {
    LogWarning() << Prefix() << "connection lost (session " << Hex(session_id_)
                 << "); reconnecting, notifications paused";
    was_connected_ = false;
  }
}

void Engine::RetryRegistration(const std::string& path) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  Registration reg;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = registered_.find(path);
    if (closed_ || it == registered_.end() || !connected_) return;
    if (IntactLocked(it->second)) return;
    reg = it->second;
  }
  auto written = backend_->Write(path, reg.url, reg.ephemeral);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = registered_.find(path);
  if (it == registered_.end()) return;
  Registration& r = it->second;
  if (written.ok()) {
    if (r.failures > 0) {
      LogInfo() << Prefix() << "registered " << r.url.ToString() << " after " << r.failures
                << " failed attempt(s)";
    } else if (r.ever_written) {
      LogInfo() << Prefix() << "re-created " << path;
    }
    r.written = std::move(*written);
    r.ever_written = true;
    r.failures = 0;
    return;
  }
  ++r.failures;
  r.next_attempt = Clock::now() + traits_.retry_period;
  if (written.status().code() != StatusCode::kUnavailable &&
      (r.failures == 1 || r.failures % kLogEveryFailures == 0)) {
    LogWarning() << Prefix() << "registering " << r.url.ToString() << ": "
                 << written.status().message() << " (attempt " << r.failures << "; retrying every "
                 << traits_.retry_period.count() << " ms)";
  }
}

void Engine::RetryRemoval(const std::string& path) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  Url url;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = removals_.find(path);
    if (closed_ || it == removals_.end() || !connected_) return;
    url = it->second.url;
  }
  const Status status = backend_->Delete(path, url);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = removals_.find(path);
  if (it == removals_.end()) return;
  if (status.ok()) {
    if (it->second.failures > 0)
      LogInfo() << Prefix() << "unregistered " << it->second.url.ToString();
    removals_.erase(it);
    return;
  }
  ++it->second.failures;
  it->second.next_attempt = Clock::now() + traits_.retry_period;
  if (status.code() != StatusCode::kUnavailable &&
      (it->second.failures == 1 || it->second.failures % kLogEveryFailures == 0)) {
    LogWarning() << Prefix() << "unregistering " << it->second.url.ToString() << ": "
                 << status.message() << " (attempt " << it->second.failures << "; retrying every "
                 << traits_.retry_period.count() << " ms)";
  }
}

void Engine::CheckRegistrations() {
  // Entries lost behind this object's back (a reader's garbage collection raced with a
  // re-registration, someone cleaned the store) are written again by the retry loop.
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::vector<std::pair<std::string, Registration>> intact;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || !connected_) return;
    for (const auto& [path, reg] : registered_)
      if (IntactLocked(reg)) intact.emplace_back(path, reg);
  }
  for (const auto& [path, reg] : intact) {
    if (backend_->Intact(path, reg.url, reg.written)) continue;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = registered_.find(path);
    if (it == registered_.end() || it->second.written.identity != reg.written.identity) continue;
    it->second.written = {};
    it->second.next_attempt = Clock::now();
  }
}

void Engine::ReadPath(const std::string& path) {
  PathKind kind;
  bool create;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = paths_.find(path);
    if (closed_ || it == paths_.end() || !it->second.due || !connected_) return;
    // Cleared before reading: a watch event during the read asks for another read.
    it->second.due.reset();
    kind = it->second.kind;
    create = it->second.create;
  }
  auto read = backend_->ReadPath(path, kind, create);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = paths_.find(path);
  if (closed_ || it == paths_.end()) return;
  PathState& p = it->second;
  if (!read.ok()) {
    ++p.failures;
    const auto retry = Clock::now() + traits_.retry_period;
    if (!p.due || *p.due > retry) p.due = retry;  // a reconnection retries at once
    if (read.status().code() == StatusCode::kUnavailable) return;
    if (p.failures == 1 || p.failures % kLogEveryFailures == 0) {
      LogWarning() << Prefix() << "reading " << path << ": " << read.status().message()
                   << " (attempt " << p.failures << "; retrying every "
                   << traits_.retry_period.count() << " ms)";
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
  for (const auto& [name, reason] : read->bad) {
    if (p.warned.insert(name).second) {
      LogWarning() << Prefix() << "ignoring child \"" << name << "\" of " << path << ": " << reason;
    }
  }
  if (kind == PathKind::kRoot) {
    p.names = std::move(read->names);
    const std::set<uint64_t> ids = p.subs;
    for (uint64_t id : ids) {
      auto s = subs_.find(id);
      if (s != subs_.end()) UpdateWildcardLocked(s->second.get(), p.names);
    }
  } else {
    p.children.clear();
    p.children.reserve(read->urls.size());
    for (auto& u : read->urls) {
      std::string key = u.ToFullString();
      p.children.push_back(Child{std::move(key), std::move(u)});
    }
  }
  for (uint64_t id : p.subs) {
    auto s = subs_.find(id);
    if (s != subs_.end()) s->second->notify_due = true;
  }
  notify_cv_.notify_all();
}

void Engine::Wait(std::optional<Clock::time_point> wake) {
  int timeout_ms = -1;
  if (wake) {
    const auto left = std::chrono::ceil<milliseconds>(*wake - Clock::now()).count();
    timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
  }
  const int backend_fd = backend_->PollFd();
  struct pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {backend_fd, POLLIN, 0}};
  const int n = ::poll(fds, backend_fd >= 0 ? 2 : 1, timeout_ms);
  if (n <= 0) return;
  if ((fds[0].revents & POLLIN) != 0) {
    uint64_t value;
    [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &value, sizeof value);
  }
  if (backend_fd >= 0 && (fds[1].revents & POLLIN) != 0) backend_->OnReadable();
}

void Engine::RunWorker() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!closed_) {
    if (!events_.empty()) {
      std::deque<std::pair<SessionEvent, int64_t>> events;
      events.swap(events_);
      lock.unlock();
      for (const auto& [state, session] : events) HandleSessionEvent(state, session);
      lock.lock();
      continue;
    }
    if (!dropped_.empty()) {
      std::set<std::string> dropped;
      dropped.swap(dropped_);
      for (auto it = dropped.begin(); it != dropped.end();)
        it = paths_.count(*it) != 0 ? dropped.erase(it) : std::next(it);
      lock.unlock();
      for (const auto& path : dropped) backend_->Unwatch(path);
      lock.lock();
      continue;
    }
    lock.unlock();
    std::optional<Clock::time_point> wake = backend_->Service();
    lock.lock();
    if (closed_) break;
    const auto now = Clock::now();
    auto earlier = [&wake](Clock::time_point t) {
      if (!wake || t < *wake) wake = t;
    };
    if (traits_.check_interval.count() > 0) {
      // Periodic passes only while there is something to keep alive or to watch.
      bool check = false;
      if (subs_.empty() && registered_.empty()) {
        next_check_.reset();
      } else if (!next_check_) {
        next_check_ = now + traits_.check_interval;
      } else if (now >= *next_check_) {
        check = true;
        next_check_ = now + traits_.check_interval;
      }
      if (next_check_) earlier(*next_check_);
      if (check) {
        for (auto& [path, p] : paths_) p.due = now;
        lock.unlock();
        CheckRegistrations();
        lock.lock();
        continue;
      }
    }
    if (connected_) {
      std::vector<std::string> registrations;
      std::vector<std::string> removals;
      std::vector<std::string> reads;
      for (const auto& [path, r] : registered_) {
        if (IntactLocked(r)) continue;
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
    lock.unlock();
    Wait(wake);
    lock.lock();
  }
}

// ---------------------------------------------------------------------------------------------
// The notification thread.

std::vector<Matched> Engine::GatherLocked(const Subscription& sub) const {
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

std::vector<Matched> Engine::FromCache(const Subscription& sub) const {
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

// What `sub` can be told now: the live list once every path it reads has been read (for the
// first notification: with no read pending, unless it has waited long enough); before that, on
// fallback, the cached list. False: nothing to tell yet.
bool Engine::EvaluateLocked(Subscription* sub, std::vector<Matched>* out, bool* live) {
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

std::string Engine::CacheValue(const Subscription& sub, const std::vector<Matched>& matched) const {
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

void Engine::RunNotify() {
  notify_thread_.store(std::this_thread::get_id());
  std::unique_lock<std::mutex> lock(mu_);
  while (!closed_) {
    const auto now = Clock::now();
    std::optional<Clock::time_point> wake = cache_save_at_;
    // Subscribers still waiting for their first list stop waiting for the backend once the
    // first-session grace is over and there is no session.
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

void Engine::BeginShutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  subs_.clear();
  paths_.clear();
  WakeWorker();
  notify_cv_.notify_all();
  state_cv_.notify_all();
}

void Engine::FinishShutdown() {
  {
    std::lock_guard<std::mutex> write_lock(write_mu_);
    std::map<std::string, Registration> registered;
    bool usable = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = true;
      registered.swap(registered_);
      removals_.clear();
      usable = connected_;
      connected_ = false;
    }
    if (usable) {
      // Deleted before the session ends, so subscribers see them go at once even if the close
      // request is lost; only entries still as written (another process may own the same URL).
      // Persistent (dynamic=false) entries stay, as Java's AbstractRegistry.destroy leaves them.
      for (const auto& [path, reg] : registered) {
        if (!reg.ephemeral || reg.written.session == 0) continue;
        backend_->RemoveOwn(path, reg.written);
      }
    }
  }
  backend_->Close();  // ends the session: the server removes whatever ephemeral node is left
  if (cache_ && cache_->dirty()) {
    if (Status s = cache_->Save(); !s.ok())
      LogWarning() << Prefix() << "cannot save the cache file: " << s.message();
  }
}

// The Registry the factory hands out: owns the two threads, forwards to the engine.
class EngineRegistry final : public Registry {
 public:
  explicit EngineRegistry(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {
    worker_ = std::thread([engine = engine_] { engine->RunWorker(); });
    try {
      notify_thread_ = std::thread([engine = engine_] { engine->RunNotify(); });
    } catch (...) {
      engine_->BeginShutdown();
      worker_.join();
      throw;
    }
  }
  ~EngineRegistry() override { Close(); }

  Status Register(const Url& url) override { return engine_->Register(url); }
  Status Unregister(const Url& url) override { return engine_->Unregister(url); }
  Result<uint64_t> Subscribe(const Url& consumer_url, NotifyListener listener) override {
    return engine_->Subscribe(consumer_url, std::move(listener));
  }
  Status Unsubscribe(uint64_t subscription) override { return engine_->Unsubscribe(subscription); }
  Result<std::vector<Url>> Lookup(const Url& consumer_url) override {
    return engine_->Lookup(consumer_url);
  }
  Result<std::vector<std::string>> ListServices() override { return engine_->ListServices(); }
  const Url& url() const override { return engine_->url(); }
  std::optional<RegistrySession> Session() const override { return engine_->Session(); }

  void Close() override {
    std::thread worker;
    std::thread notify_thread;
    {
      std::lock_guard<std::mutex> lock(thread_mu_);
      worker = std::move(worker_);
      notify_thread = std::move(notify_thread_);
    }
    engine_->BeginShutdown();
    if (worker.joinable()) worker.join();
    engine_->FinishShutdown();
    if (!notify_thread.joinable()) return;
    // Closed (or destroyed) from a listener: the thread cannot join itself; it exits when the
    // listener returns, keeping the engine alive until then.
    if (notify_thread.get_id() == std::this_thread::get_id()) {
      notify_thread.detach();
    } else {
      notify_thread.join();
    }
  }

 private:
  std::shared_ptr<Engine> engine_;
  std::mutex thread_mu_;
  std::thread worker_;
  std::thread notify_thread_;
};

}  // namespace

Result<std::shared_ptr<Registry>> OpenRegistryEngine(const Url& url,
                                                     std::unique_ptr<RegistryBackend> backend) {
  const std::string kind = backend->traits().kind;
  const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    return Status(StatusCode::kInternal, "eventfd: " + internal::ErrnoText(errno))
        .WithContext(kind + " " + url.ToString());
  }
  auto engine = std::make_shared<Engine>(url, std::move(backend), wake_fd);
  try {
    return std::shared_ptr<Registry>(std::make_shared<EngineRegistry>(std::move(engine)));
  } catch (const std::system_error& e) {
    return Status(StatusCode::kInternal,
                  std::string("cannot start the registry threads: ") + e.what())
        .WithContext(kind + " " + url.ToString());
  }
}

}  // namespace dubbo::registry
