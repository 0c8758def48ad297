// "forking": the call goes to `forks` (default 2; <= 0 or >= the number of providers: all)
// distinct providers at once and the first to complete successfully wins (a business exception
// is a successful completion); when all fail, the last failure is returned. The caller waits at
// most the call's timeout: every forked request carries it, so each one completes by then.
// Unlike Java, which returns null when the timeout expires first, the caller then gets the
// timeout error: a null would be indistinguishable from a real null result. Meant for reads that
// must be fast; a non-idempotent method runs on every forked provider, by definition.
#pragma once

#include "cluster/cluster_invoker.h"

namespace dubbo::cluster {

class ForkingCluster final : public ClusterInvoker,
                             public std::enable_shared_from_this<ForkingCluster> {
 public:
  using ClusterInvoker::ClusterInvoker;
  Status Configure() override;

 protected:
  void DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                std::shared_ptr<const ProviderList> invokers, rpc::ResponseCallback done) override;

 private:
  int64_t forks_ = 2;
};

}  // namespace dubbo::cluster
