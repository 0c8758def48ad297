// Test support for the RPC layer: a demo service, a raw Dubbo peer over a blocking socket (to send
// hand-made frames and read exactly what comes back), and waiting helpers that await events.
#pragma once

#include <asio/ip/tcp.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "codec/hessian2/writer.h"
#include "rpc/client.h"
#include "rpc/frame.h"
#include "rpc/invoker.h"
#include "rpc/io_threads.h"
#include "rpc/result.h"
#include "rpc/server.h"
#include "rpc/service.h"

namespace dubbo::testing {

inline constexpr std::string_view kDemoInterface = "org.apache.dubbo.demo.DemoService";

// org.apache.dubbo.demo.DemoService with methods covering the protocol's cases.
class DemoService : public rpc::ServiceBase {
 public:
  explicit DemoService(rpc::IoThreads* timers) : timers_(timers) {}

  Result<std::string> SayHello(std::string name) { return "Hello " + name; }
  // Answers after `ms` milliseconds without holding a thread (a timer completes the call).
  void Sleep(int32_t ms, rpc::Responder<int32_t> reply);
  Status Fail(std::string message);  // a business exception
  Result<std::string> Big(int32_t bytes) { return std::string(static_cast<size_t>(bytes), 'x'); }
  Status Record(std::string note);  // for one-way calls
  Result<std::optional<std::string>> Nothing() { return std::optional<std::string>(); }
  // Holds the calling thread for `ms` (a blocking handler on a worker pool).
  Result<int32_t> Block(int32_t ms);
  bool WaitBlocked(std::chrono::milliseconds timeout);

  std::vector<std::string> recorded();
  // Waits until `n` notes were recorded or `timeout` passed.
  bool WaitRecorded(size_t n, std::chrono::milliseconds timeout);

  static std::shared_ptr<const rpc::ServiceDefinition> Definition();

 private:
  rpc::IoThreads* timers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> recorded_;
  bool blocked_ = false;
};

// Calls through a Channel and waits for the decoded result.
template <typename T>
Result<T> CallSync(rpc::Channel& ch, const rpc::Invocation& inv,
                   std::chrono::milliseconds wait = std::chrono::seconds(10)) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  ch.Call(inv, *SerializationRegistry::Global().Find(2),
          [&p](rpc::RpcResult r) { p.set_value(rpc::DecodeResult<T>(r)); });
  if (f.wait_for(wait) != std::future_status::ready) {
    return Status(StatusCode::kInternal, "test gave up waiting for the callback");
  }
  return f.get();
}

// An invocation of the demo service with arguments written by `args`.
rpc::Invocation DemoCall(std::string method, std::string descriptor,
                         std::function<void(ObjectOutput&)> args,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

// DemoService.sayHello(name) through `invoker`, waiting for the answer.
Result<std::string> SayHello(rpc::Invoker& invoker, const std::string& name);

// A frame as a raw peer reads it.
struct RawFrame {
  rpc::FrameHeader header;
  std::string body;
};

// A blocking socket speaking frames by hand.
class RawPeer {
 public:
  RawPeer();  // unconnected
  Status Connect(uint16_t port);
  Status Accept(asio::ip::tcp::acceptor& acceptor);
  void Send(std::string_view bytes);
  // Reads one frame; nullopt on EOF, error or timeout.
  std::optional<RawFrame> Read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the peer closed the connection within `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout);
  asio::ip::tcp::socket& socket() { return socket_; }

 private:
  bool ReadExactly(char* out, size_t n, std::chrono::milliseconds timeout);
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
};

// Hessian bytes of `values` written by `write` through one Writer.
std::string HessianBody(const std::function<void(hessian2::Writer&)>& write);
// A whole request frame from a Hessian body.
std::string RequestFrame(int64_t id, std::string_view body, uint8_t flags = 0xc2);
// A request body for DemoService.<method>: the prelude, the arguments `args` writes, and the
// `path` attachment.
std::string DemoRequestBody(std::string_view method, std::string_view descriptor,
                            const std::function<void(hessian2::Writer&)>& args,
                            std::string_view dubbo_version = "2.0.2");
// The standard request body for DemoService.sayHello(name), dubbo version `version`.
std::string SayHelloBody(std::string_view name, std::string_view dubbo_version = "2.0.2");

}  // namespace dubbo::testing
