// RegistryDirectory: a Directory (cluster/directory.h) that follows a registry subscription,
// turning each provider URL into an invoker (consumer parameters merged over the provider's),
// applying override:// configurators (weight, timeout, disabled ...), and optionally keeping the
// previous list when an update would leave none (empty protection). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cluster/directory.h"
#include "registry/registry.h"
#include "rpc/client.h"

namespace dubbo::cluster {

class RegistryDirectory final : public Directory,
                                public std::enable_shared_from_this<RegistryDirectory> {
 public:
  // Subscribes `consumer_url` (its interface, version, group) on `registry`; provider invokers
  // (ProviderInvokers, in their filter chains) connect through `client`. Empty protection when the
  // consumer URL says `enable-empty-protection=true`.
  static Result<std::shared_ptr<RegistryDirectory>> Create(
      Url consumer_url, std::shared_ptr<registry::Registry> registry,
      std::shared_ptr<rpc::Client> client);
  ~RegistryDirectory() override;

  std::shared_ptr<const ProviderList> List() const override;
  const Url& consumer_url() const override { return consumer_url_; }
  std::string Source() const override { return "registry " + registry_->url().ToString(); }
  void Destroy() override;

  // Applies a full notification (providers, configurators, routers). Public for tests.
  void Notify(const std::vector<Url>& urls);

 private:
  RegistryDirectory(Url consumer_url, std::shared_ptr<registry::Registry> registry,
                    std::shared_ptr<rpc::Client> client);

  Url consumer_url_;
  std::shared_ptr<registry::Registry> registry_;
  std::shared_ptr<rpc::Client> client_;
  uint64_t subscription_ = 0;
  mutable std::mutex mu_;
  std::shared_ptr<const ProviderList> invokers_ = std::make_shared<const ProviderList>();
  // Provider invokers by the merged URL's full string, kept across notifications.
  std::vector<std::pair<std::string, std::shared_ptr<ProviderInvoker>>> by_url_;
  bool destroyed_ = false;
};

// A provider URL as the consumer uses it: the provider's parameters, minus those that only mean
// something on the provider, with the consumer's parameters over them (Dubbo's mergeUrl).
Url MergeProviderUrl(const Url& provider, const Url& consumer);
// Applies override:// configurators to a provider URL; false when one disables it.
bool ApplyConfigurators(const std::vector<Url>& configurators, Url* provider);

}  // namespace dubbo::cluster
