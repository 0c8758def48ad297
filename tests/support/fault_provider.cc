// fault-provider: serves org.apache.dubbo.cpp.fault.FaultService for tests/strategy_test.cc.
//   fault-provider --name NAME --record FILE [--port N] [--mode ok|error|busy|slow:MS]
// Prints "port <n>" and then "ready" once serving on 127.0.0.1; stops on SIGTERM/SIGINT. Every
// execution is appended to FILE (one write(2) on an O_APPEND descriptor) before the answer is
// sent, so the record survives SIGKILL.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <asio/steady_timer.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>

#include "app/application.h"
#include "fault_provider.dubbo.h"
#include "rpc/io_threads.h"

namespace fault = org::apache::dubbo::cpp::fault;

namespace {

struct Mode {
  enum Kind { kOk, kError, kBusy } kind = kOk;
  int32_t extra_delay_ms = 0;
};

bool ParseMode(const std::string& text, Mode* mode) {
  if (text == "ok")
    *mode = {Mode::kOk, 0};
  else if (text == "error")
    *mode = {Mode::kError, 0};
  else if (text == "busy")
    *mode = {Mode::kBusy, 0};
  else if (text.rfind("slow:", 0) == 0)
    *mode = {Mode::kOk, std::atoi(text.c_str() + 5)};
  else
    return false;
  return true;
}

class FaultServiceImpl final : public fault::FaultServiceBase {
 public:
  FaultServiceImpl(std::string name, int record_fd, Mode mode)
      : name_(std::move(name)), fd_(record_fd), mode_(mode) {}

  void Write(std::string id, int32_t delay_ms, dubbo::rpc::Responder<std::string> reply) override {
    Run("write", id, delay_ms, std::move(reply));
  }
  void Read(std::string id, int32_t delay_ms, dubbo::rpc::Responder<std::string> reply) override {
    Run("read", id, delay_ms, std::move(reply));
  }
  void Probe(std::string id, int32_t delay_ms, dubbo::rpc::Responder<std::string> reply) override {
    Run("probe", id, delay_ms, std::move(reply));
  }

  dubbo::Result<std::string> Fail(std::string id) override {
    Record("run fail " + id);
    fault::Boom boom;
    boom.id = id;
    boom.message = "boom " + id + " at " + name_;
    return boom.ToStatus();
  }

  dubbo::Status SetMode(std::string text) override {
    Mode mode;
    if (!ParseMode(text, &mode))
      return dubbo::Status(dubbo::StatusCode::kInvalidArgument, "unknown mode " + text);
    std::lock_guard<std::mutex> lock(mu_);
    mode_ = mode;
    return dubbo::Status::Ok();
  }

 private:
  Mode mode() {
    std::lock_guard<std::mutex> lock(mu_);
    return mode_;
  }

  // One write(2) per line: O_APPEND keeps lines whole, and the kernel keeps them if we are killed.
  void Record(const std::string& what) {
    const std::string line = what + " " + name_ + "\n";
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::abort();
  }

  void Run(const char* method, const std::string& id, int32_t delay_ms,
           dubbo::rpc::Responder<std::string> reply) {
    const Mode m = mode();
    if (m.kind == Mode::kBusy) {
      Record(std::string("rejected ") + method + " " + id);
      reply.Fail(dubbo::Status(dubbo::StatusCode::kThreadPoolExhausted,
                               name_ + " is busy; " + id + " was not run"));
      return;
    }
    Record(std::string("run ") + method + " " + id);
    auto responder = std::make_shared<dubbo::rpc::Responder<std::string>>(std::move(reply));
    auto answer = [responder, kind = m.kind, name = name_, id] {
      if (kind == Mode::kError) {
        responder->Fail(dubbo::Status(dubbo::StatusCode::kServerError,
                                      name + " failed " + id + " after running it"));
      } else {
        responder->Reply(name);
      }
    };
    const int32_t delay = delay_ms + m.extra_delay_ms;
    if (delay <= 0) return answer();
    auto timer =
        std::make_shared<asio::steady_timer>(timers_.Next(), std::chrono::milliseconds(delay));
    timer->async_wait([timer, answer](const std::error_code&) { answer(); });
  }

  const std::string name_;
  const int fd_;
  std::mutex mu_;
  Mode mode_;
  dubbo::rpc::IoThreads timers_{1, "fault-timers"};
};

[[noreturn]] void Usage(const std::string& why) {
  std::cerr << "fault-provider: " << why
            << "\nusage: fault-provider --name NAME --record FILE [--port N] [--mode "
               "ok|error|busy|slow:MS]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string name;
  std::string record;
  std::string port = "0";
  Mode mode;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage("missing value for " + flag);
    const std::string value = argv[++i];
    if (flag == "--name")
      name = value;
    else if (flag == "--record")
      record = value;
    else if (flag == "--port")
      port = value;
    else if (flag == "--mode") {
      if (!ParseMode(value, &mode)) Usage("unknown mode " + value);
    } else {
      Usage("unknown flag " + flag);
    }
  }
  if (name.empty() || record.empty()) Usage("--name and --record are required");
  const int fd = ::open(record.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) Usage("cannot open " + record);

  dubbo::ApplicationConfig config;
  config.name = "fault-provider-" + name;
  config.protocol = {{"host", "127.0.0.1"}, {"port", port}};
  auto app = dubbo::Application::Create(config);
  if (!app.ok()) {
    std::cerr << "fault-provider: " << app.status() << "\n";
    return 1;
  }
  if (auto s = (*app)->Export(std::make_shared<FaultServiceImpl>(name, fd, mode)); !s.ok()) {
    std::cerr << "fault-provider: " << s << "\n";
    return 1;
  }
  if (auto s = (*app)->Start(); !s.ok()) {
    std::cerr << "fault-provider: " << s << "\n";
    return 1;
  }
  std::cout << "port " << (*app)->port() << std::endl;
  std::cout << "ready" << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  (*app)->Stop();
  return 0;
}
