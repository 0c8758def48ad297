#include "rpc/server.h"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

#include "common/log.h"
#include "common/url.h"
#include "rpc/connection.h"
#include "rpc/recent_requests.h"
#include "rpc/worker_pool.h"

namespace dubbo::rpc {

namespace {

constexpr std::string_view kGenericDescriptor =
    "Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;";

// Versions that mean "unversioned" on the provider: null, "", "0.0.0", "*".
std::string NormalizeVersion(std::string_view v) {
  return (v.empty() || v == "0.0.0" || v == "*") ? std::string() : std::string(v);
}

// Heterogeneous lookup: requests find their service by a view of the decoded path.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Versions of export tables, unique in the process (across servers).
uint64_t NextExportsVersion() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

struct ExportedInstance {
  std::string group;
  std::shared_ptr<ServiceBase> impl;
  std::shared_ptr<const ProviderFilterChain> filters;
  bool blocking = false;  // every method on the blocking pool
};

struct ExportedEntry {
  std::shared_ptr<const ServiceDefinition> definition;
  std::vector<ExportedInstance> instances;  // by group

  const ExportedInstance* Find(std::string_view group) const {
    for (const auto& i : instances)
      if (i.group == group) return &i;
    return nullptr;
  }
};

struct ExportTable {
  // interface -> (version, entry); few versions per interface.
  std::unordered_map<std::string, std::vector<std::pair<std::string, ExportedEntry>>, StringHash,
                     std::equal_to<>>
      entries;

  const ExportedEntry* Find(std::string_view path, std::string_view version) const {
    const auto it = entries.find(path);
    if (it == entries.end()) return nullptr;
    for (const auto& [v, e] : it->second)
      if (v == version) return &e;
    return nullptr;
  }
  ExportedEntry& Get(const std::string& path, const std::string& version) {
    auto& versions = entries[path];
    for (auto& [v, e] : versions)
      if (v == version) return e;
    return versions.emplace_back(version, ExportedEntry()).second;
  }
  std::string Keys(uint16_t port) const {
    std::string s = "[";
    for (const auto& [path, versions] : entries) {
      for (const auto& [version, e] : versions) {
        for (const auto& instance : e.instances) {
          if (s.size() > 1) s += ", ";
          s += ServiceKey(instance.group, path, version) + ":" + std::to_string(port);
        }
      }
    }
    return s + "]";
  }
};

class ServerCore : public RequestHandler, public std::enable_shared_from_this<ServerCore> {
 public:
  explicit ServerCore(ServerOptions options) : options_(std::move(options)) {}

  void OnRequest(const std::shared_ptr<Connection>& conn, const FrameHeader& h,
                 std::string_view body) override;
  void Process(const std::shared_ptr<Connection>& conn,
               std::chrono::steady_clock::time_point arrived, const FrameHeader& h,
               std::string_view body);
  void Dispatch(ObjectInput& in, ServerCall& call);
  // Where a request goes in `table`: no entry when the service is not exported, no method when the
  // method is not (for kMethod).
  static internal::RequestRoute Route(const RequestInfo& info, const ExportTable& table);
  void Echo(ObjectInput& in, ServerCall& call);
  void InvokeGeneric(ObjectInput& in, ServerCall& call);
  void NotFound(ObjectInput& in, ServerCall& call, std::string_view what);
  ServiceBase* Resolve(ObjectInput& in, ServerCall& call);
  void CallStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  WorkerPool* BlockingPool();
  bool Park(const std::shared_ptr<internal::ParkedCall>& parked,
            const std::shared_ptr<Connection>& conn,
            std::chrono::steady_clock::time_point deadline);
  // Takes the parked calls of `conn` (every connection's when null) out of the table.
  std::vector<std::weak_ptr<internal::ParkedCall>> TakeParked(const Connection* conn);
  void CallFinished();

  Status Start();
  void Accept(size_t index);
  void Shutdown(std::chrono::milliseconds wait);

  ServerOptions options_;
  std::unique_ptr<IoThreads> io_;
  std::unique_ptr<WorkerPool> pool_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::atomic<uint16_t> port_{0};

  // The current export table; readers go through Exports().
  const std::shared_ptr<const ExportTable>& Exports();
  void PublishExports(std::shared_ptr<const ExportTable> table);

  std::mutex export_mu_;  // serialises writers; readers take the current table
  std::atomic<std::shared_ptr<const ExportTable>> exports_{std::make_shared<const ExportTable>()};
  std::atomic<uint64_t> exports_version_{NextExportsVersion()};

