#include "cluster/strategy/failfast.h"

namespace dubbo::cluster {

void FailfastCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                               std::shared_ptr<const ProviderList> invokers,
                               rpc::ResponseCallback done) {
  auto invoker = Select(*inv, *invokers, {});
  InvokeOnce(shared_from_this(), {std::move(inv), std::move(invoker), invokers->size()},
             std::move(done), &FailfastCluster::ReturnFailure);
}

}  // namespace dubbo::cluster
