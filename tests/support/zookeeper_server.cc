#include "tests/support/zookeeper_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace dubbo::testing {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Debian's server jar; DUBBO_TEST_ZOOKEEPER_JAR names another (its manifest must list the
// dependencies, as Debian's does).
constexpr char kZooKeeperJar[] = "/usr/share/java/zookeeper.jar";
constexpr char kZooKeeperJarEnv[] = "DUBBO_TEST_ZOOKEEPER_JAR";
// slf4j binding for the server's log (optional; without one it logs nothing).
constexpr char kSlf4jSimpleJar[] = "/usr/share/java/slf4j-simple.jar";
constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(10);

}  // namespace

uint16_t FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  struct sockaddr_in addr {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<struct sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

namespace {

// Sends a four-letter word and returns the answer ("" when nothing answers).
std::string FourLetterWord(uint16_t port, const char* word) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  struct sockaddr_in addr {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  std::string answer;
  if (::connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, word, 4, MSG_NOSIGNAL) == 4) {
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    while (Clock::now() < deadline) {
      struct pollfd p = {fd, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[1024];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      answer.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

std::string JavaBinary() {
  if (const char* home = std::getenv("JAVA_HOME"); home != nullptr && home[0] != '\0') {
    const std::string java = std::string(home) + "/bin/java";
    if (::access(java.c_str(), X_OK) == 0) return java;
  }
  return "/usr/bin/java";
}

}  // namespace

ZooKeeperServer::ZooKeeperServer() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "dubbo-zk-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  log_path_ = dir_ + "/server.log";
  port_ = FreeLoopbackPort();
}

ZooKeeperServer::~ZooKeeperServer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string ZooKeeperServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

std::string ZooKeeperServer::LogTail(size_t lines) const {
  std::ifstream in(log_path_);
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += all[i] + "\n";
  return out;
}

bool ZooKeeperServer::Start(std::string* error) {
  if (running()) return true;
  if (dir_.empty() || port_ == 0) {
    *error = "cannot create a temporary directory or find a free port for the ZooKeeper server";
    return false;
  }
  const char* jar_env = std::getenv(kZooKeeperJarEnv);
  const std::string jar = jar_env != nullptr && jar_env[0] != '\0' ? jar_env : kZooKeeperJar;
  if (::access(jar.c_str(), R_OK) != 0) {
    *error =
        jar +
        " not found: the ZooKeeper registry tests need a real server; install the Debian package "
        "\"zookeeper\" (scripts/setup does)";
    return false;
  }
  const std::string java = JavaBinary();
  if (::access(java.c_str(), X_OK) != 0) {
    *error =
        java + " not found: the ZooKeeper server needs a Java runtime (scripts/setup installs one)";
    return false;
  }
  const std::string config = dir_ + "/zoo.cfg";
  {
    std::ofstream cfg(config);
    cfg << "tickTime=" << kTickMs << "\n"
        << "dataDir=" << dir_ << "/data\n"
        << "clientPort=" << port_ << "\n"
        << "clientPortAddress=127.0.0.1\n"
        << "admin.enableServer=false\n"
        << "4lw.commands.whitelist=ruok,srvr,stat,cons\n"
        << "minSessionTimeout=" << 2 * kTickMs << "\n"
        << "maxSessionTimeout=60000\n"
        << "maxClientCnxns=0\n";
    if (!cfg) {
      *error = "cannot write " + config;
      return false;
    }
  }
  std::string classpath = jar;  // its manifest's Class-Path names the dependencies
  if (::access(kSlf4jSimpleJar, R_OK) == 0) classpath += std::string(":") + kSlf4jSimpleJar;
  std::vector<std::string> args = {java,
                                   "-Xmx256m",
                                   "-XX:+UseSerialGC",
                                   "-XX:TieredStopAtLevel=1",
                                   "-Djava.awt.headless=true",
                                   "-Dzookeeper.admin.enableServer=false",
                                   "-Dzookeeper.forceSync=no",
                                   "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                                   "-cp",
                                   classpath,
                                   "org.apache.zookeeper.server.ZooKeeperServerMain",
                                   config};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = "fork failed";
    if (log_fd >= 0) ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return false;
  }
  if (pid == 0) {
    // Dies with the test binary, however that ends.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  pid_ = pid;
  const auto deadline = Clock::now() + kStartTimeout;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *error = "the ZooKeeper server exited at start (status " + std::to_string(status) +
               "); its log " + log_path_ + " ends with:\n" + LogTail();
      return false;
    }
    if (FourLetterWord(port_, "srvr").find("Mode:") != std::string::npos) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  *error = "the ZooKeeper server did not serve on " + address() + " within " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kStartTimeout).count()) +
           " s; its log ends with:\n" + LogTail();
  Stop();
  return false;
}

void ZooKeeperServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + kStopTimeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (Clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  pid_ = -1;
}