  mutable std::mutex conn_mu_;
  std::set<std::shared_ptr<Connection>> connections_;
  // Parked calls by connection (under conn_mu_); the counts are atomics a call gives back when it
  // is answered, from any thread, without the lock.
  struct ParkedOnConnection {
    std::shared_ptr<std::atomic<size_t>> count = std::make_shared<std::atomic<size_t>>(0);
    std::vector<std::weak_ptr<internal::ParkedCall>> calls;
  };
  std::unordered_map<const Connection*, ParkedOnConnection> parked_;
  std::shared_ptr<std::atomic<size_t>> parked_total_ = std::make_shared<std::atomic<size_t>>(0);
  std::atomic<uint64_t> parks_refused_{0};
  std::once_flag blocking_once_;
  std::unique_ptr<WorkerPool> blocking_pool_;

  std::atomic<size_t> in_flight_{0};
  std::atomic<int64_t> last_request_ns_{0};
  std::mutex idle_mu_;
  std::condition_variable idle_cv_;
  std::atomic<bool> draining_{false};   // "R" sent: still serving
  std::atomic<bool> rejecting_{false};  // past the wait: answer 100
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
  std::mutex hooks_mu_;
  std::vector<std::function<void()>> hooks_;
};

// --- ServerCall ----------------------------------------------------------------------------------

namespace {
thread_local ServerCall* current_call = nullptr;

// Sets info->deadline from the consumer's `timeout` attachment; false when that deadline has
// already passed. Only a string counts (Java 2.6 and 3.x send String.valueOf(ms), and so do we):
// apache-dubbo-js sends its timeout as a number of seconds, other JS clients as configured, so a
// number's unit cannot be trusted (dubbo-protocol reference, trap 22) and gives no deadline.
bool SetDeadline(RequestInfo* info) {
  const Value* t = info->attachments.Find("timeout");
  const std::string* text = t != nullptr ? t->if_string() : nullptr;
  if (text == nullptr) return true;
  int64_t ms = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), ms);
  if (ec != std::errc() || ptr != text->data() + text->size()) return true;  // not a timeout
  if (ms <= 0 || ms > int64_t{1} << 40) return true;  // none, or beyond any deadline we keep
  info->deadline = info->arrived + std::chrono::milliseconds(ms);
  return std::chrono::steady_clock::now() < info->deadline;
}
}  // namespace

ServerCall* CurrentCall() { return current_call; }

namespace internal {
CurrentCallScope::CurrentCallScope(ServerCall* call) : previous_(current_call) {
  current_call = call;
}
CurrentCallScope::~CurrentCallScope() { current_call = previous_; }
}  // namespace internal

ServerCall::ServerCall(ServerCall&& o) noexcept { *this = std::move(o); }

ServerCall& ServerCall::operator=(ServerCall&& o) noexcept {
  if (this != &o) {
    if (conn_)
      ReplyError(Status(StatusCode::kServiceError, "the call was replaced without an answer"));
    core_ = std::move(o.core_);
    conn_ = std::move(o.conn_);
    serialization_ = o.serialization_;
    exported_ = o.exported_;
    generic_ = o.generic_;
    method_ = o.method_;
    executor_ = std::exchange(o.executor_, nullptr);
    target_ = std::move(o.target_);
    filters_ = std::move(o.filters_);
    filters_passed_ = o.filters_passed_;
    started_ = o.started_;
    info_ = std::move(o.info_);
    response_attachments_ = std::move(o.response_attachments_);
  }
  return *this;
}

ServerCall::~ServerCall() {
  if (conn_)
    ReplyError(Status(StatusCode::kServiceError, "the service dropped the call without an answer"));
}

void ServerCall::Finish(CallOutcome::Kind kind, StatusCode status) {
  conn_.reset();
  if (filters_passed_ > 0) {
    const CallOutcome outcome{kind, status, std::chrono::steady_clock::now() - started_};
    for (size_t i = 0; i < filters_passed_; ++i) (*filters_)[i]->After(info_, outcome);
    filters_passed_ = 0;
  }
  if (core_) core_->CallFinished();
  core_.reset();
}

void ServerCall::Offload(std::function<void(ServerCall&)> run) {
  WorkerPool* pool = std::exchange(executor_, nullptr);  // on the pool it runs where it is
  auto held = std::make_shared<ServerCall>(std::move(*this));
  if (pool->TrySubmit([held, run = std::move(run)] { run(*held); })) return;
  const auto& o = held->core_->options_;
  held->ReplyError(Status(
      StatusCode::kThreadPoolExhausted,
      "Server side(" + o.host + "," + std::to_string(held->core_->port_.load()) +
          ") blocking pool is exhausted, detail msg: all " + std::to_string(pool->threads()) +
          " threads busy and " + std::to_string(o.blocking_queues) + " queued"));
}

ServiceBase* ServerCall::ResolveInstance(ObjectInput& in) {
  if (!conn_ || !core_) return nullptr;
  return core_->Resolve(in, *this);
}

void ServerCall::SendResult(ResultFlag flag, std::nullptr_t) {
  SendResult(flag, [](ObjectOutput&) {});
}

