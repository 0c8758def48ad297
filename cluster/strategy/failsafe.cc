#include "cluster/strategy/failsafe.h"

#include "common/log.h"

namespace dubbo::cluster {

void FailsafeCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                               std::shared_ptr<const InvokerList> invokers, rpc::ResponseCallback done) {
  auto invoker = Select(*inv, *invokers, {});
  const size_t listed = invokers->size();
  invoker->Invoke(inv, [self = shared_from_this(), inv, invoker, listed, done = std::move(done)](rpc::RpcResult r) {
    if (r.status.ok()) {
      done(std::move(r));
      return;
    }
    LogError() << "Failsafe ignore exception: " << self->Failed(*inv, {invoker.get()}, listed, r.status).message();
    rpc::RpcResult empty = self->EmptyResult(invoker.get());
    empty.remote = std::move(r.remote);
    done(std::move(empty));
  });
}

}  // namespace dubbo::cluster
