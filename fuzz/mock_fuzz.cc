// libFuzzer target for the `mock` parameter (cluster/filter/mock.h): MockFilter::Create parses
// `mock` and `<method>.mock` values (force:/fail:, return <value>, throw [class]) and encodes
// each answer once, as a provider's response body. The same URL goes through the cluster's other
// parameter parsers: per-method integer limits (IntMethodTable: actives, executes, tps, timeout)
// and the reference settings (ReferenceSettings: timeout, retries, idempotent) with the retry
// rules (Retries, MayResend, RetryBudget options).
// Input: the first line is the `mock` value, each further line a "<method>=<value>" pair set as
// <method>.mock; a line starting with "?" sets `serialization` (hessian2, msgpack ...), one
// starting with "&" a parameter "&<key>=<value>" as is (retries, sayHello.idempotent ...).
// Property: a created filter answers a failed call with a body that decodes (rpc/result.h), or
// with the mock's failure status.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cluster/filter/mock.h"
#include "cluster/strategy/retry_policy.h"
#include "common/log.h"
#include "rpc/result.h"

namespace {

// The next invoker of a fail-mock: every call fails as if no provider were reachable.
class FailingInvoker final : public dubbo::rpc::Invoker {
 public:
  explicit FailingInvoker(dubbo::Url url) : url_(std::move(url)) {}
  void Invoke(std::shared_ptr<const dubbo::rpc::Invocation>,
              dubbo::rpc::ResponseCallback done) override {
    dubbo::rpc::RpcResult r;
    r.status = dubbo::Status(dubbo::StatusCode::kUnavailable, "no provider");
    done(std::move(r));
  }
  const dubbo::Url& url() const override { return url_; }
  bool IsAvailable() const override { return false; }

 private:
  dubbo::Url url_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    dubbo::SetLogLevel(dubbo::LogLevel::kOff);  // the fail-mock warning on every call
    return true;
  }();
  (void)quiet;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  dubbo::Url url("consumer", "127.0.0.1", 0, "demo.DemoService");
  std::vector<std::string> methods;
  for (bool first = true; !rest.empty() || first; first = false) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (first) {
      url.Set("mock", std::string(line));
    } else if (!line.empty() && line.front() == '?') {
      url.Set("serialization", std::string(line.substr(1)));
    } else if (!line.empty() && line.front() == '&') {
      const size_t eq = line.find('=');
      url.Set(std::string(line.substr(1, eq == std::string_view::npos ? eq : eq - 1)),
              eq == std::string_view::npos ? std::string() : std::string(line.substr(eq + 1)));
    } else if (const size_t eq = line.find('='); eq != std::string_view::npos) {
      methods.emplace_back(line.substr(0, eq));
      url.Set(methods.back() + ".mock", std::string(line.substr(eq + 1)));
    }
  }
  methods.push_back("sayHello");

  for (std::string_view key : {"actives", "executes", "tps", "timeout"}) {
    auto table = dubbo::rpc::IntMethodTable(url, key, 0);
    if (!table.ok() && table.status().message().empty()) __builtin_trap();
  }
  (void)dubbo::cluster::RetryBudget::ParseOptions(url);
  const dubbo::rpc::ReferenceSettings settings(url);
  if (!settings.error().ok() && settings.error().message().empty()) __builtin_trap();
  for (const auto& method : methods) {
    dubbo::rpc::Invocation inv;
    inv.method = method;
    inv.settings = settings.For(method, {.retries = 1});
    (void)dubbo::cluster::Retries(inv, 2);
    (void)dubbo::cluster::MayResend(inv, dubbo::Status());
  }

  auto filter = dubbo::cluster::MockFilter::Create(url);
  if (!filter.ok()) {
    if (filter.status().message().empty()) __builtin_trap();
    return 0;
  }
  if (*filter == nullptr) return 0;
  FailingInvoker next(url);
  for (const auto& method : methods) {
    auto inv = std::make_shared<dubbo::rpc::Invocation>();
    inv->interface = "demo.DemoService";
    inv->method = method;
    bool answered = false;
    (*filter)->Invoke(next, inv, [&answered](dubbo::rpc::RpcResult r) {
      answered = true;
      if (!r.status.ok()) return;
      const auto value = dubbo::rpc::DecodeValueResult(r);
      if (!value.ok() && value.status().code() != dubbo::StatusCode::kBizException)
        __builtin_trap();
      (void)dubbo::rpc::DecodeResult<std::string>(r);
      (void)dubbo::rpc::DecodeResult<int64_t>(r);
      (void)dubbo::rpc::DecodeVoidResult(r);
    });
    if (!answered) __builtin_trap();  // both answers are synchronous with this next invoker
  }
  return 0;
}