void ServerCall::SendResult(ResultFlag flag, FunctionRef<void(ObjectOutput&)> write_value) {
  if (!conn_) return;
  if (info_.two_way && serialization_ != nullptr) {
    const bool attach = SupportsResponseAttachments(info_.dubbo_version);
    const auto wire_flag = static_cast<int32_t>(flag) + (attach ? 3 : 0);
    conn_->SendEncoded([&](std::string* out) {
      AppendResponseFrame(
          info_.id, *serialization_, core_->options_.payload,
          [&](ObjectOutput& o) {
            o.WriteInt(wire_flag);
            write_value(o);
            if (!attach) return;
            // Java adds its protocol version to the response attachments.
            if (response_attachments_.empty()) {
              o.WriteEncoded(EncodedResponseAttachments(serialization_->id()));
              return;
            }
            size_t n = 1;
            for (const auto& [k, v] : response_attachments_.entries()) n += k != "dubbo";
            o.WriteMapBegin(n);
            o.WriteString("dubbo");
            o.WriteString(kDubboProtocolVersion);
            for (const auto& [k, v] : response_attachments_.entries()) {
              if (k == "dubbo") continue;
              o.WriteString(k);
              Attachments::WriteValue(o, v);
            }
            o.WriteMapEnd();
          },
          out);
    });
  }
  Finish(flag == ResultFlag::kValue  ? CallOutcome::Kind::kValue
         : flag == ResultFlag::kNull ? CallOutcome::Kind::kNull
                                     : CallOutcome::Kind::kException,
         StatusCode::kOk);
}

void ServerCall::ReplyError(const Status& status) {
  if (!conn_) return;
  if (status.code() == StatusCode::kBizException) {
    // The method ran and failed: Java consumers expect a Throwable in the result.
    if (status.exception()) return ReplyException(*status.exception());
    return ReplyException(JavaException("java.lang.RuntimeException", status.message()));
  }
  // Everything else (rejections, decode failures, unknown services) is a status, as Java
  // answers exceptions thrown outside the method.
  if (info_.two_way) {
    const Serialization* s =
        serialization_ != nullptr ? serialization_ : SerializationRegistry::Global().Find(2);
    conn_->SendEncoded([&](std::string* out) {
      AppendErrorFrame(info_.id, *s, status.ToWireStatus(), status.message(), out);
    });
  }
  Finish(CallOutcome::Kind::kError, status.code());
}

// --- ServerCore ----------------------------------------------------------------------------------

// Each thread keeps the table it saw last and reloads it only when the version moved: loading the
// atomic shared_ptr costs several atomic operations, per request. A replaced table (and the
// services only it holds) lives on in a thread's copy until that thread's next request or exit.
// The reference stays valid until the calling thread next calls Exports().
const std::shared_ptr<const ExportTable>& ServerCore::Exports() {
  struct Snapshot {
    uint64_t version = 0;
    std::shared_ptr<const ExportTable> table;
  };
  thread_local Snapshot snapshot;
  const uint64_t version = exports_version_.load(std::memory_order_acquire);
  if (snapshot.version != version) {
    snapshot.table = exports_.load();
    snapshot.version = version;
  }
  return snapshot.table;
}

void ServerCore::PublishExports(std::shared_ptr<const ExportTable> table) {
  exports_.store(std::move(table));
  exports_version_.store(NextExportsVersion(), std::memory_order_release);
}

void ServerCore::CallFinished() {
  if (in_flight_.fetch_sub(1, std::memory_order_acq_rel) == 1 && draining_.load()) {
    std::lock_guard<std::mutex> lock(idle_mu_);
    idle_cv_.notify_all();
  }
}

void ServerCore::OnRequest(const std::shared_ptr<Connection>& conn, const FrameHeader& h,
                           std::string_view body) {
  // When the read that brought the request happened: Shutdown waits for a quiet moment.
  last_request_ns_.store(conn->last_read().time_since_epoch().count(), std::memory_order_relaxed);
  const bool use_pool = pool_ != nullptr && options_.dispatcher != "direct";
  if (rejecting_.load(std::memory_order_relaxed) || use_pool) {
    const Serialization* s = SerializationRegistry::Global().Find(h.serialization());
    if (s == nullptr) s = SerializationRegistry::Global().Find(2);
    const std::string where =
        "Server side(" + options_.host + "," + std::to_string(port_.load()) + ")";
    if (rejecting_.load(std::memory_order_relaxed)) {
      if (h.is_two_way()) {
        std::string frame;
        AppendErrorFrame(h.id, *s, static_cast<uint8_t>(StatusCode::kThreadPoolExhausted),
                         where + " is shutting down; the request was not processed", &frame);
        conn->Send(std::move(frame));
      }
      return;
    }
    auto task = [self = shared_from_this(), conn, arrived = conn->last_read(), h,
                 body = std::string(body)] { self->Process(conn, arrived, h, body); };
    if (!pool_->TrySubmit(std::move(task)) && h.is_two_way()) {
      std::string frame;
      AppendErrorFrame(h.id, *s, static_cast<uint8_t>(StatusCode::kThreadPoolExhausted),
                       where + " thread pool is exhausted, detail msg: all " +
                           std::to_string(pool_->threads()) + " threads busy and " +
                           std::to_string(options_.queues) + " queued",
                       &frame);
      conn->Send(std::move(frame));
    }
    return;
  }
  Process(conn, conn->last_read(), h, body);
}

