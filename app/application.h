// Application: the user-facing API. One per process: it exports services on one Dubbo port,
// registers them in a registry once ready, refers to remote services through the cluster layer,
// and stops gracefully.
//
//   auto app = dubbo::Application::Create({.name = "greeter", .registry = "file://"}).value();
//   app->Export(std::make_shared<GreeterImpl>(), {{"version", "1.0.0"}});
//   app->Start();
//   auto greeter = app->Refer<DemoServiceStub>({{"timeout", "3000"}}).value();
//   auto reply = greeter.SayHello("world");
//
// Every option is a Dubbo URL parameter with Dubbo's name and default: service parameters
// (version, group, weight, token, timeout, ...) become the provider URL; reference parameters
// (url, version, group, timeout, retries, loadbalance, cluster, serialization, check, ...) the
// consumer URL. They can come from code or from a dubbo.properties file (ApplicationConfig::Load):
// code wins over the file, the file over the defaults.
//
// Thread-safe. Stop() must not be called from a handler or an I/O thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/url.h"
#include "rpc/invoker.h"
#include "rpc/service.h"

namespace dubbo {

namespace cluster {
class Directory;
}
namespace qos {
class QosServer;
}
namespace registry {
class Registry;
}
namespace rpc {
class Client;
class Server;
}  // namespace rpc

using Parameters = Url::Parameters;

struct ApplicationConfig {
  std::string name = "dubbo-cpp";
  // "zookeeper://host:port", "file:///dir", "file://" (the embedded default directory), or ""
  // for none (direct connections only).
  std::string registry;
  // dubbo.protocol.*: host (bind address, default 0.0.0.0), port (20880; 0 = any free port),
  // iothreads, threads, dispatcher, queues, payload, heartbeat, serialization ...
  Parameters protocol;
  // dubbo.provider.* / dubbo.consumer.*: defaults for every service / reference.
  Parameters provider;
  Parameters consumer;
  // dubbo.service.<interface>.* / dubbo.reference.<interface>.*.
  std::map<std::string, Parameters> services;
  std::map<std::string, Parameters> references;
  // dubbo.application.qos-enable / qos-port / qos-accept-foreign-ip: the QoS port (qos/), started
  // by Start() on 127.0.0.1. Applications of one process asking for the same port share it; port
  // 0 picks a free one; a port another process holds is logged and the application runs without
  // QoS, as in Java. dubbo-cpp never listens on other addresses: accept-foreign-ip=true is logged.
  bool qos_enable = true;
  uint16_t qos_port = 22222;
  bool qos_accept_foreign_ip = false;

  // Reads a dubbo.properties file (Java Properties syntax: key=value or key: value, # and !
  // comments). Unknown keys are errors naming file:line.
  static Result<ApplicationConfig> Load(const std::string& path);
  // The same for the file's text; errors name `source_name`:line.
  static Result<ApplicationConfig> Parse(std::string_view text, std::string_view source_name);

  // Applies the environment's DUBBO_APPLICATION_QOS_ENABLE and DUBBO_APPLICATION_QOS_PORT (Java
  // Dubbo's OS-style names for dubbo.application.qos-enable / qos-port, which override the
  // configuration there too). Application::Create calls it. A malformed value is an error naming
  // the variable.
  Status ApplyEnvironment();
};

class Application {
 public:
  static Result<std::unique_ptr<Application>> Create(ApplicationConfig config);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Exports `impl` (after Start(), or at once when already started). The provider URL is built
  // from the definition, the protocol and `params` over the configured defaults.
  Status Export(std::shared_ptr<const rpc::ServiceDefinition> definition,
                std::shared_ptr<rpc::ServiceBase> impl, Parameters params = {});
  // For generated provider bases (static Definition()); the IDL's @version and @group are the
  // defaults.
  template <typename Impl>
  Status Export(std::shared_ptr<Impl> impl, Parameters params = {}) {
    if constexpr (requires {
                    Impl::kDefaultVersion;
                    Impl::kDefaultGroup;
                  }) {
      if (!params.count("version") && !Impl::kDefaultVersion.empty())
        params["version"] = std::string(Impl::kDefaultVersion);
      if (!params.count("group") && !Impl::kDefaultGroup.empty())
        params["group"] = std::string(Impl::kDefaultGroup);
    }
    return Export(Impl::Definition(), std::move(impl), std::move(params));
  }

