#include "cluster/strategy/failover.h"

namespace dubbo::cluster {

struct FailoverCluster::Attempt {
  std::shared_ptr<const rpc::Invocation> inv;
  rpc::ResponseCallback done;
  ProviderList tried;  // kept alive for the message
  size_t max_attempts = 1;
  size_t listed = 0;
};

void FailoverCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                               std::shared_ptr<const ProviderList> invokers,
                               rpc::ResponseCallback done) {
  auto attempt = std::make_shared<Attempt>();
  const int32_t retries = Retries(*inv, 2);
  attempt->max_attempts = retries < 0 ? 1 : static_cast<size_t>(retries) + 1;
  attempt->inv = std::move(inv);
  attempt->done = std::move(done);
  Try(std::move(attempt), std::move(invokers));
}

void FailoverCluster::Try(std::shared_ptr<Attempt> attempt,
                          std::shared_ptr<const ProviderList> invokers) {
  std::vector<ProviderInvoker*> tried;
  tried.reserve(attempt->tried.size());
  for (const auto& i : attempt->tried) tried.push_back(i.get());
  auto invoker = Select(*attempt->inv, *invokers, tried);
  attempt->listed = invokers->size();
  attempt->tried.push_back(invoker);
  invoker->Invoke(attempt->inv, [self = shared_from_this(), attempt](rpc::RpcResult r) mutable {
    self->OnResult(std::move(attempt), std::move(r));
  });
}

void FailoverCluster::OnResult(std::shared_ptr<Attempt> attempt, rpc::RpcResult r) {
  Report(*attempt->tried.back(), *attempt->inv, r.status);
  if (r.status.ok()) {
    attempt->done(std::move(r));
    return;
  }
  const rpc::Invocation& inv = *attempt->inv;
  std::string stop;
  if (attempt->tried.size() >= attempt->max_attempts) {
    // A single planned attempt reports the provider's own error, as it was (dubboctl prints it).
    if (attempt->max_attempts > 1)
      r.status = Failed(inv, attempt->tried, attempt->listed, r.status);
    attempt->done(std::move(r));
    return;
  }
  if (stop = NotResendable(inv, r.status); stop.empty() && !budget().TryRetry()) {
    stop = "not retried: the retry budget of the reference is spent (retry.budget.percent=" +
           std::to_string(budget().options().percent) + " of the calls over the last " +
           std::to_string(budget().options().window_ms) + " ms)";
  }
  if (!stop.empty()) {
    r.status = Failed(inv, attempt->tried, attempt->listed, r.status, stop);
    attempt->done(std::move(r));
    return;
  }
  auto fresh = directory_->List();
  if (fresh->empty()) {
    r.status = Failed(inv, attempt->tried, attempt->listed, r.status, NoProvider(inv).message());
    attempt->done(std::move(r));
    return;
  }
  Try(std::move(attempt), std::move(fresh));
}

}  // namespace dubbo::cluster