void ServerCore::Process(const std::shared_ptr<Connection>& conn,
                         std::chrono::steady_clock::time_point arrived, const FrameHeader& h,
                         std::string_view body) {
  CallStarted();
  ServerCall call;
  call.core_ = shared_from_this();
  call.conn_ = conn;
  call.serialization_ = SerializationRegistry::Global().Find(h.serialization());
  call.info_.id = h.id;
  call.info_.two_way = h.is_two_way();
  call.info_.serialization = h.serialization();
  call.info_.remote = conn->remote();
  call.info_.port = port_.load(std::memory_order_relaxed);
  call.info_.body = body;
  call.info_.arrived = arrived;
  if (call.serialization_ == nullptr) {
    call.ReplyError(Status(StatusCode::kBadRequest, "Unrecognized serialize type from consumer: " +
                                                        std::to_string(h.serialization())));
    return;
  }
  Status decoded;
  try {
    decoded = call.serialization_->Decode(body, [&](ObjectInput& in) { Dispatch(in, call); });
  } catch (const std::exception& e) {
    call.ReplyError(
        Status(StatusCode::kServiceError, std::string("the service threw: ") + e.what()));
    return;
  } catch (...) {
    call.ReplyError(
        Status(StatusCode::kServiceError, "the service threw a non-standard exception"));
    return;
  }
  if (!decoded.ok() && call.active()) {
    call.ReplyError(
        Status(StatusCode::kBadRequest, "Fail to decode request due to: " + decoded.message()));
  }
}

internal::RequestRoute ServerCore::Route(const RequestInfo& info, const ExportTable& table) {
  using internal::RequestRoute;
  const std::string_view version =
      info.version == "0.0.0" || info.version == "*" ? std::string_view() : info.version;
  const ExportedEntry* entry = table.Find(info.path, version);
  if (entry == nullptr) return {};
  if (info.method == "$echo" && info.descriptor == "Ljava/lang/Object;") {
    return {entry, nullptr, RequestRoute::kEcho};
  }
  if ((info.method == "$invoke" || info.method == "$invokeAsync") &&
      info.descriptor == kGenericDescriptor) {
    return {entry, nullptr, RequestRoute::kGeneric};
  }
  return {entry, entry->definition->Find(info.method, info.descriptor), RequestRoute::kMethod};
}

void ServerCore::Dispatch(ObjectInput& in, ServerCall& call) {
  using internal::RequestRoute;
  RequestInfo& info = call.info_;
  call.recent_ = internal::ReadPreludeRemembered(in, info.body, &info);
  if (!in.ok()) return;
  const auto& table = Exports();
  // A remembered prelude also remembers where it led in this export table.
  internal::RecentResolution* known = internal::ResolutionOf(call.recent_);
  RequestRoute route;
  if (known != nullptr && known->In(table)) {
    route = known->route;
  } else {
    route = Route(info, *table);
    if (route.entry == nullptr) return NotFound(in, call, "service");
    if (route.kind == RequestRoute::kMethod && route.method == nullptr)
      return NotFound(in, call, "method");
    if (known != nullptr) *known = {table, route};
  }
  call.exported_ = route.entry;
  call.method_ = route.kind == RequestRoute::kMethod
                     ? static_cast<const MethodDefinition*>(route.method)
                     : nullptr;
  switch (route.kind) {
    case RequestRoute::kMethod:
      return static_cast<const MethodDefinition*>(route.method)->handler(in, call);
    case RequestRoute::kEcho:
      return Echo(in, call);
    case RequestRoute::kGeneric:
      return InvokeGeneric(in, call);
  }
}

void ServerCore::Echo(ObjectInput& in, ServerCall& call) {
  Value v;
  in.ReadValue(&v);
  if (in.ok() && Resolve(in, call) != nullptr) call.Reply(v);
}

