// Registry: where providers announce themselves and consumers find them, in Dubbo's model. A
// provider registers its URL (dubbo://host:port/interface?...); a consumer registers its own
// consumer:// URL and subscribes to its service, receiving the full current list of provider,
// configurator and router URLs after every change.
//
// Implementations are chosen by the registry URL's scheme ("zookeeper", "file") through
// RegistryFactories(); RegisterBuiltinRegistries() adds the built-ins. Registries retry failed
// operations in the background until they succeed, so Register/Subscribe failing at first does
// not lose the registration. Thread-safe; listeners run on the registry's own thread, one
// notification at a time per subscription.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/extension.h"
#include "common/result.h"
#include "common/url.h"

namespace dubbo::registry {

// Receives the whole current list for one subscription: providers (dubbo://...), configurators
// (override://...) and routers. An empty list means no provider (unless empty protection is on).
using NotifyListener = std::function<void(const std::vector<Url>& urls)>;

// A registry's session with its server (ZooKeeper's clientid_t: id and 16-byte password).
struct RegistrySession {
  int64_t id = 0;
  std::string password;
};

class Registry {
 public:
  virtual ~Registry() = default;

  // Announces `url` until Unregister or Close; survives sessions and restarts of the registry.
  virtual Status Register(const Url& url) = 0;
  virtual Status Unregister(const Url& url) = 0;

  // Subscribes to the service `consumer_url` names (interface, version, group). The listener gets
  // the current list at once (from the local cache if the registry is unreachable) and after
  // every change. Returns an id for Unsubscribe.
  virtual Result<uint64_t> Subscribe(const Url& consumer_url, NotifyListener listener) = 0;
  virtual Status Unsubscribe(uint64_t subscription) = 0;

  // The current provider list of a service without subscribing.
  virtual Result<std::vector<Url>> Lookup(const Url& consumer_url) = 0;

  // Every service the registry knows (interface names).
  virtual Result<std::vector<std::string>> ListServices() = 0;

  virtual const Url& url() const = 0;

  // The current session, for tests and diagnostics: nullopt for a registry without sessions
  // (file://) or while not connected.
  virtual std::optional<RegistrySession> Session() const { return std::nullopt; }

  // Unregisters everything registered through this object and stops notifying.
  virtual void Close() = 0;
};

using RegistryFactoryRegistry = ExtensionRegistry<Registry, const Url&>;
RegistryFactoryRegistry& RegistryFactories();
void RegisterBuiltinRegistries();

// Opens the registry a URL names ("zookeeper://127.0.0.1:2181", "file:///var/lib/dubbo").
Result<std::shared_ptr<Registry>> OpenRegistry(const Url& url);
Result<std::shared_ptr<Registry>> OpenRegistry(std::string_view url);

// Does provider URL `provider` serve what `consumer` asks for? Dubbo's UrlUtils.isMatch:
// interface equal (or "*"), provider not disabled (enabled != false), group equal or in the
// consumer's comma list or "*", version equal or "*".
bool IsMatch(const Url& consumer, const Url& provider);

}  // namespace dubbo::registry
