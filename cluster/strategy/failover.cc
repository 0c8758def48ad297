#include "cluster/strategy/failover.h"

namespace dubbo::cluster {

struct FailoverCluster::Attempt {
  std::shared_ptr<const rpc::Invocation> inv;
  rpc::ResponseCallback done;
  std::vector<std::shared_ptr<rpc::Invoker>> tried;  // kept alive for the message
  size_t max_attempts = 1;
  size_t listed = 0;
};

void FailoverCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                               std::shared_ptr<const InvokerList> invokers, rpc::ResponseCallback done) {
  auto attempt = std::make_shared<Attempt>();
  const int64_t retries = url().GetMethodInt(inv->method, "retries", 2).value_or(2);
  attempt->max_attempts = retries < 0 ? 1 : static_cast<size_t>(retries) + 1;
  attempt->inv = std::move(inv);
  attempt->done = std::move(done);
  Try(std::move(attempt), std::move(invokers));
}

void FailoverCluster::Try(std::shared_ptr<Attempt> attempt, std::shared_ptr<const InvokerList> invokers) {
  std::vector<rpc::Invoker*> tried;
  for (const auto& i : attempt->tried) tried.push_back(i.get());
  auto invoker = Select(*attempt->inv, *invokers, tried);
  attempt->listed = invokers->size();
  attempt->tried.push_back(invoker);
  invoker->Invoke(attempt->inv, [self = shared_from_this(), attempt](rpc::RpcResult r) mutable {
    if (r.status.ok() || attempt->tried.size() >= attempt->max_attempts) {
      if (!r.status.ok() && attempt->max_attempts > 1) {
        std::vector<rpc::Invoker*> all;
        for (const auto& i : attempt->tried) all.push_back(i.get());
        r.status = self->Failed(*attempt->inv, all, attempt->listed, r.status);
      }
      attempt->done(std::move(r));
      return;
    }
    auto fresh = self->directory_->List();
    if (fresh->empty()) {
      r.status = self->NoProvider(*attempt->inv);
      attempt->done(std::move(r));
      return;
    }
    self->Try(std::move(attempt), std::move(fresh));
  });
}

}  // namespace dubbo::cluster
