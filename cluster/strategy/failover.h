// "failover" (Dubbo's default): on a failure try another provider, up to `retries` more times
// (default 2; `<method>.retries` per method; the IDL's @retries when the URL sets neither; a
// negative count means one attempt), re-listing providers before each retry and avoiding those
// already tried. Business exceptions are results, never retried. Beyond Dubbo: a method that is
// not idempotent is re-sent only when the failure proves the request never reached a provider,
// and retries draw from the reference's retry budget (cluster/strategy/retry_policy.h).
#pragma once

#include "cluster/cluster_invoker.h"

namespace dubbo::cluster {

class FailoverCluster final : public ClusterInvoker,
                              public std::enable_shared_from_this<FailoverCluster> {
 public:
  using ClusterInvoker::ClusterInvoker;

 protected:
  void DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                std::shared_ptr<const ProviderList> invokers, rpc::ResponseCallback done) override;

 private:
  struct Attempt;
  void Try(std::shared_ptr<Attempt> attempt, std::shared_ptr<const ProviderList> invokers);
  void OnResult(std::shared_ptr<Attempt> attempt, rpc::RpcResult r);
};

}  // namespace dubbo::cluster
