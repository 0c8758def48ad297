#include "app/application.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <shared_mutex>

#include "cluster/cluster_invoker.h"
#include "cluster/directory.h"
#include "cluster/provider_invoker.h"
#include "cluster/registry_directory.h"
#include "common/log.h"
#include "qos/backend.h"
#include "qos/qos_server.h"
#include "registry/registry.h"
#include "rpc/channel_invoker.h"
#include "rpc/client.h"
#include "rpc/server.h"

namespace dubbo {

namespace {

constexpr std::string_view kRelease = "dubbo-cpp-0.1.0";

// The address other processes reach this one at: the bind address when it is specific, else
// $DUBBO_IP_TO_REGISTRY (as Java honours it), else the first non-loopback IPv4, else loopback.
std::string RegisteredHost(const std::string& bind) {
  if (!bind.empty() && bind != "0.0.0.0" && bind != "::") return bind;
  if (const char* env = std::getenv("DUBBO_IP_TO_REGISTRY"); env != nullptr && *env != '\0')
    return env;
  std::string found = "127.0.0.1";
  ifaddrs* addrs = nullptr;
  if (getifaddrs(&addrs) == 0) {
    for (ifaddrs* a = addrs; a != nullptr; a = a->ifa_next) {
      if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      if (std::string_view(text).rfind("127.", 0) != 0) {
        found = text;
        break;
      }
    }
    freeifaddrs(addrs);
  }
  return found;
}

std::string NowMillisText() {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

// defaults < configured for every service < configured for this interface < code.
Parameters Layer(const Parameters& all, const std::map<std::string, Parameters>& per_interface,
                 const std::string& interface, const Parameters& code) {
  Parameters p = all;
  if (auto it = per_interface.find(interface); it != per_interface.end()) {
    for (const auto& [k, v] : it->second) p[k] = v;
  }
  for (const auto& [k, v] : code) p[k] = v;
  return p;
}

// Dubbo's token=true: a random UUID the provider URL carries and the TokenFilter checks.
std::string RandomToken() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  const uint64_t a = rng();
  const uint64_t b = rng();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return text;
}

int64_t IntParam(const Parameters& p, const std::string& key, int64_t fallback) {
  auto it = p.find(key);
  if (it == p.end() || it->second.empty()) return fallback;
  return std::strtoll(it->second.c_str(), nullptr, 10);
}

}  // namespace

// The application as QoS sees it. QoS threads may hold it after the application stopped:
// Detach() (from Stop) waits for commands in progress and leaves every later one empty-handed.
class Application::QosView final : public qos::Backend {
 public:
  explicit QosView(Application* app) : app_(app) {}

  void Detach() {
    std::unique_lock<std::shared_mutex> lock(mu_);
    app_ = nullptr;
  }

  std::string application() const override {
    std::shared_lock<std::shared_mutex> lock(mu_);
    return app_ != nullptr ? app_->config_.name : std::string();
  }

  std::vector<qos::ProvidedService> Provided() const override {
    std::shared_lock<std::shared_mutex> lock(mu_);
    std::vector<qos::ProvidedService> out;
    if (app_ == nullptr) return out;
    std::lock_guard<std::mutex> app_lock(app_->mu_);
    for (const auto& e : app_->exported_) {
      const std::string version = Param(e.params, "version");
      const std::string group = Param(e.params, "group");
      out.push_back({ServiceKey(group, e.definition->interface_name(), version),
                     e.definition->interface_name(), group, version, e.online});
    }
    return out;
  }

  std::vector<qos::ReferredService> Referred() const override {
    std::shared_lock<std::shared_mutex> lock(mu_);
    std::vector<qos::ReferredService> out;
    if (app_ == nullptr) return out;
    std::lock_guard<std::mutex> app_lock(app_->mu_);
    for (const auto& r : app_->references_) {
      out.push_back({r.consumer.ServiceKey(), r.consumer.Get("interface", r.consumer.path()),
                     r.consumer.Get("group"), r.consumer.Get("version"),
                     r.directory->List()->size()});
    }
    return out;
  }

  std::vector<Url> ServerUrls() const override {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (app_ == nullptr) return {};
    std::lock_guard<std::mutex> app_lock(app_->mu_);
    if (!app_->server_) return {};
    return {Url("dubbo", RegisteredHost(app_->server_->options().host), app_->server_->port())};
  }

