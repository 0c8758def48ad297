#include "cluster/strategy/failfast.h"

namespace dubbo::cluster {

void FailfastCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                               std::shared_ptr<const InvokerList> invokers, rpc::ResponseCallback done) {
  auto invoker = Select(*inv, *invokers, {});
  const size_t listed = invokers->size();
  invoker->Invoke(inv, [self = shared_from_this(), inv, invoker, listed, done = std::move(done)](rpc::RpcResult r) {
    if (!r.status.ok()) r.status = self->Failed(*inv, {invoker.get()}, listed, r.status);
    done(std::move(r));
  });
}

}  // namespace dubbo::cluster
