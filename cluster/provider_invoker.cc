#include "cluster/provider_invoker.h"

#include "cluster/filter.h"

namespace dubbo::cluster {

ProviderInvoker::ProviderInvoker(std::shared_ptr<rpc::Invoker> channel, std::shared_ptr<rpc::Invoker> chain)
    : channel_(std::move(channel)), chain_(std::move(chain)) {}

bool ProviderInvoker::IsAvailable() const { return chain_->IsAvailable(); }

MethodStats& ProviderInvoker::Stats(std::string_view method) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = methods_.find(method);
  if (it == methods_.end()) it = methods_.emplace(std::string(method), std::make_unique<MethodStats>()).first;
  return *it->second;
}

void ProviderInvoker::Invoke(std::shared_ptr<const rpc::Invocation> inv, rpc::ResponseCallback done) {
  MethodStats& m = Stats(inv->method);
  m.active.fetch_add(1, std::memory_order_relaxed);
  totals_.active.fetch_add(1, std::memory_order_relaxed);
  const auto start = std::chrono::steady_clock::now();
  // The directory may drop this provider while the call is in flight: keep it alive.
  chain_->Invoke(std::move(inv), [self = shared_from_this(), &m, start, done = std::move(done)](rpc::RpcResult r) {
    self->Record(m, std::chrono::steady_clock::now() - start, r.status.ok());
    done(std::move(r));
  });
}

void ProviderInvoker::Record(MethodStats& m, std::chrono::steady_clock::duration elapsed, bool ok) {
  const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  for (MethodStats* s : {&m, &totals_}) {
    s->active.fetch_sub(1, std::memory_order_relaxed);
    if (!ok) {
      s->failed.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    s->succeeded.fetch_add(1, std::memory_order_relaxed);
    s->succeeded_elapsed_us.fetch_add(us, std::memory_order_relaxed);
    s->window_succeeded.fetch_add(1, std::memory_order_relaxed);
    s->window_elapsed_us.fetch_add(us, std::memory_order_relaxed);
  }
}

const std::vector<std::string>& ProviderLevelFilterNames() {
  static const std::vector<std::string> kNames = {"actives", "metrics"};
  return kNames;
}

Result<std::shared_ptr<ProviderInvoker>> MakeProviderInvoker(std::shared_ptr<rpc::Invoker> channel) {
  DUBBO_ASSIGN_OR_RETURN(auto chain, WrapWithFilters(channel, ProviderLevelFilterNames(), channel->url(),
                                                     "reference.filter"));
  return std::make_shared<ProviderInvoker>(std::move(channel), std::move(chain));
}

MethodStats* StatsOf(rpc::Invoker& invoker, std::string_view method) {
  auto* p = dynamic_cast<ProviderInvoker*>(&invoker);
  return p != nullptr ? &p->Stats(method) : nullptr;
}

}  // namespace dubbo::cluster
