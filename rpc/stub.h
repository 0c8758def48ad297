// What generated consumer stubs (rpcgen) are built on: a stub holds an Invoker and the service's
// identity, and turns a typed call into an Invocation in one of three forms:
//   Result<R> Call(...)                        blocks the calling thread
//   asio::awaitable<Result<R>> CallAsync(...)  a C++20 coroutine; resumes on the awaiter's executor
//   void Call(..., callback)                   the callback runs on an I/O thread
// Void methods return Status instead of Result<void>. Business exceptions arrive as a
// kBizException Status carrying the exception; ExceptionAs<E>() converts it to a declared type.
//
// Blocking calls must not be made on an I/O thread (the answer would need that thread): they fail
// with kInvalidArgument instead of deadlocking. A stub is thread-safe and cheap to copy.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "codec/typed.h"
#include "codec/value_convert.h"
#include "rpc/argument_text.h"
#include "rpc/call_context.h"
#include "rpc/invoker.h"
#include "rpc/result.h"

namespace dubbo::rpc {

// Static facts about one method, emitted by rpcgen.
struct MethodInfo {
  std::string_view name;
  std::string_view descriptor;  // JVM parameter descriptor
  bool one_way = false;
  int64_t timeout_ms = 0;   // the IDL's default; 0 = the reference's `timeout` (1000 ms)
  int32_t retries = -1;     // the IDL's @retries; -1 = the reference's `retries` (Dubbo's 2)
  bool idempotent = false;  // the IDL's @idempotent: calling it again does no harm
};

template <typename R>
using CallResult = std::conditional_t<std::is_void_v<R>, Status, Result<R>>;

// True on an I/O thread of any IoThreads (where blocking would deadlock).
bool OnIoThread();

// A typed call's argument values: written with the built-in codecs, and able to give each one's
// Java text (consistenthash) on demand, so calls that do not hash pay nothing for it.
template <typename... Args>
class TypedArguments final : public ArgumentWriter {
 public:
  explicit TypedArguments(const Args&... args) : values_(args...) {}
  void Write(ObjectOutput& out) const override {
    std::apply([&](const auto&... a) { (WriteTyped(out, a), ...); }, values_);
  }
  bool AppendArgumentText(size_t index, std::string* out) const override {
    bool found = false;
    size_t i = 0;
    std::apply(
        [&](const auto&... a) {
          ((found = found || (i++ == index && AppendJavaText(a, out))), ...);
        },
        values_);
    return found;
  }

 private:
  std::tuple<Args...> values_;
};

class StubBase {
 public:
  StubBase(std::shared_ptr<Invoker> invoker, std::string interface, std::string version,
           std::string group)
      : invoker_(std::move(invoker)),
        interface_(std::move(interface)),
        settings_(invoker_ != nullptr ? invoker_->url() : Url(), std::move(version),
                  std::move(group)) {}

  const std::shared_ptr<Invoker>& invoker() const { return invoker_; }

  // An attachment sent with every call of this stub (Java: a reference's filter or RpcContext
  // set for each call). Set them before the stub is shared between threads; a CallContext's
  // attachments (rpc/call_context.h) are added over these per call.
  void SetAttachment(std::string key, std::string value) {
    auto next = attachments_ ? std::make_shared<Attachments>(*attachments_)
                             : std::make_shared<Attachments>();
    next->Set(std::move(key), Value::String(std::move(value)));
    attachments_ = std::move(next);
  }

 protected:
  template <typename... Args>
  std::shared_ptr<const Invocation> MakeInvocation(const MethodInfo& m, const Args&... args) const {
    auto inv = std::make_shared<Invocation>();
    inv->interface = interface_;
    inv->method = std::string(m.name);
    inv->descriptor = std::string(m.descriptor);
    inv->one_way = m.one_way;
    inv->settings = settings_.For(m.name, {m.timeout_ms, m.retries, m.idempotent});
    if (attachments_) inv->attachments = *attachments_;
    if (const auto& ctx = CallContextScope::Current()) {
      for (const auto& [key, value] : ctx->attachments.entries()) inv->attachments.Set(key, value);
    }
    if constexpr (sizeof...(Args) > 0) {
      inv->arguments = std::make_shared<TypedArguments<std::decay_t<Args>...>>(args...);
    }
    return inv;
  }

