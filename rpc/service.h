// The provider side of a call: what an exported interface is (ServiceDefinition), how a method
// reads its arguments and runs (MethodHandler), and the call being answered (ServerCall).
//
// A definition belongs to an interface, not to an instance: the same definition serves every
// group an implementation is exported under. Because a Dubbo request carries its arguments before
// the attachments that name the group, a handler reads the arguments first and then asks the call
// for its target (ServerCall::ResolveTarget), which reads the attachments and picks the instance.
//
// A ServerCall may be answered later, from any thread (a long poll answers seconds later without
// holding a thread): move it somewhere and call Reply*. A call dropped without an answer is
// answered with SERVICE_ERROR so the consumer never waits for its timeout.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "codec/typed.h"
#include "codec/value_convert.h"
#include "common/result.h"
#include "rpc/dubbo_codec.h"
#include "rpc/message.h"
#include "rpc/provider_filter.h"
#include "rpc/recent_requests.h"

namespace dubbo::rpc {

class Connection;
class ServerCore;
class WorkerPool;
struct MethodDefinition;

// Base of every exported implementation.
class ServiceBase {
 public:
  virtual ~ServiceBase() = default;
};

namespace internal {
struct ParkedCall;
bool Park(const std::shared_ptr<ParkedCall>& parked,
          std::chrono::steady_clock::time_point deadline);
}  // namespace internal

class ServerCall {
 public:
  ServerCall() = default;
  ServerCall(ServerCall&& other) noexcept;
  ServerCall& operator=(ServerCall&& other) noexcept;
  ~ServerCall();

  // False once answered or moved from.
  bool active() const { return conn_ != nullptr; }
  const RequestInfo& request() const { return info_; }

  // Reads the attachments that follow the arguments and returns the instance exported for the
  // request's group, as `Base`. On failure the call is answered (status 70 or 40) and nullptr
  // returned.
  template <typename Base>
  Base* ResolveTarget(ObjectInput& in) {
    return static_cast<Base*>(ResolveInstance(in));
  }
  ServiceBase* ResolveInstance(ObjectInput& in);

  // Attachments sent back with the response (only to consumers that accept them).
  void SetResponseAttachment(std::string key, std::string value) {
    response_attachments_.Set(std::move(key), std::move(value));
  }

  // Answers with a value: an empty optional or a null Value answers "null".
  template <typename T>
  void Reply(const T& value) {
    if constexpr (IsOptional<T>::value) {
      if (!value) return ReplyNull();
    }
    if constexpr (std::is_same_v<T, Value>) {
      if (value.is_null()) return ReplyNull();
    }
    if (generic_) {  // a $invoke call: answer in the caller's dynamic shape
      if constexpr (std::is_same_v<T, Value>) {
        SendResult(ResultFlag::kValue, [&](ObjectOutput& o) { o.WriteValue(value); });
      } else {
        const Value v = ToValue(value, *generic_);
        SendResult(ResultFlag::kValue, [&](ObjectOutput& o) { o.WriteValue(v); });
      }
      return;
    }
    SendResult(ResultFlag::kValue, [&](ObjectOutput& o) { WriteTyped(o, value); });
  }
  void ReplyNull() { SendResult(ResultFlag::kNull, nullptr); }
  // Answers with a business exception (JavaException or a struct deriving dubbo::Throwable).
  template <typename E>
  void ReplyException(const E& e) {
    SendResult(ResultFlag::kException, [&](ObjectOutput& o) { WriteThrowable(o, e); });
  }
  // Answers with a failure. A kBizException status carrying an exception answers with that
  // exception; any other status answers with its wire status and message.
  void ReplyError(const Status& status);

  // Whether the call's method is @blocking or its service was exported blocking: it must run on
  // the server's blocking pool (known once the target is resolved).
  bool blocking() const { return executor_ != nullptr; }
  // Hands a blocking() call to that pool, which runs `run` on it there; when the pool is full the
  // call is answered SERVER_THREADPOOL_EXHAUSTED (100) instead. The typed adapters call it once
  // the arguments are read.
  void Offload(std::function<void(ServerCall&)> run);