void ServerCore::InvokeGeneric(ObjectInput& in, ServerCall& call) {
  std::string method;
  Value types;
  Value args;
  in.ReadString(&method);
  in.ReadValue(&types);
  in.ReadValue(&args);
  if (!in.ok()) return;
  ServiceBase* target = Resolve(in, call);
  if (target == nullptr) return;
  std::vector<std::string> type_names;
  if (const List* l = types.if_list()) {
    for (const auto& t : l->items)
      if (const auto* s = t.if_string()) type_names.push_back(*s);
  }
  const std::vector<Value> empty;
  const std::vector<Value>& values = args.if_list() ? args.as_list().items : empty;
  const RefTable refs(std::vector<Value>{types, args});
  const auto* entry = static_cast<const ExportedEntry*>(call.exported_);
  const MethodDefinition* m = entry->definition->FindGeneric(method, type_names);
  if (m == nullptr || !m->generic) {
    call.ReplyError(Status(StatusCode::kServiceError,
                           "Not found method " + method + " in service " + call.info_.path));
    return;
  }
  const std::string generic = call.info_.attachments.GetString("generic").value_or("true");
  if (generic != "true" && generic != "bean" && generic != "raw.return") {
    call.ReplyError(Status(StatusCode::kServiceError,
                           "generic=" + generic + " is not supported (use generic=true)"));
    return;
  }
  call.generic_ = ValueStyle::kGeneric;
  m->generic(target, values, refs, call);
}

void ServerCore::NotFound(ObjectInput& in, ServerCall& call, std::string_view what) {
  RequestInfo& info = call.info_;
  // Read past the arguments to learn the group for the message.
  auto params = SplitDescriptor(info.descriptor);
  if (!params.ok()) {
    call.ReplyError(Status(StatusCode::kBadRequest,
                           "Fail to decode request due to: " + params.status().message()));
    return;
  }
  for (size_t i = 0; i < params->size(); ++i) in.Skip();
  info.attachments.ReadFrom(in);
  if (!in.ok()) return;
  const std::string group = info.attachments.GetString("group").value_or("");
  const std::string key = ServiceKey(group, info.path, NormalizeVersion(info.version)) + ":" +
                          std::to_string(port_.load());
  if (what == "service") {
    call.ReplyError(
        Status(StatusCode::kServiceError,
               "Not found exported service: " + key + " in " + exports_.load()->Keys(port_.load()) +
                   ", may be version or group mismatch, channel: consumer: " + info.remote +
                   " --> provider: port " + std::to_string(port_.load()) + ", message: method " +
                   info.method));
  } else {
    call.ReplyError(Status(StatusCode::kServiceError, "Not found method " + info.method + "(" +
                                                          info.descriptor + ") in service " + key));
  }
}

ServiceBase* ServerCore::Resolve(ObjectInput& in, ServerCall& call) {
  RequestInfo& info = call.info_;
  internal::ReadAttachmentsRemembered(in, info.body, call.recent_, &info);
  call.recent_ = {};
  if (!in.ok()) return nullptr;
  if (!SetDeadline(&info)) {
    info.body = {};
    call.ReplyError(Status(StatusCode::kServerTimeout,
                           "Server side(" + options_.host + "," + std::to_string(port_.load()) +
                               ") " + info.path + "." + info.method + " not run: it waited " +
                               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - info.arrived)
                                                  .count()) +
                               " ms in the provider, past the consumer's timeout of " +
                               info.attachments.GetString("timeout").value_or("?") +
                               " ms, channel: consumer: " + info.remote));
    return nullptr;
  }
  const auto* entry = static_cast<const ExportedEntry*>(call.exported_);
  const ExportedInstance* instance = entry != nullptr ? entry->Find(info.group) : nullptr;
  if (instance == nullptr) {
    const std::string key = ServiceKey(info.group, info.path, NormalizeVersion(info.version)) +
                            ":" + std::to_string(port_.load());
    call.ReplyError(
        Status(StatusCode::kServiceError,
               "Not found exported service: " + key + " in " + exports_.load()->Keys(port_.load()) +
                   ", may be version or group mismatch, channel: consumer: " + info.remote));
    return nullptr;
  }
  if (instance->filters && !instance->filters->empty()) {
    call.filters_ = instance->filters;
    call.started_ = std::chrono::steady_clock::now();
    for (const auto& filter : *instance->filters) {
      if (Status s = filter->Before(info); !s.ok()) {
        info.body = {};
        call.ReplyError(s);
        return nullptr;
      }
      ++call.filters_passed_;
    }
  }
  info.body = {};  // the buffer is gone once the call outlives this request
  if (instance->blocking || (call.method_ != nullptr && call.method_->blocking)) {
    call.executor_ = BlockingPool();
    call.target_ = instance->impl;  // unexporting must not free it while the call waits
  }
  return instance->impl.get();
}

WorkerPool* ServerCore::BlockingPool() {
  std::call_once(blocking_once_, [this] {
    blocking_pool_ = std::make_unique<WorkerPool>(std::max<size_t>(1, options_.blocking_threads),
                                                  options_.blocking_queues);
  });
  return blocking_pool_.get();
}

