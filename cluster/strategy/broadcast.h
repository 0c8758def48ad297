// "broadcast": every listed provider gets the call, one after another (cache refreshes, local
// state on each provider). A provider's failure or business exception counts as a failure; once
// failures reach `broadcast.fail.percent` (0..100, default 100) % of the providers, counted
// exactly as Dubbo 3 does (failures == n * percent / 100, so 0 never stops early), the rest are
// skipped. Any failure makes the call fail with the last one (a business exception is returned
// as the result carrying it); otherwise the last result is returned.
#pragma once

#include "cluster/cluster_invoker.h"

namespace dubbo::cluster {

class BroadcastCluster final : public ClusterInvoker,
                               public std::enable_shared_from_this<BroadcastCluster> {
 public:
  using ClusterInvoker::ClusterInvoker;
  Status Configure() override;

 protected:
  void DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                std::shared_ptr<const ProviderList> invokers, rpc::ResponseCallback done) override;

 private:
  struct Round;
  void Next(std::shared_ptr<Round> round);

  int32_t fail_percent_ = 100;
};

}  // namespace dubbo::cluster