  // The invoker for `interface`: `url=dubbo://host:port[;dubbo://...]` connects directly, else the
  // registry's providers. With check=true (default) a reference with no provider fails.
  Result<std::shared_ptr<rpc::Invoker>> Refer(const std::string& interface, Parameters params = {});

  // Ends a reference Refer() made (Java's ReferenceConfig.destroy): unregisters its consumer URL,
  // stops following its providers and closes their invokers. Calls already made complete or fail;
  // later calls through `reference` fail with kUnavailable. kNotFound when `reference` is not one
  // of this application's.
  Status Unrefer(const rpc::Invoker& reference);
  template <typename Stub>
  requires requires(const Stub& s) { s.invoker(); }
  Status Unrefer(const Stub& stub) {
    return stub.invoker() ? Unrefer(*stub.invoker())
                          : Status(StatusCode::kNotFound, "the stub has no invoker");
  }
  // For generated stubs (static kInterface; constructed from invoker, version, group); the IDL's
  // @version and @group are the defaults.
  template <typename Stub>
  Result<Stub> Refer(Parameters params = {}) {
    if constexpr (requires {
                    Stub::kDefaultVersion;
                    Stub::kDefaultGroup;
                  }) {
      if (!params.count("version") && !Stub::kDefaultVersion.empty())
        params["version"] = std::string(Stub::kDefaultVersion);
      if (!params.count("group") && !Stub::kDefaultGroup.empty())
        params["group"] = std::string(Stub::kDefaultGroup);
    }
    const std::string version = Param(params, "version");
    const std::string group = Param(params, "group");
    DUBBO_ASSIGN_OR_RETURN(auto invoker, Refer(std::string(Stub::kInterface), std::move(params)));
    return Stub(invoker, version, group);
  }

  // Starts serving exported services, registers them, and starts the QoS port (unless
  // qos_enable is false).
  Status Start();
  // Graceful: unregisters, sends the read-only event, finishes calls in flight (up to
  // `dubbo.service.shutdown.wait`, default 10 s), closes; then closes references. Idempotent.
  void Stop();

  // The port the protocol server listens on (after Start()).
  uint16_t port() const;
  // The QoS port this application answers on; 0 when QoS is off or could not listen.
  uint16_t qos_port() const;
  const std::string& name() const { return config_.name; }
  // The registry (null when none is configured).
  const std::shared_ptr<registry::Registry>& registry() const { return registry_; }
  // The URLs registered for exported services (after Start()).
  std::vector<Url> ProviderUrls() const;

 private:
  explicit Application(ApplicationConfig config);
  static std::string Param(const Parameters& p, const std::string& key) {
    auto it = p.find(key);
    return it == p.end() ? std::string() : it->second;
  }
  Url ProviderUrl(const rpc::ServiceDefinition& def, const Parameters& params) const;
  Url ConsumerUrl(const std::string& interface, const Parameters& params) const;
  Status RegisterProvider(const Url& url);

  struct Exported {
    std::shared_ptr<const rpc::ServiceDefinition> definition;
    std::shared_ptr<rpc::ServiceBase> impl;
    Parameters params;
    std::shared_ptr<const rpc::ProviderFilterChain> filters;
    Url url;              // once started
    bool online = false;  // registered (QoS offline takes it out of the registry)
  };
  struct Reference {
    Url consumer;
    std::shared_ptr<cluster::Directory> directory;
    std::shared_ptr<rpc::Invoker> invoker;  // the cluster
    std::optional<Url> registered;          // its consumers/ entry, when registered
  };
  class QosView;  // what QoS sees of this application (qos::Backend)

  ApplicationConfig config_;
  mutable std::mutex mu_;
  std::shared_ptr<registry::Registry> registry_;
  std::unique_ptr<rpc::Server> server_;
  std::shared_ptr<rpc::Client> client_;
  std::vector<Exported> exported_;
  std::vector<Reference> references_;
  std::vector<Url> consumer_urls_;
  std::shared_ptr<QosView> qos_view_;
  std::shared_ptr<qos::QosServer> qos_;
  bool started_ = false;
  bool stopped_ = false;
};

// Registers every built-in plugin — registries, provider filters, load balancers, cluster
// strategies, consumer filters, metrics filters — once per process (std::call_once); later calls
// return at once. Application::Create calls it; call it yourself before using the cluster layer
// without an Application. A plugin registered under a built-in's name before this keeps the name
// (app/builtins.cc). Thread-safe.
void RegisterBuiltins();

}  // namespace dubbo