Status ServerCore::Start() {
  if (started_.exchange(true)) return Status(StatusCode::kAlreadyExists, "server already started");
  io_ = std::make_unique<IoThreads>(options_.io_threads, "dubbo-server");
  if (options_.threads > 0) pool_ = std::make_unique<WorkerPool>(options_.threads, options_.queues);
  std::error_code ec;
  const auto address = asio::ip::make_address(options_.host, ec);
  if (ec)
    return Status(StatusCode::kInvalidArgument,
                  "bad host \"" + options_.host + "\": " + ec.message());
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_->at(0));
  const asio::ip::tcp::endpoint ep(address, options_.port);
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(StatusCode::kIoError, "cannot listen on " + options_.host + ":" +
                                            std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor->local_endpoint().port();
  acceptors_.push_back(std::move(acceptor));
  Accept(0);
  return Status::Ok();
}

void ServerCore::Accept(size_t index) {
  // Pending operations live inside the io_contexts this core owns: holding the core strongly
  // from them would be a cycle.
  std::weak_ptr<ServerCore> weak = shared_from_this();
  asio::io_context& io = io_->Next();
  acceptors_[index]->async_accept(
      io, [weak, index, &io](std::error_code ec, asio::ip::tcp::socket socket) {
        auto self = weak.lock();
        if (!self || ec == asio::error::operation_aborted || self->stopped_.load()) return;
        if (!ec) {
          ConnectionOptions co;
          co.payload = self->options_.payload;
          co.idle_timeout = self->options_.idle_timeout;
          co.heartbeat = std::chrono::milliseconds(0);
          co.server_side = true;
          co.output_high_water = self->options_.output_high_water;
          auto conn = std::make_shared<Connection>(io, std::move(socket), co, self.get());
          {
            std::lock_guard<std::mutex> lock(self->conn_mu_);
            self->connections_.insert(conn);
          }
          std::weak_ptr<Connection> weak_conn = conn;
          conn->Start([weak, weak_conn, key = conn.get()](const Status&) {
            auto core = weak.lock();
            if (!core) return;
            {
              std::lock_guard<std::mutex> lock(core->conn_mu_);
              if (auto c = weak_conn.lock()) core->connections_.erase(c);
            }
            // Its parked calls end now: nothing can reach their consumer any more.
            const Status closed(StatusCode::kChannelInactive,
                                "the consumer's connection closed while the call was parked");
            for (const auto& w : core->TakeParked(key)) {
              if (auto p = w.lock()) internal::EndParked(p, closed, nullptr);
            }
          });
          if (self->draining_.load()) {
            std::string frame;
            AppendEvent(NextRequestId(), "R", *SerializationRegistry::Global().Find(2), &frame);
            conn->Send(std::move(frame));
          }
        } else {
          LogWarning() << "accept failed: " << ec.message();
        }
        self->Accept(index);
      });
}

