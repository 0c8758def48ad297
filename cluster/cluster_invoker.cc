#include "cluster/cluster_invoker.h"

#include <algorithm>
#include <random>

#include "cluster/filter.h"

namespace dubbo::cluster {

namespace {
bool Tried(const std::vector<rpc::Invoker*>& tried, const rpc::Invoker* i) {
  return std::find(tried.begin(), tried.end(), i) != tried.end();
}
constexpr size_t kReselectCount = 10;  // dubbo.reselect.count
}  // namespace

ClusterRegistry& Clusters() {
  static ClusterRegistry registry("cluster");
  return registry;
}

void RegisterBuiltinClusters() {
  RegisterBuiltinLoadBalances();
  RegisterBuiltinStrategies();
  RegisterBuiltinFilters();
  RegisterMetrics();
}

const std::vector<std::string>& ClusterLevelFilterNames() {
  static const std::vector<std::string> kNames = {"mock"};
  return kNames;
}

Result<std::shared_ptr<rpc::Invoker>> JoinCluster(std::shared_ptr<Directory> directory) {
  const Url url = directory->consumer_url();
  DUBBO_ASSIGN_OR_RETURN(auto lb, LoadBalances().Create(url.Get("loadbalance", "random")));
  DUBBO_ASSIGN_OR_RETURN(auto cluster, Clusters().Create(url.Get("cluster", "failover"), std::move(directory),
                                                         std::move(lb)));
  return WrapWithFilters(std::move(cluster), ClusterLevelFilterNames(), url, "cluster.filter");
}

void ClusterInvoker::Invoke(std::shared_ptr<const rpc::Invocation> inv, rpc::ResponseCallback done) {
  auto invokers = directory_->List();
  if (invokers->empty()) {
    rpc::RpcResult r;
    r.status = NoProvider(*inv);
    done(std::move(r));
    return;
  }
  DoInvoke(std::move(inv), std::move(invokers), std::move(done));
}

bool ClusterInvoker::IsAvailable() const {
  const auto invokers = directory_->List();
  return std::any_of(invokers->begin(), invokers->end(), [](const auto& i) { return i->IsAvailable(); });
}

std::shared_ptr<rpc::Invoker> ClusterInvoker::Select(const rpc::Invocation& inv, const InvokerList& invokers,
                                                     const std::vector<rpc::Invoker*>& tried) {
  if (invokers.empty()) return nullptr;
  const bool sticky = invokers.front()->url().GetMethod(inv.method, "sticky") == "true";
  const bool check = url().Get("cluster.availablecheck", "true") != "false";
  if (sticky) {
    std::lock_guard<std::mutex> lock(sticky_mu_);
    auto s = sticky_.lock();
    if (s && std::find(invokers.begin(), invokers.end(), s) != invokers.end() && !Tried(tried, s.get()) &&
        (!check || s->IsAvailable())) {
      return s;
    }
  }
  std::shared_ptr<rpc::Invoker> pick;
  if (invokers.size() == 1) {
    pick = invokers.front();
  } else {
    pick = load_balance_->Select(invokers, url(), inv);
    if (Tried(tried, pick.get()) || (check && !pick->IsAvailable())) {
      if (auto again = Reselect(inv, invokers, tried)) {
        pick = std::move(again);
      } else {
        const auto at = std::find(invokers.begin(), invokers.end(), pick) - invokers.begin();
        pick = invokers[static_cast<size_t>(at + 1) % invokers.size()];
      }
    }
  }
  if (sticky) {
    std::lock_guard<std::mutex> lock(sticky_mu_);
    sticky_ = pick;
  }
  return pick;
}

std::shared_ptr<rpc::Invoker> ClusterInvoker::Reselect(const rpc::Invocation& inv, const InvokerList& invokers,
                                                       const std::vector<rpc::Invoker*>& tried) {
  const bool check = url().Get("cluster.availablecheck", "true") != "false";
  InvokerList candidates;
  auto consider = [&](const std::shared_ptr<rpc::Invoker>& i) {
    if ((check && !i->IsAvailable()) || Tried(tried, i.get())) return;
    if (std::find(candidates.begin(), candidates.end(), i) == candidates.end()) candidates.push_back(i);
  };
  if (kReselectCount >= invokers.size()) {
    for (const auto& i : invokers) consider(i);
  } else {
    thread_local std::minstd_rand rng(std::random_device{}());
    for (size_t k = 0; k < kReselectCount; ++k) consider(invokers[rng() % invokers.size()]);
  }
  if (!candidates.empty()) return load_balance_->Select(candidates, url(), inv);
  // Nothing untried is available: fall back to tried ones that are.
  for (const auto& i : invokers)
    if (Tried(tried, i.get()) && i->IsAvailable()) candidates.push_back(i);
  return candidates.empty() ? nullptr : load_balance_->Select(candidates, url(), inv);
}

Status ClusterInvoker::NoProvider(const rpc::Invocation& inv) const {
  return Status(StatusCode::kUnavailable,
                "No provider available for the service " + ServiceKey(inv.group, inv.interface, inv.version) +
                    " from " + directory_->Source() +
                    ", please check status of providers (disabled, not registered or in blacklist)");
}

Status ClusterInvoker::Failed(const rpc::Invocation& inv, const std::vector<rpc::Invoker*>& tried,
                              size_t listed, const Status& last) const {
  std::string providers;
  for (const auto* i : tried) providers += (providers.empty() ? "" : ", ") + i->url().Address();
  return Status(last.code(), "Failed to invoke the method " + inv.method + " in the service " +
                                 ServiceKey(inv.group, inv.interface, inv.version) + ". Tried " +
                                 std::to_string(tried.size()) + " times of the providers [" + providers + "] (" +
                                 std::to_string(tried.size()) + "/" + std::to_string(listed) + ") from " +
                                 directory_->Source() + ". Last error is: " + last.message());
}

}  // namespace dubbo::cluster
