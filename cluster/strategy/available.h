// "available": the first listed provider that is available (connected, not read-only, not
// ejected) gets the call, without load balancing or retries; none available is "No provider
// available". For a primary with standbys listed after it.
#pragma once

#include "cluster/cluster_invoker.h"

namespace dubbo::cluster {

class AvailableCluster final : public ClusterInvoker,
                               public std::enable_shared_from_this<AvailableCluster> {
 public:
  using ClusterInvoker::ClusterInvoker;

 protected:
  void DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                std::shared_ptr<const ProviderList> invokers, rpc::ResponseCallback done) override;
};

}  // namespace dubbo::cluster