ZooKeeperServer* ZooKeeperServer::Shared(std::string* error) {
  static std::unique_ptr<ZooKeeperServer> server;
  static std::string failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    auto s = std::make_unique<ZooKeeperServer>();
    if (s->Start(&failure)) server = std::move(s);
  }
  if (!server) {
    *error = failure;
    return nullptr;
  }
  if (!server->running() && !server->Start(error)) return nullptr;  // a test left it stopped
  return server.get();
}

// ---------------------------------------------------------------------------------------------

void ZkTestClient::Watcher(zhandle_t*, int type, int state, const char*, void* ctx) {
  if (type != ZOO_SESSION_EVENT || ctx == nullptr) return;
  static_cast<ZkTestClient*>(ctx)->state_.store(state);
}

std::unique_ptr<ZkTestClient> ZkTestClient::Connect(const std::string& hosts, std::string* error,
                                                    const clientid_t* session,
                                                    std::chrono::milliseconds timeout,
                                                    int session_timeout_ms) {
  std::unique_ptr<ZkTestClient> client(new ZkTestClient);
  // The C client's own log (connection chatter) stays out of the test output.
  client->zh_ = zookeeper_init2(hosts.c_str(), Watcher, session_timeout_ms, session, client.get(),
                                0, [](const char*) {});
  if (client->zh_ == nullptr) {
    *error = "zookeeper_init failed for " + hosts;
    return nullptr;
  }
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const int s = client->state_.load();
    if (s == ZOO_CONNECTED_STATE) return client;
    if (s == ZOO_EXPIRED_SESSION_STATE || s == ZOO_AUTH_FAILED_STATE) {
      *error = "session refused by " + hosts + " (state " + std::to_string(s) + ")";
      return nullptr;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  *error = "no session with " + hosts + " within " + std::to_string(timeout.count()) + " ms";
  return nullptr;
}

ZkTestClient::~ZkTestClient() {
  if (zh_ != nullptr) zookeeper_close(zh_);
}

int64_t ZkTestClient::session_id() const {
  const clientid_t* id = zoo_client_id(zh_);
  return id != nullptr ? id->client_id : 0;
}

std::vector<std::string> ZkTestClient::Children(const std::string& path, int* rc) const {
  struct String_vector v {};
  const int r = zoo_get_children(zh_, path.c_str(), 0, &v);
  if (rc != nullptr) *rc = r;
  std::vector<std::string> out;
  if (r == ZOK) {
    for (int32_t i = 0; i < v.count; ++i) out.emplace_back(v.data[i]);
    deallocate_String_vector(&v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

int ZkTestClient::Create(const std::string& path, int mode, struct ACL_vector* acl) const {
  struct ACL_vector* use = acl != nullptr ? acl : &ZOO_OPEN_ACL_UNSAFE;
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    const std::string parent = path.substr(0, slash);
    const int rc =
        zoo_create(zh_, parent.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) return rc;
  }
  return zoo_create(zh_, path.c_str(), nullptr, -1, use, mode, nullptr, 0);
}

int ZkTestClient::AddAuth(const std::string& scheme, const std::string& credentials) const {
  struct Done {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    int rc = 0;
  } done;
  const int rc = zoo_add_auth(
      zh_, scheme.c_str(), credentials.data(), static_cast<int>(credentials.size()),
      [](int result, const void* data) {
        auto* d = static_cast<Done*>(const_cast<void*>(data));
        std::lock_guard<std::mutex> lock(d->mu);
        d->rc = result;
        d->done = true;
        d->cv.notify_all();
      },
      &done);
  if (rc != ZOK) return rc;
  std::unique_lock<std::mutex> lock(done.mu);
  if (!done.cv.wait_for(lock, std::chrono::seconds(10), [&] { return done.done; }))
    return ZOPERATIONTIMEOUT;
  return done.rc;
}

bool ZkTestClient::Exists(const std::string& path, struct Stat* stat) const {
  struct Stat st {};
  const int rc = zoo_exists(zh_, path.c_str(), 0, &st);
  if (stat != nullptr) *stat = st;
  return rc == ZOK;
}

Result<int64_t> ExpireRegistrySession(const std::string& hosts, const registry::Registry& registry,
                                      std::chrono::milliseconds wait) {
  const auto before = registry::ZookeeperRegistrySession(registry);
  if (!before) return Status(StatusCode::kUnavailable, "the registry has no ZooKeeper session");
  clientid_t id{};
  id.client_id = before->id;
  std::memcpy(id.passwd, before->password.data(), sizeof id.passwd);
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::string error;
    if (ZkTestClient::Connect(hosts, &error, &id) == nullptr) {
      return Status(StatusCode::kUnavailable, "attaching to the session: " + error);
    }  // the twin closes here, ending the session unless the registry took it back first
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto now = registry::ZookeeperRegistrySession(registry);
      if (now && now->id != before->id) return before->id;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return Status(StatusCode::kUnavailable,
                "session " + std::to_string(before->id) + " never expired");
}

}  // namespace dubbo::testing