 private:
  friend class ServerCore;
  friend bool internal::Park(const std::shared_ptr<internal::ParkedCall>& parked,
                             std::chrono::steady_clock::time_point deadline);
  template <typename T>
  struct IsOptional : std::false_type {};
  template <typename T>
  struct IsOptional<std::optional<T>> : std::true_type {};

  void SendResult(ResultFlag flag, FunctionRef<void(ObjectOutput&)> write_value);
  void SendResult(ResultFlag flag, std::nullptr_t);
  void Finish(CallOutcome::Kind kind, StatusCode status);

  std::shared_ptr<ServerCore> core_;
  std::shared_ptr<Connection> conn_;  // null once answered or moved from
  const Serialization* serialization_ = nullptr;
  const void* exported_ = nullptr;            // the ServerCore's entry for path:version
  std::optional<ValueStyle> generic_;         // set for $invoke calls
  const MethodDefinition* method_ = nullptr;  // the routed method (typed calls)
  WorkerPool* executor_ = nullptr;            // the blocking pool, when the call runs there
  std::shared_ptr<ServiceBase> target_;       // kept alive while the call waits in that pool
  // The instance's provider filters; After() runs for the first filters_passed_ of them.
  std::shared_ptr<const ProviderFilterChain> filters_;
  size_t filters_passed_ = 0;
  std::chrono::steady_clock::time_point started_{};
  RequestInfo info_;
  Attachments response_attachments_;
  // What this thread remembers of the request's prelude, while it is being decoded (not moved).
  internal::RecentRequestRef recent_;
};

// The call a synchronous handler (Result<R> F(Args...), Status F(Args...)) is running for, while it
// runs and on its thread: what Java's RpcContext gives a provider. Read the consumer's address,
// attachments, application and deadline through request(); SetResponseAttachment() adds to the
// answer. Null outside a synchronous handler (asynchronous handlers have their Responder).
ServerCall* CurrentCall();

namespace internal {
// Makes `call` the CurrentCall() of this thread for its lifetime.
class CurrentCallScope {
 public:
  explicit CurrentCallScope(ServerCall* call);
  ~CurrentCallScope();
  CurrentCallScope(const CurrentCallScope&) = delete;
  CurrentCallScope& operator=(const CurrentCallScope&) = delete;

 private:
  ServerCall* previous_;
};
}  // namespace internal

// Reads a method's arguments from `in`, resolves the target through the call, runs the method and
// answers (now or later). On a read error it returns without answering: the server answers 40.
using MethodHandler = std::function<void(ObjectInput& in, ServerCall& call)>;
// Runs a method with arguments that arrived as dynamic values (generic $invoke); the result is
// answered in `style` (kGeneric: structs as maps with "class").
using GenericHandler = std::function<void(ServiceBase* target, const std::vector<Value>& args,
                                          const RefTable& refs, ServerCall& call)>;

struct MethodDefinition {
  std::string name;
  std::string descriptor;                    // JVM parameter descriptor
  std::vector<std::string> parameter_types;  // Java type names, matched by $invoke
  MethodHandler handler;
  GenericHandler generic;
  // Runs on the server's blocking pool, not on an I/O thread (IDL @blocking): for disk I/O,
  // fsync, anything that would stall every connection of its thread.
  bool blocking = false;
};

// `m`, marked to run on the blocking pool.
inline MethodDefinition Blocking(MethodDefinition m) {
  m.blocking = true;
  return m;
}

class ServiceDefinition {
 public:
  explicit ServiceDefinition(std::string interface_name) : interface_(std::move(interface_name)) {}
  const std::string& interface_name() const { return interface_; }
  const std::vector<MethodDefinition>& methods() const { return methods_; }

  ServiceDefinition& Add(MethodDefinition m) {
    methods_.push_back(std::move(m));
    return *this;
  }
  // By name and descriptor (overloads differ by descriptor).
  const MethodDefinition* Find(std::string_view name, std::string_view descriptor) const;
  // For $invoke: by name and Java parameter type names; an empty `types` matches a unique name.
  const MethodDefinition* FindGeneric(std::string_view name,
                                      const std::vector<std::string>& types) const;
  // "a,b,c": the `methods` parameter of a provider URL.
  std::string MethodNames() const;