void ServerCore::Shutdown(std::chrono::milliseconds wait) {
  if (stopped_.exchange(true) || !started_.load()) return;
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard<std::mutex> lock(hooks_mu_);
    hooks.swap(hooks_);
  }
  for (auto& hook : hooks) hook();
  for (auto& a : acceptors_) {
    asio::post(a->get_executor(), [&a] {
      std::error_code ec;
      a->close(ec);
    });
  }
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard<std::mutex> lock(conn_mu_);
    conns.assign(connections_.begin(), connections_.end());
  }
  draining_.store(true);
  // Parked calls (long polls) would hold the shutdown for its whole wait: answer them now with the
  // status consumers retry on another provider.
  {
    const std::string where =
        "Server side(" + options_.host + "," + std::to_string(port_.load()) + ")";
    const Status leaving(StatusCode::kThreadPoolExhausted,
                         where +
                             " is shutting down; the parked call was released, retry on "
                             "another provider");
    for (const auto& w : TakeParked(nullptr)) {
      if (auto p = w.lock()) {
        internal::EndParked(p, leaving, [&](ServerCall& c) { c.ReplyError(leaving); });
      }
    }
  }
  if (wait.count() > 0) {
    for (auto& c : conns) {
      std::string frame;
      AppendEvent(NextRequestId(), "R", *SerializationRegistry::Global().Find(2), &frame);
      c->Send(std::move(frame));
    }
    // Serve until nothing is in flight and requests have stopped arriving for a moment (those
    // sent before the consumer saw "R" are still on their way), or the wait is over.
    const auto deadline = std::chrono::steady_clock::now() + wait;
    const auto quiet = std::min<std::chrono::milliseconds>(wait, std::chrono::milliseconds(100));
    std::unique_lock<std::mutex> lock(idle_mu_);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto last = std::chrono::steady_clock::time_point(
          std::chrono::steady_clock::duration(last_request_ns_.load()));
      if (in_flight_.load() == 0 && std::chrono::steady_clock::now() - last >= quiet) break;
      idle_cv_.wait_for(lock, std::chrono::milliseconds(10));
    }
  }
  rejecting_.store(true);
  {
    std::lock_guard<std::mutex> lock(conn_mu_);
    conns.assign(connections_.begin(), connections_.end());
  }
  for (auto& c : conns) c->CloseAfterFlush(Status(StatusCode::kCancelled, "server shut down"));
  // Give the last replies a moment to leave before the threads stop.
  const auto flush_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < flush_deadline) {
    {
      std::lock_guard<std::mutex> lock(conn_mu_);
      if (connections_.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pool_.reset();
  blocking_pool_.reset();  // finishes the calls it admitted
  io_->Stop();
}

// --- parked calls --------------------------------------------------------------------------------

bool ServerCore::Park(const std::shared_ptr<internal::ParkedCall>& parked,
                      const std::shared_ptr<Connection>& conn,
                      std::chrono::steady_clock::time_point deadline) {
  // Lock order: a parked call's mutex, then conn_mu_ (the close and shutdown paths take the calls
  // out under conn_mu_ and only then lock each call).
  std::lock_guard<std::mutex> call_lock(parked->mu);
  std::shared_ptr<std::atomic<size_t>> conn_count;
  std::string refused;
  bool closed = false;
  {
    std::lock_guard<std::mutex> lock(conn_mu_);
    const size_t total = parked_total_->load();
    // Checked under conn_mu_: a connection closing after this finds the call in parked_.
    closed = conn->closed();
    if (closed) {
    } else if (stopped_.load()) {
      refused = "the server is shutting down";
    } else if (total >= options_.max_parked) {
      refused = std::to_string(total) + " calls parked on the server (max_parked " +
                std::to_string(options_.max_parked) + ")";
    } else {
      ParkedOnConnection& entry = parked_[conn.get()];
      const size_t on_conn = entry.count->load();
      if (on_conn >= options_.max_parked_per_connection) {
        refused = std::to_string(on_conn) + " calls parked on this connection " +
                  "(max_parked_per_connection " +
                  std::to_string(options_.max_parked_per_connection) + ")";
      } else {
        entry.count->fetch_add(1);
        parked_total_->fetch_add(1);
        // Answered calls leave expired entries behind: sweep them now and then.
        if (entry.calls.size() >= 2 * (on_conn + 1) + 16) {
          std::erase_if(entry.calls, [](const auto& w) { return w.expired(); });
        }
        entry.calls.push_back(parked);
        conn_count = entry.count;
      }
    }
  }
  if (closed) {
    parked->call.ReplyError(Status(StatusCode::kChannelInactive, "the connection closed"));
    return false;
  }
  if (conn_count == nullptr) {
    parks_refused_.fetch_add(1, std::memory_order_relaxed);
    parked->call.ReplyError(
        Status(StatusCode::kLimitExceeded, "cannot park " + parked->call.request().path + "." +
                                               parked->call.request().method + ": " + refused));
    return false;
  }
  std::shared_ptr<asio::steady_timer> timer;
  if (deadline != std::chrono::steady_clock::time_point::max()) {
    timer = std::make_shared<asio::steady_timer>(conn->executor(), deadline);
    timer->async_wait([weak = std::weak_ptr<internal::ParkedCall>(parked)](std::error_code ec) {
      if (ec) return;
      if (auto p = weak.lock()) {
        internal::EndParked(
            p, Status(StatusCode::kServerTimeout, "the parked call reached its deadline"),
            p->at_deadline);
      }
    });
  }
  parked->release = [conn_count, total = parked_total_, timer] {
    conn_count->fetch_sub(1);
    total->fetch_sub(1);
    // The timer belongs to the connection's thread: cancel it there.
    if (timer) asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  };
  return true;
}

std::vector<std::weak_ptr<internal::ParkedCall>> ServerCore::TakeParked(const Connection* conn) {
  std::vector<std::weak_ptr<internal::ParkedCall>> out;
  std::lock_guard<std::mutex> lock(conn_mu_);
  if (conn != nullptr) {
    auto it = parked_.find(conn);
    if (it == parked_.end()) return out;
    out = std::move(it->second.calls);
    parked_.erase(it);
    return out;
  }
  for (auto& [c, entry] : parked_) {
    out.insert(out.end(), entry.calls.begin(), entry.calls.end());
    entry.calls.clear();
  }
  return out;
}

namespace internal {

bool Park(const std::shared_ptr<ParkedCall>& parked,
          std::chrono::steady_clock::time_point deadline) {
  // Only the parking thread knows the call yet: no lock needed to read it.
  const std::shared_ptr<ServerCore> core = parked->call.core_;
  const std::shared_ptr<Connection> conn = parked->call.conn_;
  if (!core || !conn) return false;
  return core->Park(parked, conn, deadline);
}

bool EndParked(const std::shared_ptr<ParkedCall>& parked, const Status& reason,
               const std::function<void(ServerCall&)>& answer) {
  std::function<void(const Status&)> cancel;
  {
    std::lock_guard<std::mutex> lock(parked->mu);
    if (!parked->call.active()) return false;
    if (answer) answer(parked->call);
    if (parked->call.active()) parked->call.ReplyError(reason);
    if (parked->release) {
      parked->release();
      parked->release = nullptr;
    }
    cancel = std::move(parked->on_cancel);
  }
  if (cancel) cancel(reason);
  return true;
}

}  // namespace internal

// --- Server --------------------------------------------------------------------------------------

Server::Server(ServerOptions options) : core_(std::make_shared<ServerCore>(std::move(options))) {}

Server::~Server() { core_->Shutdown(std::chrono::milliseconds(0)); }

Status Server::Export(std::shared_ptr<const ServiceDefinition> definition,
                      std::shared_ptr<ServiceBase> impl, std::string version, std::string group,
                      std::shared_ptr<const ProviderFilterChain> filters, bool blocking) {
  if (!definition || !impl)
    return Status(StatusCode::kInvalidArgument, "Export needs a definition and an implementation");
  version = NormalizeVersion(version);
  std::lock_guard<std::mutex> lock(core_->export_mu_);
  auto table = std::make_shared<ExportTable>(*core_->exports_.load());
  ExportedEntry& e = table->Get(definition->interface_name(), version);
  if (e.definition && e.definition != definition) {
    const auto& a = e.definition->methods();
    const auto& b = definition->methods();
    bool same = a.size() == b.size();
    for (size_t i = 0; same && i < a.size(); ++i)
      same = a[i].name == b[i].name && a[i].descriptor == b[i].descriptor;
    if (!same) {
      return Status(StatusCode::kAlreadyExists, definition->interface_name() +
                                                    (version.empty() ? "" : ":" + version) +
                                                    " is already exported with different methods");
    }
  }
  if (e.Find(group) != nullptr) {
    return Status(
        StatusCode::kAlreadyExists,
        ServiceKey(group, definition->interface_name(), version) + " is already exported");
  }
  if (!e.definition) e.definition = definition;
  e.instances.push_back({std::move(group), std::move(impl), std::move(filters), blocking});
  core_->PublishExports(std::move(table));
  return Status::Ok();
}

Status Server::Unexport(const std::string& interface, const std::string& version,
                        const std::string& group) {
  std::lock_guard<std::mutex> lock(core_->export_mu_);
  auto table = std::make_shared<ExportTable>(*core_->exports_.load());
  const std::string v = NormalizeVersion(version);
  const ExportedEntry* found = table->Find(interface, v);
  if (found == nullptr || found->Find(group) == nullptr) {
    return Status(StatusCode::kNotFound,
                  ServiceKey(group, interface, version) + " is not exported");
  }
  auto& versions = table->entries[interface];
  for (auto it = versions.begin(); it != versions.end(); ++it) {
    if (it->first != v) continue;
    std::erase_if(it->second.instances, [&](const auto& i) { return i.group == group; });
    if (it->second.instances.empty()) versions.erase(it);
    break;
  }
  if (versions.empty()) table->entries.erase(interface);
  core_->PublishExports(std::move(table));
  return Status::Ok();
}

Status Server::Start() { return core_->Start(); }
uint16_t Server::port() const { return core_->port_.load(); }
const ServerOptions& Server::options() const { return core_->options_; }

void Server::AddShutdownHook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(core_->hooks_mu_);
  core_->hooks_.push_back(std::move(hook));
}

void Server::Shutdown() { core_->Shutdown(core_->options_.shutdown_wait); }
void Server::Shutdown(std::chrono::milliseconds wait) { core_->Shutdown(wait); }
size_t Server::in_flight() const { return core_->in_flight_.load(); }
size_t Server::parked() const { return core_->parked_total_->load(); }
uint64_t Server::parks_refused() const { return core_->parks_refused_.load(); }
size_t Server::connections() const {
  std::lock_guard<std::mutex> lock(core_->conn_mu_);
  return core_->connections_.size();
}

// --- ServiceDefinition ---------------------------------------------------------------------------

const MethodDefinition* ServiceDefinition::Find(std::string_view name,
                                                std::string_view descriptor) const {
  for (const auto& m : methods_)
    if (m.name == name && m.descriptor == descriptor) return &m;
  return nullptr;
}

const MethodDefinition* ServiceDefinition::FindGeneric(
    std::string_view name, const std::vector<std::string>& types) const {
  const MethodDefinition* by_name = nullptr;
  size_t named = 0;
  for (const auto& m : methods_) {
    if (m.name != name) continue;
    ++named;
    by_name = &m;
    if (!types.empty() && m.parameter_types == types) return &m;
  }
  return types.empty() && named == 1 ? by_name : nullptr;
}

std::string ServiceDefinition::MethodNames() const {
  std::vector<std::string> names;
  for (const auto& m : methods_)
    if (std::find(names.begin(), names.end(), m.name) == names.end()) names.push_back(m.name);
  std::sort(names.begin(), names.end());
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ",") + n;
  return s;
}

}  // namespace dubbo::rpc
