// Test support for metrics and QoS: org.apache.dubbo.demo.GateService, whose calls end exactly
// when and how a test says — an echo, a business exception, a call a test-registered provider
// filter rejects, and calls held until the test releases them (to observe in-flight gauges and
// to make consumer timeouts) — plus a synchronous/asynchronous caller through any invoker.
#pragma once

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "codec/java_types.h"
#include "rpc/invoker.h"
#include "rpc/service.h"

namespace dubbo::testing {

inline constexpr std::string_view kGateInterface = "org.apache.dubbo.demo.GateService";

class GateService : public rpc::ServiceBase {
 public:
  Result<std::string> Echo(std::string s) { return s; }
  Status Boom(std::string message) {
    auto e = std::make_shared<JavaException>("java.lang.IllegalStateException", message);
    return Status(StatusCode::kBizException, e->ToString()).WithException(e);
  }
  // Only ever answered when a provider filter lets it through.
  Result<std::string> Limited(std::string s) { return s; }
  // Answered by Release().
  void Hold(std::string tag, rpc::Responder<std::string> reply) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_.push_back(std::make_shared<rpc::Responder<std::string>>(std::move(reply)));
      tags_.push_back(std::move(tag));
    }
    cv_.notify_all();
  }

  bool WaitHeld(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_.size() >= n; });
  }
  // Answers every held call with its tag.
  void Release() {
    std::vector<std::shared_ptr<rpc::Responder<std::string>>> held;
    std::vector<std::string> tags;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
      tags.swap(tags_);
    }
    for (size_t i = 0; i < held.size(); ++i) held[i]->Reply(tags[i]);
  }

  static std::shared_ptr<const rpc::ServiceDefinition> Definition() {
    auto def = std::make_shared<rpc::ServiceDefinition>(std::string(kGateInterface));
    const std::string str = "Ljava/lang/String;";
    def->Add(rpc::Method("echo", str, {"java.lang.String"}, &GateService::Echo))
        .Add(rpc::Method("boom", str, {"java.lang.String"}, &GateService::Boom))
        .Add(rpc::Method("limited", str, {"java.lang.String"}, &GateService::Limited))
        .Add(rpc::AsyncMethod("hold", str, {"java.lang.String"}, &GateService::Hold));
    return def;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<rpc::Responder<std::string>>> held_;
  std::vector<std::string> tags_;
};

// A call of GateService.<method>(arg) through `invoker`; the future gets the raw result.
inline std::future<rpc::RpcResult> CallGateAsync(
    rpc::Invoker& invoker, const std::string& method, const std::string& arg,
    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto inv = std::make_shared<rpc::Invocation>();
  inv->interface = std::string(kGateInterface);
  inv->method = method;
  inv->descriptor = "Ljava/lang/String;";
  inv->arguments = rpc::MakeArguments([arg](ObjectOutput& out) { out.WriteString(arg); });
  inv->settings = rpc::ReferenceSettings(invoker.url()).For(method);
  inv->settings.timeout = timeout;
  auto promise = std::make_shared<std::promise<rpc::RpcResult>>();
  auto future = promise->get_future();
  invoker.Invoke(inv, [promise](rpc::RpcResult r) { promise->set_value(std::move(r)); });
  return future;
}

inline rpc::RpcResult CallGate(rpc::Invoker& invoker, const std::string& method,
                               const std::string& arg,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  return CallGateAsync(invoker, method, arg, timeout).get();
}

}  // namespace dubbo::testing
