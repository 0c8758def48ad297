// Directory: the provider invokers a consumer may call right now. A StaticDirectory holds a fixed
// list (direct connections); a RegistryDirectory (cluster/registry_directory.h) follows a registry
// subscription.
//
// List() returns an immutable snapshot; it is cheap and thread-safe. Invokers are reused across
// updates when their URL did not change, so connections survive notifications (and their
// statistics and outlier state). The providers a directory lists form one outlier group: at most
// `outlier.max.ejection.percent` (default 50) % of them are ejected at once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/provider_invoker.h"
#include "common/url.h"
#include "rpc/invoker.h"

namespace dubbo::cluster {

class Directory {
 public:
  virtual ~Directory() = default;
  virtual std::shared_ptr<const ProviderList> List() const = 0;
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
  void Adopt(const ProviderList& invokers, const ProviderList& gone = {});

  std::shared_ptr<OutlierGroup> outliers_;
};

class StaticDirectory final : public Directory {
 public:
  StaticDirectory(Url consumer_url, ProviderList invokers)
      : consumer_url_(std::move(consumer_url)),
        invokers_(std::make_shared<const ProviderList>(std::move(invokers))) {
    InitOutliers(consumer_url_);
    Adopt(*invokers_.load());
  }
  std::shared_ptr<const ProviderList> List() const override { return invokers_.load(); }
  // Later calls find no provider.
  void Destroy() override {
    auto old = invokers_.exchange(std::make_shared<const ProviderList>());
    if (!old->empty()) Adopt({}, *old);
  }
  const Url& consumer_url() const override { return consumer_url_; }
  std::string Source() const override { return "direct connection"; }

 private:
  Url consumer_url_;
  std::atomic<std::shared_ptr<const ProviderList>> invokers_;
};

}  // namespace dubbo::cluster
