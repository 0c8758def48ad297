// ClusterInvoker: one reference's view of many providers. It lists the directory's invokers,
// fails at once with "No provider available" when there are none, and leaves the strategy
// (failover, failfast, ...) to a subclass, which chooses providers through Select(): sticky
// reuse, the load balancer, and Dubbo's reselect when the pick was already tried or is
// unavailable. Strategies are found by Dubbo's names through Clusters().
//
// Thread-safe; one instance serves every call of a reference.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/directory.h"
#include "cluster/loadbalance/load_balance.h"
#include "common/extension.h"
#include "rpc/invoker.h"

namespace dubbo::cluster {

class ClusterInvoker : public rpc::Invoker {
 public:
  ClusterInvoker(std::shared_ptr<Directory> directory, std::shared_ptr<LoadBalance> load_balance)
      : directory_(std::move(directory)), load_balance_(std::move(load_balance)) {}

  void Invoke(std::shared_ptr<const rpc::Invocation> inv, rpc::ResponseCallback done) final;
  const Url& url() const override { return directory_->consumer_url(); }
  bool IsAvailable() const override;
  const std::shared_ptr<Directory>& directory() const { return directory_; }

 protected:
  // Runs the strategy over a non-empty snapshot of providers.
  virtual void DoInvoke(std::shared_ptr<const rpc::Invocation> inv, std::shared_ptr<const InvokerList> invokers,
                        rpc::ResponseCallback done) = 0;

  // Picks a provider, avoiding `tried` when possible; null only when `invokers` is empty.
  std::shared_ptr<rpc::Invoker> Select(const rpc::Invocation& inv, const InvokerList& invokers,
                                       const std::vector<rpc::Invoker*>& tried);

  // "No provider available for the service ... from registry ..." (kUnavailable).
  Status NoProvider(const rpc::Invocation& inv) const;
  // Dubbo's failure message: the service, method, providers tried and the last cause.
  Status Failed(const rpc::Invocation& inv, const std::vector<rpc::Invoker*>& tried, size_t listed,
                const Status& last) const;

  std::shared_ptr<Directory> directory_;
  std::shared_ptr<LoadBalance> load_balance_;

 private:
  std::shared_ptr<rpc::Invoker> Reselect(const rpc::Invocation& inv, const InvokerList& invokers,
                                         const std::vector<rpc::Invoker*>& tried);
  std::mutex sticky_mu_;
  std::weak_ptr<rpc::Invoker> sticky_;
};

using ClusterRegistry =
    ExtensionRegistry<ClusterInvoker, std::shared_ptr<Directory>, std::shared_ptr<LoadBalance>>;
ClusterRegistry& Clusters();

// Registers every built-in plugin of the cluster layer; idempotent. One function per plugin kind,
// each in its folder's builtins.cc:
void RegisterBuiltinLoadBalances();  // cluster/loadbalance/builtins.cc
void RegisterBuiltinStrategies();    // cluster/strategy/builtins.cc
void RegisterBuiltinFilters();       // cluster/filter/builtins.cc: consumer and provider filters
void RegisterMetrics();              // cluster/metrics/builtins.cc: metrics filters
void RegisterBuiltinClusters();      // all of the above

// The cluster filters every reference runs in front of its cluster invoker, in order (the
// built-ins; "cluster.filter" on the consumer URL adds or removes names).
const std::vector<std::string>& ClusterLevelFilterNames();

// The invoker a consumer URL asks for over `directory`: the strategy (`cluster`, default
// failover) with its load balancer (`loadbalance`, default random), in the cluster filters.
Result<std::shared_ptr<rpc::Invoker>> JoinCluster(std::shared_ptr<Directory> directory);

}  // namespace dubbo::cluster
