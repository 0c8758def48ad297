// LoadBalance: picks one provider invoker for a call. Plugins are found by Dubbo's names
// ("random", "roundrobin", "leastactive", "shortestresponse", "consistenthash") through
// LoadBalances(); MakeLoadBalance() builds what a consumer URL asks for: `loadbalance`, and
// `<method>.loadbalance` for single methods.
//
// Implementations are thread-safe: one instance serves every call of a reference.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/extension.h"
#include "rpc/invoker.h"

namespace dubbo::cluster {

using rpc::InvokerList;

class LoadBalance {
 public:
  virtual ~LoadBalance() = default;
  // `invokers` is not empty; the result is one of them. `consumer` is the reference's URL.
  virtual std::shared_ptr<rpc::Invoker> Select(const InvokerList& invokers, const Url& consumer,
                                               const rpc::Invocation& inv) = 0;
};

using LoadBalanceRegistry = ExtensionRegistry<LoadBalance>;
LoadBalanceRegistry& LoadBalances();

// The balancer of a reference: LoadBalances()'s `loadbalance` (default random), or, when the URL
// has `<method>.loadbalance` keys, one that sends those methods to their own balancers. Checks the
// balancers' parameters on the URL first: a malformed value (hash.nodes=abc) is a
// kInvalidArgument naming the parameter and the value.
Result<std::shared_ptr<LoadBalance>> MakeLoadBalance(const Url& consumer);

// A provider's weight settings as Dubbo reads them from its URL (AbstractLoadBalance.getWeight):
// `<method>.weight` or `weight` (default 100), `timestamp` (when the provider started, ms since
// the epoch; 0 when absent) and `warmup` (default 10 min). A malformed value counts as absent and,
// when `error` is given, is reported there (the first one).
struct WeightSpec {
  int32_t weight = 100;
  int64_t timestamp = 0;
  int32_t warmup = 600000;
};
WeightSpec ReadWeightSpec(const Url& url, std::string_view method, Status* error = nullptr);

// Dubbo's weight with warm-up at `now_ms`: while the provider's uptime (now - timestamp) is
// under `warmup` the weight ramps up as (int)(uptime / ((float)warmup / weight)), clamped to
// [1, weight]; a timestamp in the future gives 1; an uptime of exactly 0 gives the full weight
// (Java's test is 0 < uptime < warmup). Never negative.
int32_t WarmupWeight(const WeightSpec& spec, int64_t now_ms);
// The same from the URL: WarmupWeight(ReadWeightSpec(invoker.url(), method), now_ms).
int32_t Weight(const rpc::Invoker& invoker, std::string_view method, int64_t now_ms);
int64_t NowMillis();

}  // namespace dubbo::cluster
