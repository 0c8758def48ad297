// Server: accepts Dubbo connections and dispatches their requests to exported services.
//
// One io_context per I/O thread; a connection stays on one. Handlers run on the I/O thread by
// default; with `threads` > 0 (dispatcher "all") they run on a bounded worker pool, and a request
// beyond threads + queues is answered with status 100 at once. Services are looked up by
// [group/]interface[:version]; `$echo` and generic `$invoke` are built in.
//
// Graceful shutdown: run the hooks (the registry unregisters here), stop accepting, send the
// read-only event "R" on every connection, keep serving until no call is in flight and requests
// have stopped arriving (bounded by the wait), then answer stragglers with status 100 (so they are
// retried elsewhere), flush every reply and close.
//
// Thread-safe. Export may be called before or after Start. Shutdown must not be called from a
// handler (it waits for them).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "rpc/frame.h"
#include "rpc/io_threads.h"
#include "rpc/provider_filter.h"
#include "rpc/service.h"

namespace dubbo::rpc {

struct ServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 20880;           // 0 picks a free port (see Server::port())
  size_t io_threads = 0;           // 0: one per core
  size_t threads = 0;              // worker pool size; 0 runs handlers on the I/O thread
  std::string dispatcher = "all";  // with threads > 0: "all" (pool) or "direct" (I/O thread)
  size_t queues = 0;               // requests admitted beyond `threads` before answering 100
  uint32_t payload = kDefaultPayload;
  std::chrono::milliseconds idle_timeout{180000};  // close after no reads and no writes
  std::chrono::milliseconds shutdown_wait{10000};
  // Answers queued for one consumer above which its connection stops reading requests until they
  // drain to half (rpc/connection.h); 0: no limit.
  size_t output_high_water = 4 << 20;
  // The pool @blocking methods and services exported blocking run on (created on first use):
  // threads, and calls admitted beyond them before answering 100.
  size_t blocking_threads = 16;
  size_t blocking_queues = 256;
  // Calls parked at once (rpc::ResponderBase::Park): on the whole server, on one connection.
  // Beyond them Park() refuses ("cannot park ...", status 70).
  size_t max_parked = 100000;
  size_t max_parked_per_connection = 10000;
};

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();  // shuts down without waiting for in-flight calls
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Exports `impl` under the definition's interface, `version` ("" = none) and `group`. Exporting
  // the same interface and version again under another group adds an instance; the definition
  // must then list the same methods.
  // `filters` run around every call of this instance (see rpc/provider_filter.h).
  // `blocking`: every method of this instance runs on the blocking pool (ServerOptions).
  Status Export(std::shared_ptr<const ServiceDefinition> definition,
                std::shared_ptr<ServiceBase> impl, std::string version = "", std::string group = "",
                std::shared_ptr<const ProviderFilterChain> filters = nullptr,
                bool blocking = false);
  // Removes one exported instance; kNotFound when absent.
  Status Unexport(const std::string& interface, const std::string& version,
                  const std::string& group);

  // Binds and starts serving. Fails with the address when the port cannot be bound.
  Status Start();
  uint16_t port() const;
  const ServerOptions& options() const;

  // Runs before the read-only event is sent (e.g. unregister from the registry).
  void AddShutdownHook(std::function<void()> hook);
  void Shutdown();  // waits up to options().shutdown_wait
  void Shutdown(std::chrono::milliseconds wait);

  // Calls started and not yet answered.
  size_t in_flight() const;
  // Calls parked now, and parks refused by the limits so far.
  size_t parked() const;
  uint64_t parks_refused() const;
  size_t connections() const;

 private:
  std::shared_ptr<ServerCore> core_;
};

}  // namespace dubbo::rpc
