// The questions a registry engine (registry/registry_engine.h) asks of a store: write or delete
// one entry, list a node's children (arming a watch), say whether a written entry is still in
// place, and report changes and session events. Everything a registry does with those answers —
// registrations and their retries, subscriptions, coalesced notification, the cache file,
// Close — is the engine's, once for every backend; a backend holds only what its store needs
// (ZooKeeper: the session; file://: inotify watches and per-directory read caches).
//
// Paths are the store's own ("/dubbo/com.foo.Bar/providers",
// "/var/lib/dubbo/dubbo/com.foo.Bar/providers"): the engine builds them from root(), one name per
// interface and category, and EntryPath(). Not part of the public API.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/url.h"
#include "registry/internal.h"
#include "registry/registry.h"

namespace dubbo::registry {

// What a backend tells its engine. Thread-safe: called from any thread (the ZooKeeper client's,
// the engine's worker), never blocks beyond the engine's own lock, and may be called while the
// backend holds its own lock (the engine never calls the backend while holding its lock).
class BackendEvents {
 public:
  enum class Session { kConnected, kDisconnected, kExpired, kAuthFailed };

  // A watched path changed: the engine reads it again after notify.delay.
  virtual void OnChanged(const std::string& path) = 0;
  // Every watched path may have changed (the backend lost track of events).
  virtual void OnEverythingChanged() = 0;
  // Session state; `session` is the session's id on kConnected.
  virtual void OnSession(Session state, int64_t session) = 0;
  // A new session is being opened: events of the previous one are stale.
  virtual void OnNewSession() = 0;

 protected:
  ~BackendEvents() = default;
};

// What the engine needs to know about a backend, fixed when it opens.
struct BackendTraits {
  std::string kind;        // "zookeeper registry", "file registry" (messages)
  std::string log_prefix;  // "zookeeper registry 127.0.0.1:2181: "
  std::string root;        // the root path ("/dubbo", "<dir>/dubbo"; "/" is ZooKeeper's root)
  std::string name_what;   // what an interface or category name cannot name: "a directory"
  std::string category_what;
  bool (*is_name)(std::string_view) = nullptr;  // can this be one path component?
  std::chrono::milliseconds notify_delay{0};
  std::chrono::milliseconds retry_period{0};
  // Every this often, while anything is registered or subscribed: every watched path is read
  // again and every registration checked with Intact() (file://: owners die silently). Zero: never.
  std::chrono::milliseconds check_interval{0};
  // With sessions the engine starts disconnected and waits up to `first_session_grace` for the
  // first one; operations without a session are queued (Register/Unregister return OK) and
  // subscriptions fall back to the cache file. Without, it is always connected (session 1).
  bool sessions = false;
  std::chrono::milliseconds first_session_grace{0};
  // A failed Unregister is retried every retry_period (else its error is just returned).
  bool retry_removals = false;
  std::string cache_path;  // the cache file (registry/cache_file.h); empty: none
};

// Owned by its engine. Write, Delete, Intact and RemoveOwn run on callers' threads and the
// worker, one at a time (the engine serializes them); ReadPath, Unwatch, Service and OnReadable on
// the worker only; Lookup, ListServices, Unreachable and Session on any thread, concurrently with
// everything else. The engine never calls a backend while holding its own lock.
class RegistryBackend {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~RegistryBackend() = default;

  virtual const BackendTraits& traits() const = 0;

  // Called once before any other call but traits(); `events` outlives the backend's threads.
  virtual void Start(BackendEvents* events) = 0;

  // The path of the entry that holds `url` (category: its `category`, default providers).
  virtual Result<std::string> EntryPath(const Url& url) const = 0;

  // Writes the entry; on success, the session it was written in (1 without sessions) and an
  // identity Intact() and RemoveOwn() recognise it by. A connection-level failure is kUnavailable.
  struct Written {
    int64_t session = 0;
    std::string identity;
  };
  virtual Result<Written> Write(const std::string& path, const Url& url, bool ephemeral) = 0;
  // Deletes `url`'s entry (OK when there is none). Connection-level failures are kUnavailable.
  virtual Status Delete(const std::string& path, const Url& url) = 0;
  // Whether the entry this process wrote (`written`) is still in place; only with a
  // check_interval. Worker thread.
  virtual bool Intact(const std::string& path, const Url& url, const Written& written) {
    (void)path, (void)url, (void)written;
    return true;
  }
  // Close: deletes an ephemeral entry if it is still the one written. Only while connected.
  virtual void RemoveOwn(const std::string& path, const Written& written) = 0;

  // Reads a watched path and (re-)arms its watch. kRoot: the service names under root();
  // kCategory: the entries. `create`: a missing path is created (as subscribing does); else a
  // missing path reads empty and its creation is watched. Worker thread.
  enum class PathKind { kCategory, kRoot };
  struct Read {
    std::vector<std::string> names;                        // kRoot
    std::vector<Url> urls;                                 // kCategory
    std::vector<std::pair<std::string, std::string>> bad;  // unparsable children: name, reason
  };
  virtual Result<Read> ReadPath(const std::string& path, PathKind kind, bool create) = 0;
  // No subscription reads `path` any more. Worker thread.
  virtual void Unwatch(const std::string& path) { (void)path; }

  // One-shot reads on a caller's thread, connected.
  virtual Result<std::vector<Url>> Lookup(const internal::Query& query) = 0;
  virtual Result<std::vector<std::string>> ListServices() = 0;

  // Worker thread, every round: session upkeep (open a new session when the last one died).
  // Returns when it wants to be called again (nullopt: on the next event).
  virtual std::optional<Clock::time_point> Service() { return std::nullopt; }
  // A file descriptor the worker polls besides its own (-1: none) and what to do when readable.
  virtual int PollFd() const { return -1; }
  virtual void OnReadable() {}
  // While the first session is awaited: true when every server refuses connections before
  // `deadline`, so callers need not wait for it.
  virtual bool Unreachable(Clock::time_point deadline) {
    (void)deadline;
    return false;
  }
  // The session, for tests and diagnostics.
  virtual std::optional<RegistrySession> Session() const { return std::nullopt; }
  // Close: ends the session (after RemoveOwn); no event follows.
  virtual void Close() {}
};

}  // namespace dubbo::registry
