#include "registry/zookeeper_session.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "common/log.h"

namespace dubbo::registry::internal {

namespace {

using std::chrono::milliseconds;

void ZkLog(const char* message) { LogDebug() << "zookeeper client: " << message; }

void AuthDone(int rc, const void*) {
  if (rc != ZOK) LogError() << "zookeeper registry: digest authentication failed: " << zerror(rc);
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

BackendEvents::Session SessionState(int state) {
  if (state == ZOO_CONNECTED_STATE) return BackendEvents::Session::kConnected;
  if (state == ZOO_EXPIRED_SESSION_STATE) return BackendEvents::Session::kExpired;
  if (state == ZOO_AUTH_FAILED_STATE) return BackendEvents::Session::kAuthFailed;
  return BackendEvents::Session::kDisconnected;
}

}  // namespace

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

ZookeeperHandle::~ZookeeperHandle() {
  if (zh != nullptr) zookeeper_close(zh);
}

ZookeeperSessionKeeper::ZookeeperSessionKeeper(std::string hosts, std::string auth,
                                               milliseconds session_timeout,
                                               milliseconds retry_period, std::string log_prefix)
    : hosts_(std::move(hosts)),
      auth_(std::move(auth)),
      session_timeout_(session_timeout),
      retry_period_(retry_period),
      prefix_(std::move(log_prefix)) {}

ZookeeperSessionKeeper::~ZookeeperSessionKeeper() { Close(); }

void ZookeeperSessionKeeper::Start(BackendEvents* events) {
  std::lock_guard<std::mutex> lock(mu_);
  events_ = events;
}

void ZookeeperSessionKeeper::SessionWatcher(zhandle_t* zh, int type, int state, const char* path,
                                            void*) {
  const auto* h = static_cast<const ZookeeperHandle*>(zoo_get_context(zh));
  if (h == nullptr) return;
  h->keeper->OnEvent(h->generation, zh, type, state, path);
}

// Session events reach every watcher too: the handle's own watcher takes care of those.
void ZookeeperSessionKeeper::PathWatcher(zhandle_t* zh, int type, int state, const char* path,
                                         void* ctx) {
  if (type == ZOO_SESSION_EVENT || path == nullptr || ctx == nullptr) return;
  const auto* h = static_cast<const ZookeeperHandle*>(ctx);
  h->keeper->OnEvent(h->generation, zh, type, state, path);
}

void ZookeeperSessionKeeper::OnEvent(uint64_t generation, zhandle_t* zh, int type, int state,
                                     const char* path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || events_ == nullptr || generation != generation_) return;
  if (type != ZOO_SESSION_EVENT) {
    if (path != nullptr) events_->OnChanged(path);
    return;
  }
  int64_t session = 0;
  if (state == ZOO_CONNECTED_STATE) {
    const clientid_t* id = zoo_client_id(zh);
    session = id != nullptr ? id->client_id : 0;
  } else if (state == ZOO_EXPIRED_SESSION_STATE) {
    dead_ = true;
    recreate_at_ = Clock::now();
  } else if (state == ZOO_AUTH_FAILED_STATE) {
    dead_ = true;
    recreate_at_ = Clock::now() + retry_period_;
  }
  events_->OnSession(SessionState(state), session);
}

std::optional<ZookeeperSessionKeeper::Clock::time_point> ZookeeperSessionKeeper::Service() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return std::nullopt;
    if (handle_ && !dead_) return std::nullopt;
    if (Clock::now() < recreate_at_) return recreate_at_;
  }
  NewHandle();
  std::lock_guard<std::mutex> lock(mu_);
  if (!closed_ && (!handle_ || dead_)) return recreate_at_;
  return std::nullopt;
}

void ZookeeperSessionKeeper::NewHandle() {
  auto h = std::make_shared<ZookeeperHandle>();
  h->keeper = this;
  std::shared_ptr<ZookeeperHandle> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    old = std::move(handle_);
    dead_ = false;
    if (events_ != nullptr) events_->OnNewSession();
  }
  old.reset();  // closes the dead session's handle (outside the lock: its watcher takes it)
  // Held until the handle is published: the new session's first events (its watcher takes the
  // lock) must not reach the engine before an operation can use the handle, nor may anything
  // be sent on it before its credentials. Neither call waits for the client's threads.
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  // The generation changes before the handle exists: its first events must not be dropped.
  h->generation = ++generation_;
  zhandle_t* zh =
      zookeeper_init2(hosts_.c_str(), SessionWatcher, static_cast<int>(session_timeout_.count()),
                      nullptr, h.get(), 0, ZkLog);
  if (zh == nullptr) {
    const int err = errno;
    LogWarning() << prefix_ << "cannot create a ZooKeeper client ("
                 << std::generic_category().message(err) << "); retrying in "
                 << retry_period_.count() << " ms";
    dead_ = true;
    recreate_at_ = Clock::now() + retry_period_;
    return;
  }
  h->zh = zh;
  // Every new handle is a new session: the credentials must be added to each (the client
  // re-sends them itself only on reconnections of the same handle).
  if (!auth_.empty()) {
    const int rc =
        zoo_add_auth(zh, "digest", auth_.data(), static_cast<int>(auth_.size()), AuthDone, nullptr);
    if (rc != ZOK) LogError() << prefix_ << "cannot add digest authentication: " << zerror(rc);
  }
  handle_ = std::move(h);
}

std::shared_ptr<ZookeeperHandle> ZookeeperSessionKeeper::handle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return handle_ && !dead_ ? handle_ : nullptr;
}

std::optional<RegistrySession> ZookeeperSessionKeeper::Session() const {
  const auto h = handle();
  if (!h) return std::nullopt;
  const clientid_t* id = zoo_client_id(h->zh);
  if (id == nullptr || id->client_id == 0) return std::nullopt;
  return RegistrySession{id->client_id, std::string(id->passwd, sizeof id->passwd)};
}

void ZookeeperSessionKeeper::Close() {
  std::shared_ptr<ZookeeperHandle> h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    h = std::move(handle_);
  }
  h.reset();  // outside the lock: the client's threads finish their callbacks first
}

bool ZookeeperSessionKeeper::AllServersRefuse(Clock::time_point deadline) const {
  std::vector<int> pending;
  bool reachable = false;
  for (const auto& item : SplitConnectString(hosts_)) {
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

}  // namespace dubbo::registry::internal
