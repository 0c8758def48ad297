// Directory: the provider invokers a consumer may call right now. A StaticDirectory holds a fixed
// list (direct connections); a RegistryDirectory follows a registry subscription, turning each
// provider URL into an invoker (consumer parameters merged over the provider's), applying
// override:// configurators (weight, timeout, disabled ...), and optionally keeping the previous
// list when an update would leave none (empty protection).
//
// List() returns an immutable snapshot; it is cheap and thread-safe. Invokers are reused across
// updates when their URL did not change, so connections survive notifications (and their
// statistics and outlier state). The providers a directory lists form one outlier group: at most
// `outlier.max.ejection.percent` (default 50) % of them are ejected at once.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/provider_invoker.h"
#include "common/url.h"
#include "registry/registry.h"
#include "rpc/client.h"
#include "rpc/invoker.h"

namespace dubbo::cluster {

using InvokerList = std::vector<std::shared_ptr<rpc::Invoker>>;

class Directory {
 public:
  virtual ~Directory() = default;
  virtual std::shared_ptr<const InvokerList> List() const = 0;
  // The consumer's URL: reference parameters (timeout, retries, loadbalance ...).
  virtual const Url& consumer_url() const = 0;
  // Where providers come from, for error messages ("registry 127.0.0.1:2181", "direct").
  virtual std::string Source() const = 0;
  virtual void Destroy() {}

  // The outlier group of the listed providers (null until a subclass creates it).
  const std::shared_ptr<OutlierGroup>& outliers() const { return outliers_; }

 protected:
  // Creates the outlier group from the consumer URL (a malformed percent counts as the default:
  // the cluster reports it when it is built).
  void InitOutliers(const Url& consumer_url);
  // `invokers` are now the group's members: provider invokers join it; `gone` ones leave.
  void Adopt(const InvokerList& invokers, const InvokerList& gone = {});

  std::shared_ptr<OutlierGroup> outliers_;
};

class StaticDirectory final : public Directory {
 public:
  StaticDirectory(Url consumer_url, InvokerList invokers)
      : consumer_url_(std::move(consumer_url)),
        invokers_(std::make_shared<const InvokerList>(std::move(invokers))) {
    InitOutliers(consumer_url_);
    Adopt(*invokers_);
  }
  std::shared_ptr<const InvokerList> List() const override { return invokers_; }
  const Url& consumer_url() const override { return consumer_url_; }
  std::string Source() const override { return "direct connection"; }

 private:
  Url consumer_url_;
  std::shared_ptr<const InvokerList> invokers_;
};

class RegistryDirectory final : public Directory, public std::enable_shared_from_this<RegistryDirectory> {
 public:
  // Subscribes `consumer_url` (its interface, version, group) on `registry`; provider invokers
  // (ProviderInvokers, in their filter chains) connect through `client`. Empty protection when the
  // consumer URL says `enable-empty-protection=true`.
  static Result<std::shared_ptr<RegistryDirectory>> Create(Url consumer_url,
                                                           std::shared_ptr<registry::Registry> registry,
                                                           std::shared_ptr<rpc::Client> client);
  ~RegistryDirectory() override;

  std::shared_ptr<const InvokerList> List() const override;
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
  std::shared_ptr<const InvokerList> invokers_ = std::make_shared<const InvokerList>();
  // Provider invokers by the merged URL's full string, kept across notifications.
  std::vector<std::pair<std::string, std::shared_ptr<rpc::Invoker>>> by_url_;
  bool destroyed_ = false;
};

// A provider URL as the consumer uses it: the provider's parameters, minus those that only mean
// something on the provider, with the consumer's parameters over them (Dubbo's mergeUrl).
Url MergeProviderUrl(const Url& provider, const Url& consumer);
// Applies override:// configurators to a provider URL; false when one disables it.
bool ApplyConfigurators(const std::vector<Url>& configurators, Url* provider);

}  // namespace dubbo::cluster
