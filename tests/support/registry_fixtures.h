// Registry test support: the backends the semantic suite in registry_test.cc runs against (one
// value-parameterised instantiation per backend), and a child process that registers a URL, for
// discovery across processes and crash tests. A new registry (ZooKeeper) joins the suite by
// adding its backend to RegistryBackends().
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dubbo::testing {

// One per test: a registry address isolated from every other test (own directory or root).
class RegistryBackend {
 public:
  virtual ~RegistryBackend() = default;
  virtual std::string url() const = 0;
  // Puts an entry no registry can parse among `interface`'s providers; false if unsupported.
  virtual bool WriteCorruptProvider(const std::string& interface) = 0;
};

struct RegistryBackendParam {
  std::string name;  // the gtest parameter name
  std::function<std::unique_ptr<RegistryBackend>()> make;
  std::chrono::milliseconds unregister_deadline;  // Unregister/Close reaches subscribers within
  std::chrono::milliseconds crash_deadline;       // a SIGKILLed owner's entries vanish within
};

std::vector<RegistryBackendParam> RegistryBackends();

// The gtest name of the hidden test that runs the child's side (registry_test.cc defines it).
inline constexpr char kRegisteringChildTest[] = "RegistryChildProcess.DISABLED_RegisterAndWait";

// This test binary re-run as a child process that opens `registry_url`, registers `url`, reports
// ready, then waits for SIGTERM (graceful: Close, exit 0) — or is killed. Not thread-safe.
class RegisteringChild {
 public:
  // Starts the child and waits until it has registered; null with `error` set otherwise.
  static std::unique_ptr<RegisteringChild> Start(const std::string& registry_url,
                                                 const std::string& url,
                                                 std::chrono::milliseconds timeout,
                                                 std::string* error);
  ~RegisteringChild();  // SIGKILL and reap when still running
  RegisteringChild(const RegisteringChild&) = delete;
  RegisteringChild& operator=(const RegisteringChild&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Reaps the child: its exit code, 128 + signal when killed, -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);

 private:
  explicit RegisteringChild(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool reaped_ = false;
};

// The child's side, run by the hidden test: does nothing and returns false unless this process
// was started by RegisteringChild::Start; otherwise never returns.
bool RunRegisteringChildIfAsked();

}  // namespace dubbo::testing
