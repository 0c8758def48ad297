// ClusterInvoker: one reference's view of many providers. It lists the directory's invokers,
// fails at once with "No provider available" when there are none, and leaves the strategy
// (failover, failfast, ...) to a subclass, which chooses providers through Select(): sticky
// reuse, else the load balancer's Select() given the providers already tried (it avoids those,
// unavailable ones and ones outlier ejection does not admit), and reports each attempt's outcome
// to the balancer through Report(). Strategies are found by Dubbo's names through
// Clusters(); their factories call Configure(), which reads the retry settings every strategy
// shares (cluster/strategy/retry_policy.h) and the strategy's own parameters from the consumer URL.
//
// Thread-safe; one instance serves every call of a reference.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/directory.h"
#include "cluster/loadbalance/load_balance.h"
#include "cluster/strategy/retry_policy.h"
#include "common/extension.h"
#include "rpc/invoker.h"

namespace dubbo::cluster {

class ClusterInvoker : public rpc::Invoker {
 public:
  ClusterInvoker(std::shared_ptr<Directory> directory, std::shared_ptr<LoadBalance> load_balance)
      : directory_(std::move(directory)), load_balance_(std::move(load_balance)) {}

  // Reads the consumer URL's settings; a malformed value is a kInvalidArgument naming the
  // parameter and the value. Strategies with parameters of their own extend it. Called once,
  // before the first Invoke().
  virtual Status Configure();

  void Invoke(std::shared_ptr<const rpc::Invocation> inv, rpc::ResponseCallback done) final;
  const Url& url() const override { return directory_->consumer_url(); }
  bool IsAvailable() const override;
  const std::shared_ptr<Directory>& directory() const { return directory_; }

 protected:
  // Runs the strategy over a non-empty snapshot of providers.
  virtual void DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                        std::shared_ptr<const ProviderList> invokers,
                        rpc::ResponseCallback done) = 0;

  // Picks a provider, avoiding `tried` when possible; null only when `invokers` is empty.
  std::shared_ptr<ProviderInvoker> Select(const rpc::Invocation& inv, const ProviderList& invokers,
                                          const std::vector<ProviderInvoker*>& tried);
  // Tells the load balancer how one attempt on `via` ended (LoadBalance::Feedback).
  void Report(ProviderInvoker& via, const rpc::Invocation& inv, const Status& status) {
    load_balance_->Feedback(CallOutcome{via, inv, status});
  }

  // "No provider available for the service ... from registry ..." (kUnavailable).
  Status NoProvider(const rpc::Invocation& inv) const;
  // Dubbo's failure message: the service, method, providers tried and the last cause, with the
  // last cause's code; `why_stopped` (if any) says why no further attempt was made.
  Status Failed(const rpc::Invocation& inv, const std::vector<ProviderInvoker*>& tried,
                size_t listed, const Status& last, std::string_view why_stopped = {}) const;
  // The same for a list of tried invokers kept alive by the strategy.
  Status Failed(const rpc::Invocation& inv, const ProviderList& tried, size_t listed,
                const Status& last, std::string_view why_stopped = {}) const;
  // Why a failed attempt of `inv` may not be re-sent (empty when it may): a non-idempotent
  // method whose request may have reached the provider.
  std::string NotResendable(const rpc::Invocation& inv, const Status& failure) const;

  // One attempt on one provider: all that failfast, failsafe, failback and available make.
  struct Attempt {
    std::shared_ptr<const rpc::Invocation> inv;
    std::shared_ptr<ProviderInvoker> invoker;
    size_t listed = 0;  // providers listed when it was chosen
  };
  // Sends the attempt. A success goes to `done`; a failure to on_failure(*self, attempt, result,
  // done), a member of the strategy that answers as the strategy does. Keeps `self` alive until
  // then.
  template <typename Self, typename OnFailure>
  static void InvokeOnce(std::shared_ptr<Self> self, Attempt attempt, rpc::ResponseCallback done,
                         OnFailure on_failure) {
    ProviderInvoker& target = *attempt.invoker;
    std::shared_ptr<const rpc::Invocation> inv = attempt.inv;
    target.Invoke(std::move(inv), [self = std::move(self), attempt = std::move(attempt),
                                   done = std::move(done), on_failure](rpc::RpcResult r) mutable {
      self->Report(*attempt.invoker, *attempt.inv, r.status);
      if (r.status.ok()) {
        done(std::move(r));
        return;
      }
      std::invoke(on_failure, *self, attempt, std::move(r), std::move(done));
    });
  }
  // Failed() for one attempt.
  Status Failed(const Attempt& a, const Status& last, std::string_view why_stopped = {}) const {
    return Failed(*a.inv, {a.invoker.get()}, a.listed, last, why_stopped);
  }
  // The failfast answer to a failed attempt: the failure, described by Failed().
  void ReturnFailure(const Attempt& a, rpc::RpcResult failed, rpc::ResponseCallback done) const;
  // The failsafe answer: an OK, null-valued result in the serialization calls to the attempt's
  // provider use, still naming the provider that failed (`remote`).
  void ReturnEmpty(const Attempt& a, rpc::RpcResult failed, rpc::ResponseCallback done) const;

  RetryBudget& budget() { return *budget_; }

  std::shared_ptr<Directory> directory_;
  std::shared_ptr<LoadBalance> load_balance_;

 private:
  std::unique_ptr<RetryBudget> budget_ = std::make_unique<RetryBudget>();
  bool check_available_ = true;
  std::mutex sticky_mu_;
  std::weak_ptr<ProviderInvoker> sticky_;
};

// Creates strategy T over `directory` and `load_balance` and configures it.
template <typename T>
Result<std::shared_ptr<ClusterInvoker>> MakeCluster(std::shared_ptr<Directory> directory,
                                                    std::shared_ptr<LoadBalance> load_balance) {
  auto cluster = std::make_shared<T>(std::move(directory), std::move(load_balance));
  DUBBO_RETURN_IF_ERROR(cluster->Configure());
  return std::shared_ptr<ClusterInvoker>(std::move(cluster));
}

using ClusterRegistry =
    ExtensionRegistry<ClusterInvoker, std::shared_ptr<Directory>, std::shared_ptr<LoadBalance>>;
ClusterRegistry& Clusters();

// The built-in plugins of the cluster layer, one function per plugin kind, each in its folder's
// builtins.cc. Called once per process by dubbo::RegisterBuiltins() (app/builtins.cc).
void RegisterBuiltinLoadBalances();  // cluster/loadbalance/builtins.cc
void RegisterBuiltinStrategies();    // cluster/strategy/builtins.cc
void RegisterBuiltinFilters();       // cluster/filter/builtins.cc: consumer filters

// The cluster filters every reference runs in front of its cluster invoker, in order (the
// built-ins; "cluster.filter" on the consumer URL adds or removes names).
const std::vector<std::string>& ClusterLevelFilterNames();

// The invoker a consumer URL asks for over `directory`: the strategy (`cluster`, default
// failover) with its load balancer (`loadbalance`, default random), in the cluster filters.
Result<std::shared_ptr<rpc::Invoker>> JoinCluster(std::shared_ptr<Directory> directory);

}  // namespace dubbo::cluster
