// "failfast": one provider, one attempt; a failure is returned at once (the message names the
// provider, the code is the provider's). For non-idempotent writes in Dubbo's advice.
#pragma once

#include "cluster/cluster_invoker.h"

namespace dubbo::cluster {

class FailfastCluster final : public ClusterInvoker,
                              public std::enable_shared_from_this<FailfastCluster> {
 public:
  using ClusterInvoker::ClusterInvoker;

 protected:
  void DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                std::shared_ptr<const ProviderList> invokers, rpc::ResponseCallback done) override;
};

}  // namespace dubbo::cluster
