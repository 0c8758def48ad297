#include "tests/support/registry_fixtures.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/url.h"
#include "registry/registry.h"
#include "tests/support/process.h"
#include "tests/support/zookeeper_server.h"

extern char** environ;

namespace dubbo::testing {

namespace {

constexpr char kRegistryEnv[] = "DUBBO_TEST_CHILD_REGISTRY";
constexpr char kUrlEnv[] = "DUBBO_TEST_CHILD_URL";
constexpr char kReadyFdEnv[] = "DUBBO_TEST_CHILD_READY_FD";
constexpr int kReadyFd = 3;

class FileBackend final : public RegistryBackend {
 public:
  std::string url() const override { return "file://" + dir_.path(); }
  bool WriteCorruptProvider(const std::string& interface) override {
    const std::string dir = dir_.path() + "/dubbo/" + UrlEncode(interface) + "/providers";
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/corrupt-entry") << "this is not a URL\nowner pid=x\n";
    return true;
  }

 private:
  TempDir dir_;
};

// The shared ZooKeeper server (tests/support/zookeeper_server.h), a root node of its own per
// test, short sessions (a killed owner's nodes go within ~2.5 s) and a cache file in a
// directory of its own. A server that cannot start fails the test (a fatal failure in SetUp,
// so the body does not run): the package is a test dependency, not an option.
class ZooKeeperBackend final : public RegistryBackend {
 public:
  ZooKeeperBackend() {
    static std::atomic<int> counter{0};
    root_ = "dubbo-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    std::string error;
    server_ = ZooKeeperServer::Shared(&error);
    if (server_ == nullptr) [&] { FAIL() << "no ZooKeeper server: " << error; }();
  }
  std::string url() const override {
    const std::string address = server_ != nullptr ? server_->address() : "127.0.0.1:1";
    return "zookeeper://" + address + "?application=registry-test&group=" + root_ +
           "&session=2000&retry.period=500&file=" + dir_.File("registry.cache");
  }
  bool WriteCorruptProvider(const std::string& interface) override {
    if (server_ == nullptr) return false;
    std::string error;
    auto client = ZkTestClient::Connect(server_->address(), &error);
    if (client == nullptr) {
      ADD_FAILURE() << error;
      return false;
    }
    const std::string providers = "/" + root_ + "/" + UrlEncode(interface) + "/providers";
    return client->Create(providers + "/this+is+not+a+URL") == ZOK &&
           client->Create(providers + "/bad%ZZescape") == ZOK;
  }

 private:
  ZooKeeperServer* server_ = nullptr;
  std::string root_;
  TempDir dir_;
};

}  // namespace

std::vector<RegistryBackendParam> RegistryBackends() {
  return {
      {"File", [] { return std::make_unique<FileBackend>(); }, std::chrono::milliseconds(200),
       std::chrono::milliseconds(2000)},
      // Unregister: a watch event, notify.delay (100 ms) and a read. A killed owner: its session
      // (2 s) expires on the server's next tick (200 ms), then the same.
      {"ZooKeeper", [] { return std::make_unique<ZooKeeperBackend>(); },
       std::chrono::milliseconds(2000), std::chrono::milliseconds(10000)},
  };
}

std::unique_ptr<RegisteringChild> RegisteringChild::Start(const std::string& registry_url,
                                                          const std::string& url,
                                                          std::chrono::milliseconds timeout,
                                                          std::string* error) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    *error = "pipe2 failed";
    return nullptr;
  }
  // Everything the child needs is built before fork(): only async-signal-safe calls after it.
  const std::string exe = "/proc/self/exe";
  const std::string filter = std::string("--gtest_filter=") + kRegisteringChildTest;
  std::vector<std::string> args = {exe, filter, "--gtest_also_run_disabled_tests"};
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.push_back(std::string(kRegistryEnv) + "=" + registry_url);
  env.push_back(std::string(kUrlEnv) + "=" + url);
  env.push_back(std::string(kReadyFdEnv) + "=" + std::to_string(kReadyFd));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = "fork failed";
    ::close(fds[0]);
    ::close(fds[1]);
    return nullptr;
  }
  if (pid == 0) {
    if (fds[1] == kReadyFd) {
      ::fcntl(kReadyFd, F_SETFD, 0);
    } else {
      ::dup2(fds[1], kReadyFd);
    }
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);  // keep gtest's banner out of our output
    ::execve(exe.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::unique_ptr<RegisteringChild> child(new RegisteringChild(pid));
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    struct pollfd p = {fds[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      *error = "child did not report within " + std::to_string(timeout.count()) + " ms";
      break;
    }
    char buf[512];
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) {
      *error = "child exited before registering: " + reply;
      break;
    }
    reply.append(buf, static_cast<size_t>(n));
    if (reply == "R") break;
    if (reply.front() != 'R' && reply.back() == '\n') {
      *error = "child failed: " + reply;
      break;
    }
  }
  ::close(fds[0]);
  if (reply != "R") return nullptr;
  return child;
}

RegisteringChild::~RegisteringChild() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  int status;
  ::waitpid(pid_, &status, 0);
}

void RegisteringChild::Signal(int sig) { ::kill(pid_, sig); }

int RegisteringChild::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool RunRegisteringChildIfAsked() {
  const char* registry_url = std::getenv(kRegistryEnv);
  const char* url = std::getenv(kUrlEnv);
  const char* fd_text = std::getenv(kReadyFdEnv);
  if (registry_url == nullptr || url == nullptr || fd_text == nullptr) return false;
  const int fd = std::atoi(fd_text);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
  // SIGTERM is taken with sigwait: blocked before the registry's thread exists, so that thread
  // inherits the mask and the signal cannot kill the process before Close.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto fail = [fd](const std::string& what) {
    (void)WriteFully(fd, "E " + what + "\n");
    ::_exit(2);
  };
  auto registry = registry::OpenRegistry(registry_url);
  if (!registry.ok()) fail(registry.status().ToString());
  auto parsed = Url::Parse(url);
  if (!parsed.ok()) fail(parsed.status().ToString());
  if (Status s = (*registry)->Register(*parsed); !s.ok()) fail(s.ToString());
  (void)WriteFully(fd, "R");
  ::close(fd);
  int sig = 0;
  sigwait(&set, &sig);
  (*registry)->Close();
  ::_exit(0);  // skip gtest's teardown: the parent only looks at the exit code
}

}  // namespace dubbo::testing