  // A one-way call has no response body: it completes with r.status once handed to the connection.
  template <typename R>
  static CallResult<R> Decode(bool one_way, const RpcResult& r) {
    if constexpr (std::is_void_v<R>) {
      return one_way ? r.status : DecodeVoidResult(r);
    } else {
      return DecodeResult<R>(r);
    }
  }

  template <typename R, typename... Args>
  CallResult<R> Call(const MethodInfo& m, const Args&... args) const {
    if (OnIoThread()) {
      return Status(StatusCode::kInvalidArgument,
                    "blocking call " + std::string(m.name) +
                        " made on an I/O thread; use the callback or coroutine form");
    }
    std::promise<CallResult<R>> promise;
    auto future = promise.get_future();
    invoker_->Invoke(MakeInvocation(m, args...), [&promise, one_way = m.one_way,
                                                  ctx = CallContextScope::Current()](RpcResult r) {
      if (ctx) ctx->SetResponse(r);
      promise.set_value(Decode<R>(one_way, r));
    });
    return future.get();
  }

  template <typename R, typename... Args>
  void CallWithCallback(const MethodInfo& m, std::function<void(CallResult<R>)> done,
                        const Args&... args) const {
    invoker_->Invoke(MakeInvocation(m, args...), [done = std::move(done), one_way = m.one_way,
                                                  ctx = CallContextScope::Current()](RpcResult r) {
      if (ctx) ctx->SetResponse(r);
      done(Decode<R>(one_way, r));
    });
  }

  // The invocation is built now, not when the awaitable is first awaited, so the caller's
  // CallContextScope applies and the arguments are copied; the stub must outlive the awaitable.
  template <typename R, typename... Args>
  asio::awaitable<CallResult<R>> CallAwaitable(const MethodInfo& m, const Args&... args) const {
    return AwaitCall<R>(invoker_, MakeInvocation(m, args...), m.one_way,
                        CallContextScope::Current());
  }

 private:
  // (The initiation and the result are named variables: g++ 12 destroys temporaries of a
  // co_await expression twice.)
  template <typename R>
  static asio::awaitable<CallResult<R>> AwaitCall(std::shared_ptr<Invoker> invoker,
                                                  std::shared_ptr<const Invocation> inv,
                                                  bool one_way, std::shared_ptr<CallContext> ctx) {
    auto initiation = [invoker, inv, one_way, ctx](auto handler) {
      auto executor = asio::get_associated_executor(handler);
      // The handler is move-only; ResponseCallback must be copyable.
      auto held = std::make_shared<decltype(handler)>(std::move(handler));
      invoker->Invoke(inv, [held, executor, one_way, ctx](RpcResult r) {
        if (ctx) ctx->SetResponse(r);
        // Resume the coroutine on its own executor, not on the I/O thread.
        asio::post(executor, [held, result = Decode<R>(one_way, r)]() mutable {
          (*held)(std::move(result));
        });
      });
    };
    CallResult<R> result =
        co_await asio::async_initiate<const asio::use_awaitable_t<>, void(CallResult<R>)>(
            initiation, asio::use_awaitable);
    co_return result;
  }

 private:
  std::shared_ptr<Invoker> invoker_;
  std::string interface_;
  // The reference URL's settings, read once: a reference's URL does not change.
  ReferenceSettings settings_;
  std::shared_ptr<const Attachments> attachments_;  // SetAttachment's; null: none
};

// The exception a call failed with, as declared type E (a DUBBO_STRUCT deriving dubbo::Throwable
// bound to the Java class), when it is one; nullopt otherwise.
template <typename E>
std::optional<E> ExceptionAs(const Status& status) {
  const auto& e = status.exception();
  if (status.code() != StatusCode::kBizException || !e ||
      e->class_name != DescribeStruct<E>().java_class) {
    return std::nullopt;
  }
  E out{};
  out.message = e->message;
  out.stack_trace = e->stack_trace;
  out.cause = e->cause;
  for (const auto& field : e->extra_fields) {  // (clang 14 cannot capture structured bindings)
    const int index = hessian2::internal::FieldIndex(kStructFieldNames<E>, field.first);
    if (index < 0) continue;
    VisitField(out, static_cast<size_t>(index),
               [&](const auto&, auto& member) { (void)FromValue(field.second, &member); });
  }
  return out;
}

}  // namespace dubbo::rpc