 private:
  std::string interface_;
  std::vector<MethodDefinition> methods_;
};

// --- typed adapters ------------------------------------------------------------------------------
// Building a MethodDefinition from a member function of a provider base class:
//   Result<R> (Base::*)(Args...)                    answered when it returns
//   void (Base::*)(Args..., Responder<R>)           answered by the Responder, any time
// R = void answers null. Generated stubs (rpcgen) use these; so can hand-written services.

namespace internal {
// A call an asynchronous handler parked (ResponderBase::Park): shared by its Responder, which
// answers it, and the server, which ends it when its connection closes, its deadline passes or the
// server shuts down. Whoever comes first answers, under `mu`; the others find it answered.
struct ParkedCall {
  std::mutex mu;
  ServerCall call;  // inactive once answered
  std::function<void(const Status&)> on_cancel;
  std::function<void(ServerCall&)> at_deadline;
  // Set by the server when it parks the call: gives back its place in the limits and stops its
  // deadline's timer. Runs once, under `mu`, right after the answer.
  std::function<void()> release;

  ~ParkedCall() {
    if (release) release();  // dropped unanswered: `call` answers SERVICE_ERROR as it goes
  }
};
// The framework's end of a parked call: answers it with `answer` when it is still active, then
// runs its on_cancel(`reason`) outside the lock. False when it had been answered already.
bool EndParked(const std::shared_ptr<ParkedCall>& parked, const Status& reason,
               const std::function<void(ServerCall&)>& answer);
// Registers `parked` with its server: false (and answered kLimitExceeded) beyond the limits.
bool Park(const std::shared_ptr<ParkedCall>& parked,
          std::chrono::steady_clock::time_point deadline);
}  // namespace internal

// What every Responder does, whatever its result type. Move-only.
class ResponderBase {
 public:
  explicit ResponderBase(ServerCall call) : call_(std::move(call)) {}

  const RequestInfo& request() const { return parked_ ? parked_->call.request() : call_.request(); }
  // Attachments sent back with the answer (to consumers that accept them).
  void SetResponseAttachment(std::string key, std::string value) {
    Answer([&](ServerCall& c) { c.SetResponseAttachment(std::move(key), std::move(value)); },
           false);
  }
  // An answer after the call was answered (by this Responder or, for a parked call, by the
  // framework) does nothing.
  template <typename E>
  void Throw(const E& e) {
    Answer([&](ServerCall& c) { c.ReplyException(e); });
  }
  void Fail(const Status& s) {
    Answer([&](ServerCall& c) { c.ReplyError(s); });
  }
  // False once answered (by this Responder or, for a parked call, by the framework).
  bool active() const {
    if (!parked_) return call_.active();
    std::lock_guard<std::mutex> lock(parked_->mu);
    return parked_->call.active();
  }

  // Parks the call to answer it much later (a long poll). The framework then ends it itself, and
  // runs `on_cancel` with the reason, once, from any thread:
  //   - its connection closes: kChannelInactive (nothing can be sent);
  //   - `deadline` passes: answered by `at_deadline` (a long poll's "nothing new"), or with
  //     SERVER_TIMEOUT when it is null;
  //   - the server shuts down: answered SERVER_THREADPOOL_EXHAUSTED (100), which consumers treat
  //     as "never reached the provider" and retry elsewhere (cluster/strategy/retry_policy.h).
  // Replying through the Responder stays allowed from any thread, concurrently with all of these;
  // the first answer wins. Returns false, having answered "cannot park <path>.<method>: ..."
  // (status 70 on the wire, as Java's limit filters answer), when the server's limits on parked
  // calls (ServerOptions::max_parked, max_parked_per_connection) are reached or the connection is
  // gone. Park once; a call that is not parked costs none of this.
  bool Park(
      std::function<void(const Status&)> on_cancel,
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max(),
      std::function<void(ServerCall&)> at_deadline = nullptr) {
    if (parked_ || !call_.active()) return false;
    auto parked = std::make_shared<internal::ParkedCall>();
    parked->call = std::move(call_);
    parked->on_cancel = std::move(on_cancel);
    parked->at_deadline = std::move(at_deadline);
    parked_ = parked;
    return internal::Park(parked, deadline);
  }

