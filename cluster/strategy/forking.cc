#include "cluster/strategy/forking.h"

#include <atomic>

namespace dubbo::cluster {

Status ForkingCluster::Configure() {
  DUBBO_RETURN_IF_ERROR(ClusterInvoker::Configure());
  DUBBO_ASSIGN_OR_RETURN(forks_, url().GetInt("forks", 2));
  return Status::Ok();
}

void ForkingCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                              std::shared_ptr<const ProviderList> invokers,
                              rpc::ResponseCallback done) {
  ProviderList selected;
  if (forks_ <= 0 || static_cast<size_t>(forks_) >= invokers->size()) {
    selected = *invokers;
  } else {
    // As Dubbo: `forks` selections avoiding those already selected; a repeat is dropped.
    std::vector<ProviderInvoker*> chosen;
    for (int64_t k = 0; k < forks_; ++k) {
      auto invoker = Select(*inv, *invokers, chosen);
      if (std::find(chosen.begin(), chosen.end(), invoker.get()) != chosen.end()) continue;
      chosen.push_back(invoker.get());
      selected.push_back(std::move(invoker));
    }
  }
  struct Race {
    rpc::ResponseCallback done;
    std::atomic<size_t> failures{0};
    std::atomic<bool> finished{false};
  };
  auto race = std::make_shared<Race>();
  race->done = std::move(done);
  auto all = std::make_shared<const ProviderList>(std::move(selected));
  const size_t listed = invokers->size();
  for (const auto& invoker : *all) {
    invoker->Invoke(inv, [self = shared_from_this(), race, all, inv, listed,
                          via = invoker.get()](rpc::RpcResult r) {
      self->Report(*via, *inv, r.status);  // `all` keeps `via` alive
      if (r.status.ok()) {
        if (!race->finished.exchange(true)) race->done(std::move(r));
        return;
      }
      // The failure that completes the set is the last one.
      if (race->failures.fetch_add(1) + 1 == all->size() && !race->finished.exchange(true)) {
        r.status = self->Failed(*inv, *all, listed, r.status, "all forked calls failed");
        race->done(std::move(r));
      }
    });
  }
}

}  // namespace dubbo::cluster
