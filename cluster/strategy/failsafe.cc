#include "cluster/strategy/failsafe.h"

#include "common/log.h"

namespace dubbo::cluster {

void FailsafeCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                               std::shared_ptr<const ProviderList> invokers,
                               rpc::ResponseCallback done) {
  auto invoker = Select(*inv, *invokers, {});
  InvokeOnce(shared_from_this(), {std::move(inv), std::move(invoker), invokers->size()},
             std::move(done), &FailsafeCluster::OnFailure);
}

void FailsafeCluster::OnFailure(const Attempt& a, rpc::RpcResult r,
                                rpc::ResponseCallback done) const {
  LogError() << "Failsafe ignore exception: " << Failed(a, r.status).message();
  ReturnEmpty(a, std::move(r), std::move(done));
}

}  // namespace dubbo::cluster
