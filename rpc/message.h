// What a call is on the consumer side (Invocation, RpcResult) and what a request is on the
// provider side (RequestInfo), independent of the transport.
//
// An Invocation travels down stub -> cluster -> load balancer -> filters -> exchange; it is
// owned by whoever drives the call (it must outlive retries) and is read by one layer at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "codec/serialization.h"
#include "common/status.h"
#include "rpc/attachments.h"
#include "rpc/call_settings.h"

namespace dubbo::rpc {

// Writes a call's arguments; typed stubs keep their argument values in an implementation. Must
// be callable more than once (retries), from any thread.
class ArgumentWriter {
 public:
  virtual ~ArgumentWriter() = default;
  virtual void Write(ObjectOutput& out) const = 0;
  // Appends Java's String.valueOf(argument `index`), the text consistenthash hashes, and returns
  // true; false, appending nothing, when there is no such argument or the writer cannot tell.
  // Typed stub arguments know theirs (rpc/argument_text.h); a writer over a callable does not.
  virtual bool AppendArgumentText(size_t index, std::string* out) const {
    (void)index;
    (void)out;
    return false;
  }
};

// An ArgumentWriter over a callable `void(ObjectOutput&)`.
template <typename F>
class CallableArguments final : public ArgumentWriter {
 public:
  explicit CallableArguments(F f) : f_(std::move(f)) {}
  void Write(ObjectOutput& out) const override { f_(out); }

 private:
  F f_;
};
template <typename F>
std::shared_ptr<const ArgumentWriter> MakeArguments(F f) {
  return std::make_shared<CallableArguments<F>>(std::move(f));
}

struct Invocation {
  std::string interface;  // the service path
  std::string method;
  std::string descriptor;  // JVM parameter descriptor, e.g. "Ljava/lang/String;"
  std::shared_ptr<const ArgumentWriter> arguments;  // null: no arguments
  Attachments attachments;                          // user attachments; the exchange adds the rest
  bool one_way = false;
  // Version, group, timeout, retries, idempotent: decided once for the reference as the call was
  // made (rpc/call_settings.h); every later stage reads them here.
  CallSettings settings;
};

// What the invoker of one provider decides for every call to it, from the provider's merged URL,
// read once (ChannelInvoker): the reference's version and group where the invocation leaves them
// empty, the provider's token, and the provider URL's positive timeout (0: the invocation's).
// Applied as the frame is encoded, so the shared Invocation is never copied per call.
struct CallOverrides {
  std::string_view version;
  std::string_view group;
  std::string_view token;
  std::chrono::milliseconds timeout{0};

  // The one rule for what a call is sent with: the provider's positive timeout over the
  // invocation's, the invocation's version and group over the reference URL's.
  std::chrono::milliseconds TimeoutOf(const Invocation& inv) const {
    return timeout.count() > 0 ? timeout : inv.settings.timeout;
  }
  std::string_view VersionOf(const Invocation& inv) const {
    return inv.settings.version.empty() ? version : std::string_view(inv.settings.version);
  }
  std::string_view GroupOf(const Invocation& inv) const {
    return inv.settings.group.empty() ? group : std::string_view(inv.settings.group);
  }
};

// The outcome of one call as the exchange delivers it. `status` is not OK for transport and
// remote failures (the Dubbo status codes, e.g. kServerTimeout, kServiceError); otherwise `body`
// holds the response body in serialization `serialization` (result flag, value or exception,
// attachments) for the stub to decode.
struct RpcResult {
  Status status;
  uint8_t serialization = 2;
  std::string body;
  std::string remote;  // provider address, for error messages
};

// A request as the provider decoded it, before the arguments.
struct RequestInfo {
  std::string dubbo_version;
  std::string path;
  std::string version;
  std::string method;
  std::string descriptor;
  std::string group;        // from the attachments, once read
  Attachments attachments;  // once read; `path`/`version` from the body merged in, as Java does
  uint8_t serialization = 2;
  int64_t id = 0;
  bool two_way = true;
  std::string remote;  // consumer address
  uint16_t port = 0;   // the provider port the request arrived on
  // The whole request body (serialization `serialization`), for provider filters that record
  // arguments (accesslog). Points into the receive buffer: set only while Before() runs.
  std::string_view body;
  // When the request was read, and when its consumer stops waiting for it: arrival plus the
  // consumer's `timeout` attachment in ms (time_point::max() when it sent none, as Java 2.7
  // consumers do, or sent a number, whose unit JS clients do not agree on). A request that is
  // still waiting at its deadline is answered SERVER_TIMEOUT (31) instead of being run.
  std::chrono::steady_clock::time_point arrived{};
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

  // The consumer's application name: its `remote.application` attachment (Java 3.x), else its
  // `application` attachment (apache-dubbo-js); "" when it sent neither.
  std::string RemoteApplication() const {
    if (auto a = attachments.GetString("remote.application"); a && !a->empty()) return *a;
    return attachments.GetString("application").value_or("");
  }
};

using ResponseCallback = std::function<void(RpcResult)>;

}  // namespace dubbo::rpc
