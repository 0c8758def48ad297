#include "cluster/strategy/available.h"

namespace dubbo::cluster {

void AvailableCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                                std::shared_ptr<const InvokerList> invokers, rpc::ResponseCallback done) {
  for (const auto& invoker : *invokers) {
    if (!invoker->IsAvailable()) continue;
    const size_t listed = invokers->size();
    invoker->Invoke(inv, [self = shared_from_this(), inv, invoker, listed, done = std::move(done)](rpc::RpcResult r) {
      if (!r.status.ok()) r.status = self->Failed(*inv, {invoker.get()}, listed, r.status);
      done(std::move(r));
    });
    return;
  }
  std::string providers;
  for (const auto& i : *invokers) providers += (providers.empty() ? "" : ", ") + i->url().Address();
  rpc::RpcResult r;
  r.status = Status(StatusCode::kUnavailable, NoProvider(*inv).message() + " (none of [" + providers +
                                                  "] is available)");
  done(std::move(r));
}

}  // namespace dubbo::cluster
