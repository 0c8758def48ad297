#include "cluster/strategy/available.h"

namespace dubbo::cluster {

void AvailableCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                                std::shared_ptr<const ProviderList> invokers,
                                rpc::ResponseCallback done) {
  for (const auto& invoker : *invokers) {
    if (!invoker->IsAvailable()) continue;
    InvokeOnce(shared_from_this(), {std::move(inv), invoker, invokers->size()}, std::move(done),
               &AvailableCluster::ReturnFailure);
    return;
  }
  std::string providers;
  for (const auto& i : *invokers) providers += (providers.empty() ? "" : ", ") + i->url().Address();
  rpc::RpcResult r;
  r.status = Status(StatusCode::kUnavailable,
                    NoProvider(*inv).message() + " (none of [" + providers + "] is available)");
  done(std::move(r));
}

}  // namespace dubbo::cluster
