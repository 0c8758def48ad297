// QosServer: Dubbo's QoS port. One TCP port on 127.0.0.1 answers both
//   - telnet-style sessions: a welcome banner and the prompt "dubbo>", one command per line, and
//   - HTTP GET: `curl http://127.0.0.1:22222/ls` (arguments as query values:
//     /count?service=org.foo.BarService&method=sayHello), one command per connection,
// told apart by the first bytes ('G' or 'P' begins an HTTP request line) or, when the client
// says nothing for `welcome_delay`, telnet. Commands are qos/commands.h.
//
// Bad input is bounded: lines longer than `max_line` get an error and the connection is closed,
// idle connections are closed after `idle_timeout`, at most `max_connections` are served at
// once, and non-printable bytes are never echoed. Sockets run on one thread of their own and
// commands on a small pool of their own, never on the RPC I/O threads.
//
// Applications attach (Backend) and detach; a server answers for every attached application.
// AcquireQos shares one server per configured port within the process (Java runs one QoS
// server per process), so many Applications in one process do not fight over port 22222; a
// port another process holds is logged once as a warning and the application runs without QoS,
// as Java does. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "metrics/metrics.h"
#include "qos/backend.h"

namespace dubbo::qos {

struct QosOptions {
  uint16_t port = 22222;  // 0: any free port (see QosServer::port())
  // Dubbo's qos.accept.foreign.ip. dubbo-cpp binds loopback only either way; true logs a warning.
  bool accept_foreign_ip = false;
  size_t max_line = 4096;       // bytes per telnet line and per HTTP request head
  size_t max_connections = 16;  // served at once; more are told so and closed
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds welcome_delay{500};  // a silent client is a telnet user
  std::chrono::milliseconds invoke_timeout{3000};
  size_t command_threads = 2;
};

class QosServer {
 public:
  // Binds 127.0.0.1:port and serves. Fails with the address when the port cannot be bound.
  static Result<std::shared_ptr<QosServer>> Start(
      QosOptions options, metrics::MetricsRegistry& metrics = metrics::MetricsRegistry::Global());
  // Stops serving: closes the port and every session, waits for running commands.
  ~QosServer();
  QosServer(const QosServer&) = delete;
  QosServer& operator=(const QosServer&) = delete;

  uint16_t port() const;
  const QosOptions& options() const;
  void Attach(std::shared_ptr<Backend> backend);
  void Detach(const Backend* backend);
  size_t attached() const;
  // Sessions open now.
  size_t connections() const;

  struct Core;

 private:
  explicit QosServer(std::shared_ptr<Core> core) : core_(std::move(core)) {}
  std::shared_ptr<Core> core_;
};

// The process's QoS server for `options.port`, with `backend` attached: the running one for that
// port, or a new one (port 0 always starts a new one). Null when QoS cannot listen (logged).
std::shared_ptr<QosServer> AcquireQos(const QosOptions& options, std::shared_ptr<Backend> backend);
// Detaches `backend`; the last application to leave stops the server.
void ReleaseQos(std::shared_ptr<QosServer> server, const Backend* backend);

}  // namespace dubbo::qos
