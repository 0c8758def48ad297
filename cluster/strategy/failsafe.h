// "failsafe": one provider, one attempt; a failure is logged and the caller gets an empty result
// (a null value: the stub decodes its type's default, or nothing for void). For calls whose
// failure does not matter, such as audit logs. Business exceptions are results and pass through.
#pragma once

#include "cluster/cluster_invoker.h"

namespace dubbo::cluster {

class FailsafeCluster final : public ClusterInvoker,
                              public std::enable_shared_from_this<FailsafeCluster> {
 public:
  using ClusterInvoker::ClusterInvoker;

 protected:
  void DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                std::shared_ptr<const ProviderList> invokers, rpc::ResponseCallback done) override;

 private:
  void OnFailure(const Attempt& a, rpc::RpcResult r, rpc::ResponseCallback done) const;
};

}  // namespace dubbo::cluster