  Status SetOnline(const std::vector<std::string>& service_keys, bool online) override {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (app_ == nullptr) return Status(StatusCode::kCancelled, "application stopped");
    std::lock_guard<std::mutex> app_lock(app_->mu_);
    if (!app_->started_ || app_->stopped_)
      return Status(StatusCode::kCancelled, "application not running");
    for (auto& e : app_->exported_) {
      const std::string key = ServiceKey(Param(e.params, "group"), e.definition->interface_name(),
                                         Param(e.params, "version"));
      if (e.online == online ||
          std::find(service_keys.begin(), service_keys.end(), key) == service_keys.end()) {
        continue;
      }
      if (online) {
        DUBBO_RETURN_IF_ERROR(app_->RegisterProvider(e.url));
      } else if (app_->registry_ && e.url.Get("register", "true") != "false") {
        DUBBO_RETURN_IF_ERROR(
            app_->registry_->Unregister(e.url).WithContext("unregistering " + e.url.ToString()));
      }
      e.online = online;
      LogInfo() << "qos: " << key << (online ? " online" : " offline");
    }
    return Status::Ok();
  }

  bool Ready() const override {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (app_ == nullptr) return false;
    std::lock_guard<std::mutex> app_lock(app_->mu_);
    if (!app_->started_ || app_->stopped_) return false;
    return app_->exported_.empty() || std::any_of(app_->exported_.begin(), app_->exported_.end(),
                                                  [](const Exported& e) { return e.online; });
  }

  Result<qos::GenericTarget> GenericInvoker(const std::string& service_key,
                                            bool provided) override {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (app_ == nullptr) return Status(StatusCode::kCancelled, "application stopped");
    std::lock_guard<std::mutex> app_lock(app_->mu_);
    if (provided) {
      for (const auto& e : app_->exported_) {
        const std::string version = Param(e.params, "version");
        const std::string group = Param(e.params, "group");
        if (ServiceKey(group, e.definition->interface_name(), version) != service_key) continue;
        if (!app_->server_ || app_->stopped_)
          return Status(StatusCode::kUnavailable, service_key + " is not served yet");
        // Over this process's own port: the call takes the real provider path (filters, metrics).
        Url url = e.url;
        const std::string& bind = app_->server_->options().host;
        url.set_host(bind == "0.0.0.0" || bind == "::" || bind.empty() ? "127.0.0.1" : bind);
        url.set_port(app_->server_->port());
        DUBBO_ASSIGN_OR_RETURN(auto invoker,
                               rpc::ChannelInvoker::Create(std::move(url), *app_->client_));
        return qos::GenericTarget{std::move(invoker), e.definition->interface_name(), version,
                                  group};
      }
    } else {
      for (const auto& r : app_->references_) {
        if (r.consumer.ServiceKey() != service_key) continue;
        // Wildcards and group lists select providers; the chosen provider's own are then sent.
        std::string version = r.consumer.Get("version");
        std::string group = r.consumer.Get("group");
        if (version == "*") version.clear();
        if (group == "*" || group.find(',') != std::string::npos) group.clear();
        return qos::GenericTarget{r.invoker, r.consumer.Get("interface", r.consumer.path()),
                                  version, group};
      }
    }
    return Status(StatusCode::kNotFound, "No such service " + service_key);
  }

