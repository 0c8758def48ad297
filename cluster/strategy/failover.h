// "failover" (Dubbo's default): on a failure that is not the method's own (business exceptions
// are results, never retried) try another provider, up to `retries` more times (default 2;
// `<method>.retries` per method), re-listing providers and avoiding those already tried.
#pragma once

#include "cluster/cluster_invoker.h"

namespace dubbo::cluster {

class FailoverCluster final : public ClusterInvoker, public std::enable_shared_from_this<FailoverCluster> {
 public:
  using ClusterInvoker::ClusterInvoker;

 protected:
  void DoInvoke(std::shared_ptr<const rpc::Invocation> inv, std::shared_ptr<const InvokerList> invokers,
                rpc::ResponseCallback done) override;

 private:
  struct Attempt;
  void Try(std::shared_ptr<Attempt> attempt, std::shared_ptr<const InvokerList> invokers);
};

}  // namespace dubbo::cluster
