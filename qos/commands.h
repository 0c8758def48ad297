// qos::Commands: Dubbo's QoS command set, independent of how the command arrived (a telnet line
// or an HTTP GET; qos/qos_server.h does the transport). Commands read the attached applications
// (qos/backend.h) and the metrics registry:
//
//   help [command]          the commands, or one command's usage
//   ls                      exported services (registered: Y/N) and references (provider count)
//   ps [-l]                 the dubbo ports (-l: dubbo://host:port)
//   count <service> [method]  calls per method from the metrics (total, succeeded, failed,
//                           active, average and max latency)
//   invoke <service>.<method>(<json args>)  a generic call; prints "result: <json>"
//   online [service] / offline [service]  register / unregister providers (all without argument)
//   ready / live            readiness (HTTP 503 when not ready) and liveness
//   metrics                 the metrics in Prometheus text format (call metrics, then custom ones)
//   quit                    closes a telnet session
// and the commands an application registers (RegisterCommand), listed by `help` after these.
//
// Thread-safe: Execute may run concurrently; it blocks (invoke waits for its call).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "metrics/metrics.h"
#include "qos/backend.h"
#include "qos/request.h"  // Printable

namespace dubbo::qos {

struct Reply {
  std::string text;
  int http_status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  bool close = false;  // quit: end the session after the reply
};

class Commands {
 public:
  using BackendList = std::function<std::vector<std::shared_ptr<Backend>>()>;

  // `backends` lists the applications attached now; `invoke_timeout` bounds an invoke's call
  // when the service's URL sets no timeout.
  explicit Commands(BackendList backends,
                    metrics::MetricsRegistry& metrics = metrics::MetricsRegistry::Global(),
                    std::chrono::milliseconds invoke_timeout = std::chrono::seconds(3))
      : backends_(std::move(backends)), metrics_(metrics), invoke_timeout_(invoke_timeout) {}

  // Runs command `name` with `args`: the rest of the line after the name, trimmed (invoke takes
  // it whole, the others split it on spaces).
  Reply Execute(std::string_view name, std::string_view args) const;

  // The command names, sorted (registered ones included).
  static std::vector<std::string> Names();

  // A command of the application's own (Java's BaseCommand SPI): `run` gets the rest of the line
  // after the name, trimmed, and answers; it runs on a QoS thread and may run concurrently.
  // kAlreadyExists for a built-in's or a registered command's name, kInvalidArgument for a name
  // that is empty or not [a-zA-Z0-9_-]+.
  using Handler = std::function<Reply(std::string_view args)>;
  static Status RegisterCommand(std::string name, std::string summary, std::string example,
                                Handler run);

 private:
  Reply Help(const std::vector<std::string>& args) const;
  Reply Ls() const;
  Reply Ps(const std::vector<std::string>& args) const;
  Reply Count(const std::vector<std::string>& args) const;
  Reply Invoke(std::string_view args) const;
  Reply SetOnline(const std::vector<std::string>& args, bool online) const;
  Reply Ready() const;
  Reply Metrics() const;

  BackendList backends_;
  metrics::MetricsRegistry& metrics_;
  std::chrono::milliseconds invoke_timeout_;
};

}  // namespace dubbo::qos
