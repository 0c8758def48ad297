#include "cluster/strategy/broadcast.h"

#include "common/log.h"
#include "rpc/result.h"

namespace dubbo::cluster {

struct BroadcastCluster::Round {
  std::shared_ptr<const rpc::Invocation> inv;
  std::shared_ptr<const ProviderList> invokers;
  rpc::ResponseCallback done;
  size_t next = 0;
  size_t failures = 0;
  size_t threshold = 0;
  rpc::RpcResult last;          // the last result
  rpc::RpcResult last_failure;  // the last failed one (status or business exception)
  bool failed = false;
};

Status BroadcastCluster::Configure() {
  DUBBO_RETURN_IF_ERROR(ClusterInvoker::Configure());
  DUBBO_ASSIGN_OR_RETURN(const int64_t percent, url().GetInt("broadcast.fail.percent", 100));
  if (percent < 0 || percent > 100) {
    // Dubbo's reaction to an out-of-range value: a log line, and the default.
    LogWarning() << "The value corresponding to the broadcast.fail.percent parameter must be "
                    "between 0 and 100. "
                    "The current setting is "
                 << percent << ", which is reset to 100.";
    fail_percent_ = 100;
  } else {
    fail_percent_ = static_cast<int32_t>(percent);
  }
  return Status::Ok();
}

void BroadcastCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                                std::shared_ptr<const ProviderList> invokers,
                                rpc::ResponseCallback done) {
  auto round = std::make_shared<Round>();
  round->threshold = invokers->size() * static_cast<size_t>(fail_percent_) / 100;
  round->inv = std::move(inv);
  round->invokers = std::move(invokers);
  round->done = std::move(done);
  Next(std::move(round));
}

void BroadcastCluster::Next(std::shared_ptr<Round> round) {
  if (round->next == round->invokers->size()) {
    round->done(std::move(round->failed ? round->last_failure : round->last));
    return;
  }
  const auto& invoker = (*round->invokers)[round->next++];
  invoker->Invoke(round->inv, [self = shared_from_this(), round,
                               invoker](rpc::RpcResult r) mutable {
    self->Report(*invoker, *round->inv, r.status);
    const bool failed = !r.status.ok() || rpc::IsException(r);
    if (failed) {
      if (!r.status.ok()) {
        r.status = self->Failed(*round->inv, {invoker.get()}, round->invokers->size(), r.status);
      }
      LogWarning() << "broadcast " << round->inv->method << " to " << invoker->url().Address()
                   << " failed: "
                   << (r.status.ok() ? std::string("business exception") : r.status.message());
      round->failed = true;
      round->last_failure = r;
      // Dubbo 3 counts first, then compares for equality: a threshold of 0 never stops the round.
      if (++round->failures == round->threshold) round->next = round->invokers->size();
    }
    round->last = std::move(r);
    self->Next(std::move(round));
  });
}

}  // namespace dubbo::cluster