 private:
  mutable std::shared_mutex mu_;
  Application* app_;
};

Result<std::unique_ptr<Application>> Application::Create(ApplicationConfig config) {
  RegisterBuiltins();
  DUBBO_RETURN_IF_ERROR(config.ApplyEnvironment());
  std::unique_ptr<Application> app(new Application(std::move(config)));
  if (!app->config_.registry.empty()) {
    DUBBO_ASSIGN_OR_RETURN(Url registry_url, Url::Parse(app->config_.registry));
    // Dubbo names the local cache file after the application.
    if (!registry_url.Has("application")) registry_url.Set("application", app->config_.name);
    DUBBO_ASSIGN_OR_RETURN(app->registry_, registry::OpenRegistry(registry_url));
  }
  rpc::ClientOptions options;
  const Parameters& c = app->config_.consumer;
  options.connect_timeout = std::chrono::milliseconds(IntParam(c, "connect.timeout", 3000));
  options.connections = static_cast<size_t>(std::max<int64_t>(1, IntParam(c, "connections", 1)));
  options.connection.payload = static_cast<uint32_t>(IntParam(c, "payload", rpc::kDefaultPayload));
  options.connection.heartbeat = std::chrono::milliseconds(IntParam(c, "heartbeat", 60000));
  options.connection.idle_timeout =
      std::chrono::milliseconds(IntParam(c, "heartbeat.timeout", 180000));
  app->client_ = std::make_shared<rpc::Client>(options);
  return app;
}

Application::Application(ApplicationConfig config) : config_(std::move(config)) {}

Application::~Application() { Stop(); }

Url Application::ProviderUrl(const rpc::ServiceDefinition& def, const Parameters& params) const {
  const std::string bind = config_.protocol.count("host") ? config_.protocol.at("host") : "0.0.0.0";
  Url url("dubbo", RegisteredHost(bind), server_ ? server_->port() : 0, def.interface_name());
  url.Set("anyhost", bind == "0.0.0.0" ? "true" : "false")
      .Set("application", config_.name)
      .Set("deprecated", "false")
      .Set("dubbo", "2.0.2")
      .Set("dynamic", "true")
      .Set("generic", "false")
      .Set("interface", def.interface_name())
      .Set("methods", def.MethodNames())
      .Set("pid", std::to_string(getpid()))
      .Set("release", std::string(kRelease))
      .Set("side", "provider")
      .Set("timestamp", NowMillisText());
  for (const auto& [k, v] : params) {
    if (!v.empty()) url.Set(k, v);
  }
  return url;
}

Url Application::ConsumerUrl(const std::string& interface, const Parameters& params) const {
  Url url("consumer", RegisteredHost(""), 0, interface);
  url.Set("application", config_.name)
      .Set("category", "providers,configurators,routers")  // what the subscription watches
      .Set("check", "false")
      .Set("dubbo", "2.0.2")
      .Set("interface", interface)
      .Set("pid", std::to_string(getpid()))
      .Set("release", std::string(kRelease))
      .Set("side", "consumer")
      .Set("timestamp", NowMillisText());
  for (const auto& [k, v] : params) {
    if (!v.empty()) url.Set(k, v);
  }
  return url;
}

Status Application::Export(std::shared_ptr<const rpc::ServiceDefinition> definition,
                           std::shared_ptr<rpc::ServiceBase> impl, Parameters params) {
  if (!definition || !impl)
    return Status(StatusCode::kInvalidArgument, "Export needs a definition and an implementation");
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return Status(StatusCode::kCancelled, "application stopped");
  Exported e{definition, impl,
             Layer(config_.provider, config_.services, definition->interface_name(), params),
             nullptr, Url()};
  if (const std::string token = Param(e.params, "token"); token == "true" || token == "default") {
    e.params["token"] = RandomToken();
  }
  DUBBO_ASSIGN_OR_RETURN(e.filters, rpc::BuildProviderFilters(ProviderUrl(*definition, e.params)));
  if (started_) {
    DUBBO_RETURN_IF_ERROR(server_->Export(e.definition, e.impl, Param(e.params, "version"),
                                          Param(e.params, "group"), e.filters,
                                          Param(e.params, "blocking") == "true"));
    e.url = ProviderUrl(*e.definition, e.params);
    DUBBO_RETURN_IF_ERROR(RegisterProvider(e.url));
    e.online = true;
  }
  exported_.push_back(std::move(e));
  return Status::Ok();
}

Status Application::RegisterProvider(const Url& url) {
  if (!registry_ || url.Get("register", "true") == "false") return Status::Ok();
  return registry_->Register(url).WithContext("registering " + url.ToString());
}

Status Application::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return Status::Ok();
  if (stopped_) return Status(StatusCode::kCancelled, "application stopped");
  if (!exported_.empty()) {
    const Parameters& p = config_.protocol;
    rpc::ServerOptions options;
    if (p.count("host")) options.host = p.at("host");
    options.port = static_cast<uint16_t>(IntParam(p, "port", 20880));
    options.io_threads = static_cast<size_t>(IntParam(p, "iothreads", 0));
    options.threads = static_cast<size_t>(IntParam(p, "threads", 0));
    if (p.count("dispatcher")) options.dispatcher = p.at("dispatcher");
    options.queues = static_cast<size_t>(IntParam(p, "queues", 0));
    options.payload = static_cast<uint32_t>(IntParam(p, "payload", rpc::kDefaultPayload));
    options.idle_timeout = std::chrono::milliseconds(IntParam(p, "heartbeat.timeout", 180000));
    options.shutdown_wait = std::chrono::milliseconds(IntParam(p, "shutdown.wait", 10000));
    options.blocking_threads = static_cast<size_t>(IntParam(p, "blocking.threads", 16));
    options.blocking_queues = static_cast<size_t>(IntParam(p, "blocking.queues", 256));
    server_ = std::make_unique<rpc::Server>(options);
    for (const auto& e : exported_) {
      DUBBO_RETURN_IF_ERROR(server_->Export(e.definition, e.impl, Param(e.params, "version"),
                                            Param(e.params, "group"), e.filters,
                                            Param(e.params, "blocking") == "true"));
    }
    DUBBO_RETURN_IF_ERROR(server_->Start());
    // Unregister before the read-only event, so consumers stop choosing this provider first.
    server_->AddShutdownHook([this] {
      std::vector<Url> urls;
      {
        std::lock_guard<std::mutex> l(mu_);
        for (const auto& e : exported_) urls.push_back(e.url);
      }
      if (registry_) {
        for (const auto& u : urls) (void)registry_->Unregister(u);
      }
    });
    // Registered only now: a provider announces itself once it can answer.
    for (auto& e : exported_) {
      e.url = ProviderUrl(*e.definition, e.params);
      DUBBO_RETURN_IF_ERROR(RegisterProvider(e.url));
      e.online = true;
    }
  }
  started_ = true;
  if (config_.qos_enable) {
    qos::QosOptions options;
    options.port = config_.qos_port;
    options.accept_foreign_ip = config_.qos_accept_foreign_ip;
    qos_view_ = std::make_shared<QosView>(this);
    qos_ = qos::AcquireQos(options, qos_view_);  // null (logged) when the port is taken
  }
  return Status::Ok();
}