 protected:
  // Runs `f` on the call while it is active; `finishes`: `f` answers it.
  template <typename F>
  bool Answer(F&& f, bool finishes = true) {
    if (!parked_) {
      if (!call_.active()) return false;
      f(call_);
      return true;
    }
    std::lock_guard<std::mutex> lock(parked_->mu);
    if (!parked_->call.active()) return false;
    f(parked_->call);
    if (finishes && parked_->release) {
      parked_->release();
      parked_->release = nullptr;
    }
    return true;
  }

 private:
  ServerCall call_;
  std::shared_ptr<internal::ParkedCall> parked_;
};

// A typed handle on a ServerCall for an asynchronous method returning R.
template <typename R>
class Responder : public ResponderBase {
 public:
  using ResponderBase::ResponderBase;
  void Reply(const R& value) { TryReply(value); }
  // Reply() telling whether this answered the call (false: it was answered already).
  bool TryReply(const R& value) {
    return Answer([&](ServerCall& c) { c.Reply(value); });
  }
  // Park() answering `value` at `deadline` (a long poll's empty result).
  bool ParkUntil(std::chrono::steady_clock::time_point deadline, R value,
                 std::function<void(const Status&)> on_cancel = nullptr) {
    return Park(std::move(on_cancel), deadline,
                [value = std::move(value)](ServerCall& c) { c.Reply(value); });
  }
};

template <>
class Responder<void> : public ResponderBase {
 public:
  using ResponderBase::ResponderBase;
  void Reply() { TryReply(); }
  bool TryReply() {
    return Answer([](ServerCall& c) { c.ReplyNull(); });
  }
  bool ParkUntil(std::chrono::steady_clock::time_point deadline,
                 std::function<void(const Status&)> on_cancel = nullptr) {
    return Park(std::move(on_cancel), deadline, [](ServerCall& c) { c.ReplyNull(); });
  }
};

namespace internal {

// Converts $invoke's dynamic arguments to the method's parameter types.
template <typename Tuple, size_t... I>
Status ArgsFromValues(const std::vector<Value>& values, const RefTable& refs,
                      [[maybe_unused]] Tuple* out, std::index_sequence<I...>) {
  Status status;
  [[maybe_unused]] auto convert = [&](size_t i, auto* arg) {
    if (status.ok())
      status = FromValue(values[i], arg, &refs).WithContext("argument " + std::to_string(i));
  };
  (convert(I, &std::get<I>(*out)), ...);
  return status;
}

template <typename Tuple>
Status ArgsFromValues(const std::vector<Value>& values, const RefTable& refs, Tuple* out) {
  constexpr size_t kCount = std::tuple_size_v<Tuple>;
  if (values.size() != kCount) {
    return Status(
        StatusCode::kInvalidArgument,
        "expected " + std::to_string(kCount) + " arguments, got " + std::to_string(values.size()));
  }
  return ArgsFromValues(values, refs, out, std::make_index_sequence<kCount>());
}

// Reads the arguments of a typed handler; false when reading failed (the server answers 40).
template <typename Tuple>
bool ReadArguments(ObjectInput& in, Tuple* args) {
  std::apply([&](auto&... a) { (ReadTyped(in, &a), ...); }, *args);
  return in.ok();
}

template <typename Base, typename Fn, typename Tuple>
auto Apply(Base* target, Fn fn, Tuple& args) {
  return std::apply([&](auto&... a) { return (target->*fn)(std::move(a)...); }, args);
}

template <typename R>
void Answer(ServerCall& call, Result<R>&& r) {
  if (!r.ok()) return call.ReplyError(r.status());
  call.Reply(*r);
}
inline void Answer(ServerCall& call, Status&& s) {
  if (!s.ok()) return call.ReplyError(s);
  call.ReplyNull();
}

// Builds the typed and generic handlers around `invoke(Base*, Tuple&, ServerCall&)`.
template <typename Base, typename Tuple, typename Invoke>
MethodDefinition MakeMethod(std::string name, std::string descriptor,
                            std::vector<std::string> types, Invoke invoke) {
  MethodDefinition m{std::move(name), std::move(descriptor), std::move(types), nullptr, nullptr};
  m.handler = [invoke](ObjectInput& in, ServerCall& call) {
    Tuple args;
    if (!ReadArguments(in, &args)) return;
    Base* target = call.ResolveTarget<Base>(in);
    if (target == nullptr) return;
    if (call.blocking()) {
      call.Offload([invoke, target, held = std::make_shared<Tuple>(std::move(args))](
                       ServerCall& c) { invoke(target, *held, c); });
      return;
    }
    invoke(target, args, call);
  };
  m.generic = [invoke](ServiceBase* target, const std::vector<Value>& values, const RefTable& refs,
                       ServerCall& call) {
    Tuple args;
    if (Status s = ArgsFromValues(values, refs, &args); !s.ok()) return call.ReplyError(s);
    invoke(static_cast<Base*>(target), args, call);
  };
  return m;
}

}  // namespace internal

// Synchronous method returning a value: Result<R> (Base::*)(Args...).
template <typename Base, typename R, typename... Args>
MethodDefinition Method(std::string name, std::string descriptor, std::vector<std::string> types,
                        Result<R> (Base::*fn)(Args...)) {
  using Tuple = std::tuple<std::decay_t<Args>...>;
  return internal::MakeMethod<Base, Tuple>(std::move(name), std::move(descriptor), std::move(types),
                                           [fn](Base* target, Tuple& args, ServerCall& call) {
                                             auto result = [&] {
                                               internal::CurrentCallScope scope(&call);
                                               return internal::Apply(target, fn, args);
                                             }();
                                             internal::Answer(call, std::move(result));
                                           });
}

// Synchronous void method: Status (Base::*)(Args...); success answers null.
template <typename Base, typename... Args>
MethodDefinition Method(std::string name, std::string descriptor, std::vector<std::string> types,
                        Status (Base::*fn)(Args...)) {
  using Tuple = std::tuple<std::decay_t<Args>...>;
  return internal::MakeMethod<Base, Tuple>(std::move(name), std::move(descriptor), std::move(types),
                                           [fn](Base* target, Tuple& args, ServerCall& call) {
                                             auto result = [&] {
                                               internal::CurrentCallScope scope(&call);
                                               return internal::Apply(target, fn, args);
                                             }();
                                             internal::Answer(call, std::move(result));
                                           });
}

namespace internal {
template <typename T>
struct IsResponder : std::false_type {};
template <typename R>
struct IsResponder<Responder<R>> : std::true_type {};
// The decayed types of all but the last of Params, as a tuple.
template <typename Params, size_t... I>
auto LeadingTuple(std::index_sequence<I...>)
    -> std::tuple<std::decay_t<std::tuple_element_t<I, Params>>...>;
}  // namespace internal

// Asynchronous method: void (Base::*)(Args..., Responder<R>), answered through the Responder.
template <typename Base, typename... Params>
MethodDefinition AsyncMethod(std::string name, std::string descriptor,
                             std::vector<std::string> types, void (Base::*fn)(Params...)) {
  static_assert(sizeof...(Params) > 0, "an asynchronous method takes a Responder<R> last");
  using All = std::tuple<Params...>;
  using Reply = std::tuple_element_t<sizeof...(Params) - 1, All>;
  static_assert(internal::IsResponder<Reply>::value,
                "an asynchronous method takes a Responder<R> last");
  using Tuple =
      decltype(internal::LeadingTuple<All>(std::make_index_sequence<sizeof...(Params) - 1>()));
  return internal::MakeMethod<Base, Tuple>(
      std::move(name), std::move(descriptor), std::move(types),
      [fn](Base* target, Tuple& args, ServerCall& call) {
        std::apply([&](auto&... a) { (target->*fn)(std::move(a)..., Reply(std::move(call))); },
                   args);
      });
}

}  // namespace dubbo::rpc
