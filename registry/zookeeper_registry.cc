#include "registry/zookeeper_registry.h"

#include <pwd.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <utility>
#include <vector>

#include "common/log.h"
#include "registry/internal.h"
#include "registry/registry_backend.h"
#include "registry/registry_engine.h"
#include "registry/zookeeper_session.h"

namespace dubbo::registry {

namespace {

using internal::Matched;
using internal::Query;
using internal::ZookeeperHandle;
using internal::ZookeeperSessionKeeper;
using std::chrono::milliseconds;

constexpr int64_t kDefaultSessionMs = 60'000;
constexpr int64_t kDefaultTimeoutMs = 5'000;
constexpr int64_t kDefaultRetryPeriodMs = 5'000;
constexpr int64_t kDefaultNotifyDelayMs = 100;
constexpr uint16_t kDefaultPort = 2181;

std::string Hex(int64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Errors that say "no usable session right now" (kUnavailable: the engine retries them once
// connected again), as opposed to errors the server answered (NoAuth, bad ACL ...).
bool IsConnectionError(int rc) {
  return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZSESSIONEXPIRED ||
         rc == ZINVALIDSTATE || rc == ZCLOSING || rc == ZSESSIONMOVED ||
         rc == ZSESSIONCLOSEDREQUIRESASLAUTH || rc == ZTHROTTLEDOP;
}

Status ZkStatus(int rc) {
  StatusCode code = StatusCode::kIoError;
  if (IsConnectionError(rc)) {
    code = StatusCode::kUnavailable;
  } else if (rc == ZNOAUTH || rc == ZAUTHFAILED) {
    code = StatusCode::kForbidden;
  } else if (rc == ZBADARGUMENTS || rc == ZINVALIDACL) {
    code = StatusCode::kInvalidArgument;
  }
  return Status(code, "ZooKeeper error " + std::to_string(rc) + " (" + zerror(rc) + ")");
}

Status ZkStatus(int rc, const std::string& what) { return ZkStatus(rc).WithContext(what); }

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

// children: true = children, false = exists (numChildren).
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
  std::string auth;   // "user:password" for digest, empty = none
  milliseconds session{kDefaultSessionMs};
  BackendTraits traits;
};

// Dubbo's interface-level layout on ZooKeeper nodes: answers the engine's questions with the C
// client, on the session ZookeeperSessionKeeper keeps.
class ZookeeperBackend final : public RegistryBackend {
 public:
  explicit ZookeeperBackend(Options opts)
      : opts_(std::move(opts)),
        session_(opts_.hosts, opts_.auth, opts_.session, opts_.traits.retry_period,
                 opts_.traits.log_prefix) {}

  const BackendTraits& traits() const override { return opts_.traits; }
  void Start(BackendEvents* events) override { session_.Start(events); }

  Result<std::string> EntryPath(const Url& url) const override;
  Result<Written> Write(const std::string& path, const Url& url, bool ephemeral) override;
  Status Delete(const std::string& path, const Url& url) override;
  void RemoveOwn(const std::string& path, const Written& written) override;
  Result<Read> ReadPath(const std::string& path, PathKind kind, bool create) override;
  Result<std::vector<Url>> Lookup(const Query& query) override;
  Result<std::vector<std::string>> ListServices() override;

  std::optional<Clock::time_point> Service() override { return session_.Service(); }
  bool Unreachable(Clock::time_point deadline) override {
    return session_.AllServersRefuse(deadline);
  }
  std::optional<RegistrySession> Session() const override { return session_.Session(); }
  void Close() override { session_.Close(); }

 private:
  const std::string& root() const { return opts_.traits.root; }
  std::string ServicePath(const std::string& encoded_interface) const {
    return (root() == "/" ? "/" : root() + "/") + encoded_interface;
  }
  // Nodes are created with the creator-only ACL when authenticating, as Dubbo does with Curator.
  struct ACL_vector* Acl() const {
    return opts_.auth.empty() ? &ZOO_OPEN_ACL_UNSAFE : &ZOO_CREATOR_ALL_ACL;
  }
  int EnsurePath(zhandle_t* zh, const std::string& path);
  int CreateNode(zhandle_t* zh, const std::string& path, bool ephemeral, int64_t* session);

  const Options opts_;
  ZookeeperSessionKeeper session_;
};

Result<std::string> ZookeeperBackend::EntryPath(const Url& url) const {
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

int ZookeeperBackend::EnsurePath(zhandle_t* zh, const std::string& path) {
  if (path == "/" || path.empty()) return ZOK;
  int rc = zoo_create(zh, path.c_str(), nullptr, -1, Acl(), ZOO_PERSISTENT, nullptr, 0);
  if (rc == ZNONODE) {
    rc = EnsurePath(zh, ParentOf(path));
    if (rc != ZOK) return rc;
    rc = zoo_create(zh, path.c_str(), nullptr, -1, Acl(), ZOO_PERSISTENT, nullptr, 0);
  }
  return rc == ZNODEEXISTS ? ZOK : rc;
}

int ZookeeperBackend::CreateNode(zhandle_t* zh, const std::string& path, bool ephemeral,
                                 int64_t* session) {
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
      LogInfo() << opts_.traits.log_prefix << "deleted the node of "
                << (st.ephemeralOwner != 0 ? "stale session " + Hex(st.ephemeralOwner)
                                           : std::string("no session"))
                << " to re-create it: " << path;
    }
    rc = ZNODEEXISTS;  // try again
  }
  if (rc == ZOK) *session = me;
  return rc;
}

Result<RegistryBackend::Written> ZookeeperBackend::Write(const std::string& path, const Url&,
                                                         bool ephemeral) {
  const auto h = session_.handle();
  if (!h) return ZkStatus(ZCONNECTIONLOSS);
  int64_t session = 0;
  const int rc = CreateNode(h->zh, path, ephemeral, &session);
  if (rc != ZOK) return ZkStatus(rc);
  return Written{session, ""};
}

Status ZookeeperBackend::Delete(const std::string& path, const Url&) {
  const auto h = session_.handle();
  if (!h) return ZkStatus(ZCONNECTIONLOSS);
  const int rc = zoo_delete(h->zh, path.c_str(), -1);
  if (rc == ZOK || rc == ZNONODE) return Status::Ok();
  return ZkStatus(rc);
}

void ZookeeperBackend::RemoveOwn(const std::string& path, const Written&) {
  // Only a node of this session: another process may own the same URL.
  const auto h = session_.handle();
  if (!h) return;
  const clientid_t* id = zoo_client_id(h->zh);
  const int64_t me = id != nullptr ? id->client_id : 0;
  struct Stat st {};
  if (zoo_exists(h->zh, path.c_str(), 0, &st) != ZOK || st.ephemeralOwner != me) return;
  const int rc = zoo_delete(h->zh, path.c_str(), st.version);
  if (rc != ZOK && rc != ZNONODE) {
    LogWarning() << opts_.traits.log_prefix << "cannot remove " << path
                 << " on close: " << zerror(rc);
  }
}

Result<RegistryBackend::Read> ZookeeperBackend::ReadPath(const std::string& path, PathKind kind,
                                                         bool create) {
  const auto h = session_.handle();
  if (!h) return ZkStatus(ZCONNECTIONLOSS);
  std::vector<std::string> names;
  int rc = ZOK;
  for (int attempt = 0; attempt < 4; ++attempt) {
    // Reads the children and re-arms the watch in one call (watches are one-shot).
    struct String_vector v {};
    rc = zoo_wget_children(h->zh, path.c_str(), ZookeeperSessionKeeper::PathWatcher, h.get(), &v);
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
    rc = zoo_wexists(h->zh, path.c_str(), ZookeeperSessionKeeper::PathWatcher, h.get(), &st);
    if (rc == ZNONODE) {
      names.clear();
      rc = ZOK;
      break;
    }
    if (rc != ZOK) break;
    // Created meanwhile: read it.
  }
  if (rc != ZOK) return ZkStatus(rc);
  Read read;
  if (kind == PathKind::kRoot) {
    read.names = std::move(names);
    return read;
  }
  for (const auto& name : names) {
    auto url = internal::ParseNodeName(name);
    if (url.ok()) {
      read.urls.push_back(std::move(*url));
    } else {
      read.bad.emplace_back(name, url.status().message());
    }
  }
  return read;
}

Result<std::vector<Url>> ZookeeperBackend::Lookup(const Query& q) {
  const auto h = session_.handle();
  if (!h) return Status(StatusCode::kUnavailable, opts_.traits.log_prefix + "not connected");
  std::vector<std::pair<size_t, std::string>> paths;  // (category index, path)
  if (q.interface == "*") {
    Batch root_batch;
    RunBatch(h->zh, {root()}, true, &root_batch);
    if (root_batch.rcs[0] != ZOK && root_batch.rcs[0] != ZNONODE)
      return ZkStatus(root_batch.rcs[0], "reading " + root());
    for (const auto& name : root_batch.children[0]) {
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
  RunBatch(h->zh, just_paths, true, &batch);
  std::vector<Matched> matched;
  for (size_t i = 0; i < paths.size(); ++i) {
    const int rc = batch.rcs[i];
    if (rc == ZNONODE) continue;
    if (rc != ZOK) return ZkStatus(rc, "reading " + paths[i].second);
    for (const auto& name : batch.children[i]) {
      auto url = internal::ParseNodeName(name);
      if (!url.ok() || !IsMatch(q.consumer, *url)) continue;
      std::string key = url->ToFullString();
      matched.push_back({paths[i].first, std::move(key), std::move(*url)});
    }
  }
  internal::SortMatched(&matched);
  std::vector<Url> urls;
  for (auto& m : matched) urls.push_back(std::move(m.url));
  return urls;
}

Result<std::vector<std::string>> ZookeeperBackend::ListServices() {
  const auto h = session_.handle();
  if (!h) return Status(StatusCode::kUnavailable, opts_.traits.log_prefix + "not connected");
  Batch root_batch;
  RunBatch(h->zh, {root()}, true, &root_batch);
  if (root_batch.rcs[0] == ZNONODE) return std::vector<std::string>();
  if (root_batch.rcs[0] != ZOK) return ZkStatus(root_batch.rcs[0], "reading " + root());
  std::vector<std::string> names;
  for (const auto& n : root_batch.children[0])
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
      LogWarning() << opts_.traits.log_prefix << "skipping node " << service_paths[i] << ": "
                   << decoded.status().message();
      continue;
    }
    services.push_back(std::move(*decoded));
  }
  std::sort(services.begin(), services.end());
  return services;
}

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
  for (auto& item : internal::SplitConnectString(main)) add(std::move(item));
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
  std::string address = internal::SplitConnectString(*hosts).front();
  std::replace(address.begin(), address.end(), ':', '-');
  const std::string application = url.Get("application");
  return home + "/.dubbo/dubbo-registry-" + (application.empty() ? "" : application + "-") +
         address + ".cache";
}

std::optional<ZookeeperSession> ZookeeperRegistrySession(const Registry& registry) {
  return registry.Session();
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
  if (!url.username().empty()) opts.auth = url.username() + ":" + url.password();

  // `session` (3.x); 2.7.x called it zk.session.expire.
  auto session_default = url.GetInt("zk.session.expire", kDefaultSessionMs);
  if (!session_default.ok()) return fail(session_default.status());
  auto session = DurationParam(url, "session", *session_default, 1, 24 * 3600 * 1000);
  if (!session.ok()) return fail(session.status());
  opts.session = *session;
  auto timeout = DurationParam(url, "timeout", kDefaultTimeoutMs, 0, 3600 * 1000);
  if (!timeout.ok()) return fail(timeout.status());
  auto retry = DurationParam(url, "retry.period", kDefaultRetryPeriodMs, 1, 3600 * 1000);
  if (!retry.ok()) return fail(retry.status());
  auto delay = DurationParam(url, "notify.delay", kDefaultNotifyDelayMs, 0, 60'000);
  if (!delay.ok()) return fail(delay.status());

  BackendTraits& t = opts.traits;
  t.kind = "zookeeper registry";
  t.log_prefix = "zookeeper registry " + opts.hosts + ": ";
  t.root = root;
  t.name_what = "a ZooKeeper node";
  t.category_what = "a node";
  t.is_name = IsNodeName;
  t.notify_delay = *delay;
  t.retry_period = *retry;
  t.sessions = true;
  t.first_session_grace = *timeout;
  t.retry_removals = true;
  t.cache_path = ZookeeperCacheFilePath(url);
  return OpenRegistryEngine(url, std::make_unique<ZookeeperBackend>(std::move(opts)));
}

}  // namespace dubbo::registry