Result<std::shared_ptr<rpc::Invoker>> Application::Refer(const std::string& interface,
                                                         Parameters params) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return Status(StatusCode::kCancelled, "application stopped");
  const Parameters p = Layer(config_.consumer, config_.references, interface, params);
  Url consumer = ConsumerUrl(interface, p);
  std::shared_ptr<cluster::Directory> directory;
  std::optional<Url> registered;  // the consumers/ entry, when the registry took it
  if (const std::string direct = Param(p, "url"); !direct.empty()) {
    cluster::ProviderList invokers;
    size_t start = 0;
    while (start <= direct.size()) {
      const size_t end = std::min(direct.find(';', start), direct.size());
      const std::string one = direct.substr(start, end - start);
      start = end + 1;
      if (one.empty()) continue;
      DUBBO_ASSIGN_OR_RETURN(Url provider, Url::Parse(one));
      if (provider.path().empty()) provider.set_path(interface);
      provider.Set("interface", interface);
      DUBBO_ASSIGN_OR_RETURN(
          auto channel,
          rpc::ChannelInvoker::Create(cluster::MergeProviderUrl(provider, consumer), *client_));
      DUBBO_ASSIGN_OR_RETURN(auto invoker, cluster::MakeProviderInvoker(std::move(channel)));
      invokers.push_back(std::move(invoker));
    }
    directory = std::make_shared<cluster::StaticDirectory>(consumer, std::move(invokers));
  } else {
    if (!registry_) {
      return Status(StatusCode::kInvalidArgument,
                    "no registry configured and no url= given for " + interface);
    }
    DUBBO_ASSIGN_OR_RETURN(directory,
                           cluster::RegistryDirectory::Create(consumer, registry_, client_));
    if (consumer.Get("register", "true") != "false") {
      Url url = consumer;
      url.Set("category", "consumers");
      if (Status s = registry_->Register(url); s.ok()) {
        consumer_urls_.push_back(url);
        registered = std::move(url);
      } else {
        LogWarning() << "could not register consumer " << url.ToString() << ": " << s;
      }
    }
  }
  if (Param(p, "check") != "false" && directory->List()->empty()) {
    directory->Destroy();
    return Status(StatusCode::kUnavailable,
                  "No provider available for the service " + consumer.ServiceKey() + " from " +
                      directory->Source() + " (check=true; set check=false to refer anyway)");
  }
  DUBBO_ASSIGN_OR_RETURN(auto invoker, cluster::JoinCluster(directory));
  references_.push_back({consumer, directory, invoker, std::move(registered)});
  return invoker;
}

Status Application::Unrefer(const rpc::Invoker& reference) {
  Reference found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(references_.begin(), references_.end(),
                           [&](const Reference& r) { return r.invoker.get() == &reference; });
    if (it == references_.end()) {
      return Status(StatusCode::kNotFound, "not a reference of application " + config_.name + ": " +
                                               reference.url().ToString());
    }
    found = std::move(*it);
    references_.erase(it);
    if (found.registered) {
      const std::string text = found.registered->ToString();
      std::erase_if(consumer_urls_, [&](const Url& u) { return u.ToString() == text; });
    }
  }
  if (found.registered && registry_) (void)registry_->Unregister(*found.registered);
  found.directory->Destroy();
  return Status::Ok();
}

void Application::Stop() {
  std::shared_ptr<qos::QosServer> qos;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    qos.swap(qos_);
  }
  // QoS first: no command may reach into the application while it stops.
  if (qos_view_) {
    qos_view_->Detach();
    qos::ReleaseQos(std::move(qos), qos_view_.get());
  }
  if (server_) server_->Shutdown();
  std::vector<Url> consumers;
  std::vector<Reference> references;
  {
    std::lock_guard<std::mutex> lock(mu_);
    consumers.swap(consumer_urls_);
    references.swap(references_);
  }
  if (registry_) {
    for (const auto& u : consumers) (void)registry_->Unregister(u);
  }
  for (auto& r : references) r.directory->Destroy();
  if (registry_) registry_->Close();
}

uint16_t Application::port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return server_ ? server_->port() : 0;
}

uint16_t Application::qos_port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return qos_ ? qos_->port() : 0;
}

std::vector<Url> Application::ProviderUrls() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Url> urls;
  for (const auto& e : exported_) urls.push_back(e.url);
  return urls;
}

}  // namespace dubbo
