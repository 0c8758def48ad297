// Test support: a real ZooKeeper server (Debian's `zookeeper` package, run with java as
// ZooKeeperServerMain) on a free loopback port with a temporary data directory, and a plain
// ZooKeeper C client for tests that look at the nodes themselves.
//
// One server is shared by the whole test binary (Shared()): started on first use, stopped when
// the process exits (and killed with it if it crashes). Tests that need an outage Stop() and
// Start() it again — same port, same data directory, so sessions and nodes survive.
// tickTime is 200 ms, sessions may be 400 ms .. 60 s: session expiry takes seconds, not minutes.
// Not thread-safe: drive it from the test's thread.
#pragma once

#include <sys/types.h>
#include <zookeeper/zookeeper.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "registry/registry.h"
#include "registry/zookeeper_registry.h"

namespace dubbo::testing {

// A loopback TCP port nothing listens on right now.
uint16_t FreeLoopbackPort();

class ZooKeeperServer {
 public:
  static constexpr int kTickMs = 200;

  // Picks a free port and a data directory; does not start.
  ZooKeeperServer();
  // Stops the server and removes its directory.
  ~ZooKeeperServer();
  ZooKeeperServer(const ZooKeeperServer&) = delete;
  ZooKeeperServer& operator=(const ZooKeeperServer&) = delete;

  // Starts the server (again) and waits until it serves ("srvr" answers with a mode). False with
  // `error` set (naming the missing package, or with the server's log) otherwise.
  bool Start(std::string* error);
  // SIGTERM, SIGKILL after 10 s; reaps. The data directory stays.
  void Stop();
  bool running() const { return pid_ > 0; }

  uint16_t port() const { return port_; }
  // "127.0.0.1:<port>"
  std::string address() const;
  const std::string& log_path() const { return log_path_; }
  // The last lines of the server's log, for failure messages.
  std::string LogTail(size_t lines = 30) const;

  // The server shared by the test binary, started on first call; null with `error` set if it
  // cannot start (then every later call fails the same way without trying again).
  static ZooKeeperServer* Shared(std::string* error);

 private:
  std::string dir_;
  std::string log_path_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// A plain C client connection for tests; closed by the destructor.
class ZkTestClient {
 public:
  // Connects and waits for the session (or re-attaches to `session`); null with `error` set.
  static std::unique_ptr<ZkTestClient> Connect(
      const std::string& hosts, std::string* error, const clientid_t* session = nullptr,
      std::chrono::milliseconds timeout = std::chrono::seconds(10), int session_timeout_ms = 10000);
  ~ZkTestClient();
  ZkTestClient(const ZkTestClient&) = delete;
  ZkTestClient& operator=(const ZkTestClient&) = delete;

  zhandle_t* get() const { return zh_; }
  int64_t session_id() const;

  // Children of `path` (sorted); `rc` gets the ZooKeeper result.
  std::vector<std::string> Children(const std::string& path, int* rc = nullptr) const;
  // Creates `path` (mode ZOO_PERSISTENT, ZOO_EPHEMERAL ...) and its missing parents (persistent,
  // `acl`, open by default); the ZooKeeper result of the last create.
  int Create(const std::string& path, int mode = 0, struct ACL_vector* acl = nullptr) const;
  // zoo_add_auth, waiting for the answer ("digest", "user:password"); the ZooKeeper result.
  // (Caution: a timeout leaves the completion pending; only used with a live server.)
  int AddAuth(const std::string& scheme, const std::string& credentials) const;
  // The node's stat; false if it does not exist.
  bool Exists(const std::string& path, struct Stat* stat = nullptr) const;

 private:
  ZkTestClient() = default;
  static void Watcher(zhandle_t* zh, int type, int state, const char* path, void* ctx);
  zhandle_t* zh_ = nullptr;
  std::atomic<int> state_{0};  // the last session state (the watcher's context is this object)
};

// Ends `registry`'s ZooKeeper session as the server does after a partition — another handle
// attaches to it and closes it — and waits until the registry runs on a new session. The twin's
// close can lose a race with the registry's own reconnect (the session moves back and survives:
// "session kept" in the log), so a session still alive after `wait` is ended again, up to five
// times. Returns the ended session's id; an error when the registry has no session or it never
// changed.
Result<int64_t> ExpireRegistrySession(const std::string& hosts, const registry::Registry& registry,
                                      std::chrono::milliseconds wait = std::chrono::seconds(10));

}  // namespace dubbo::testing
