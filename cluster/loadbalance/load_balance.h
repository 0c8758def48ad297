// LoadBalance: picks one provider invoker for a call. Plugins are found by Dubbo's names
// ("random", "roundrobin", "leastactive", "shortestresponse", "consistenthash") through
// LoadBalances(); the consumer's `loadbalance` parameter (per method too) chooses one.
//
// Implementations are thread-safe: one instance serves every call of a reference.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "cluster/directory.h"
#include "common/extension.h"
#include "rpc/invoker.h"

namespace dubbo::cluster {

class LoadBalance {
 public:
  virtual ~LoadBalance() = default;
  // `invokers` is not empty. `consumer` is the reference's URL.
  virtual std::shared_ptr<rpc::Invoker> Select(const InvokerList& invokers, const Url& consumer,
                                               const rpc::Invocation& inv) = 0;
};

using LoadBalanceRegistry = ExtensionRegistry<LoadBalance>;
LoadBalanceRegistry& LoadBalances();

// Dubbo's weight with warm-up (AbstractLoadBalance.getWeight): `<method>.weight` or `weight`
// (default 100); while the provider's uptime (now - `timestamp`) is under `warmup` (default
// 10 min) the weight ramps up as (int)(uptime / ((float)warmup / weight)), clamped to [1, weight];
// a timestamp in the future gives 1. Never negative.
int32_t Weight(const rpc::Invoker& invoker, std::string_view method, int64_t now_ms);
int64_t NowMillis();

}  // namespace dubbo::cluster
