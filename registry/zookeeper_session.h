// The ZooKeeper C client's session for the ZooKeeper registry backend: one zhandle_t at a time
// (one handle is one session for as long as it lives), replaced by a new one when its session
// expires or authentication fails; digest authentication added to every new handle before any
// request is sent on it; the session watcher and the watcher of children/exists reads, which
// only record the event and tell the engine (BackendEvents). Not part of the public API.
//
// Thread-safe. Service() is called by the engine's worker thread only. Handles are shared:
// an operation holds the one it started with, so a replacement does not close it under it;
// a handle is never closed on a ZooKeeper thread nor under this object's lock.
#pragma once

#include <zookeeper/zookeeper.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "registry/registry.h"
#include "registry/registry_backend.h"

namespace dubbo::registry::internal {

class ZookeeperSessionKeeper;

// One ZooKeeper handle; destroying it ends its session.
struct ZookeeperHandle {
  ZookeeperSessionKeeper* keeper = nullptr;
  uint64_t generation = 0;
  zhandle_t* zh = nullptr;
  ZookeeperHandle() = default;
  ZookeeperHandle(const ZookeeperHandle&) = delete;
  ZookeeperHandle& operator=(const ZookeeperHandle&) = delete;
  ~ZookeeperHandle();
};

class ZookeeperSessionKeeper {
 public:
  using Clock = std::chrono::steady_clock;

  // `auth`: "user:password" for digest authentication, empty for none.
  ZookeeperSessionKeeper(std::string hosts, std::string auth,
                         std::chrono::milliseconds session_timeout,
                         std::chrono::milliseconds retry_period, std::string log_prefix);
  ~ZookeeperSessionKeeper();
  ZookeeperSessionKeeper(const ZookeeperSessionKeeper&) = delete;
  ZookeeperSessionKeeper& operator=(const ZookeeperSessionKeeper&) = delete;

  // `events` receives session events and watched path changes from now on.
  void Start(BackendEvents* events);

  // Opens a new handle when there is none or the last one's session died (at once after expiry,
  // retry_period after an authentication failure). Returns when it wants to be called again.
  std::optional<Clock::time_point> Service();

  // The current handle, unless its session died: operations on it fail with a connection error
  // while it is not connected. Null when there is none.
  std::shared_ptr<ZookeeperHandle> handle() const;

  // The current session's id and password; nullopt without a live handle.
  std::optional<RegistrySession> Session() const;

  // Ends the session; no event is reported after it returns.
  void Close();

  // The watcher for zoo_wget_children / zoo_wexists on `h` (its context is `h`).
  static void PathWatcher(zhandle_t* zh, int type, int state, const char* path, void* ctx);

  // Whether every server of `hosts` refuses TCP connections (or cannot be resolved or reached)
  // before `deadline`; false when any accepts, or when the deadline passes first.
  bool AllServersRefuse(Clock::time_point deadline) const;

 private:
  static void SessionWatcher(zhandle_t* zh, int type, int state, const char* path, void* ctx);
  void OnEvent(uint64_t generation, zhandle_t* zh, int type, int state, const char* path);
  void NewHandle();

  const std::string hosts_;
  const std::string auth_;
  const std::chrono::milliseconds session_timeout_;
  const std::chrono::milliseconds retry_period_;
  const std::string prefix_;

  // Held while reporting to `events_` (which never calls back into this object).
  mutable std::mutex mu_;
  BackendEvents* events_ = nullptr;
  bool closed_ = false;
  std::shared_ptr<ZookeeperHandle> handle_;
  uint64_t generation_ = 0;
  bool dead_ = false;  // expired or failed: Service() opens a new handle
  Clock::time_point recreate_at_{};
};

// The items of a connection string ("h1:2181,h2:2181").
std::vector<std::string> SplitConnectString(const std::string& hosts);

}  // namespace dubbo::registry::internal
