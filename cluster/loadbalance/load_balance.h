// LoadBalance: picks one provider invoker for a call. Plugins are found by Dubbo's names
// ("random", "roundrobin", "leastactive", "shortestresponse", "consistenthash") through
// LoadBalances(); MakeLoadBalance() builds what a consumer URL asks for: `loadbalance`, and
// `<method>.loadbalance` for single methods.
//
// The cluster calls Select() once per attempt with the providers it already tried (brpc's
// SelectIn.excluded); a plugin implements Pick(), its own choice, and Select() wraps it in
// Dubbo's reselect. After each attempt the cluster strategy reports the outcome through
// Feedback() (brpc's LoadBalancer::Feedback), so a balancer that keeps its own state learns of it
// without reaching into the providers.
//
// Implementations are thread-safe: one instance serves every call of a reference.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "cluster/provider_invoker.h"
#include "common/extension.h"
#include "rpc/invoker.h"

namespace dubbo::cluster {

// One pick's input. Everything is borrowed from the caller for the duration of the call.
struct SelectIn {
  const ProviderList& invokers;  // not empty
  const Url& consumer;           // the reference's URL
  const rpc::Invocation& inv;
  // Providers this call already tried (failover, forking), avoided while others qualify; null
  // when there are none.
  const std::vector<ProviderInvoker*>* excluded = nullptr;
  // Whether providers whose IsAvailable() is false are avoided too (`cluster.availablecheck`).
  bool check_available = false;
};

// One attempt's result as a strategy reports it. Borrowed for the duration of Feedback().
struct CallOutcome {
  ProviderInvoker& invoker;  // the provider the attempt went to
  const rpc::Invocation& inv;
  const Status& status;
};

class LoadBalance {
 public:
  virtual ~LoadBalance() = default;

  // Dubbo's select: Pick() over `in.invokers`; when that pick was excluded, is unavailable (with
  // in.check_available) or is not admitted by outlier ejection, Pick() again among up to 10
  // (dubbo.reselect.count) of the others that are none of these, else among excluded providers
  // still available and admitted, else the provider after the first pick.
  std::shared_ptr<ProviderInvoker> Select(const SelectIn& in);
  // Select() with nothing excluded and no availability check: what a balancer alone picks.
  std::shared_ptr<ProviderInvoker> Select(const ProviderList& invokers, const Url& consumer,
                                          const rpc::Invocation& inv) {
    return Select(SelectIn{invokers, consumer, inv});
  }

  // The balancer's own choice: one of `in.invokers` (not empty). It may ignore `in.excluded` and
  // `in.check_available` (Select() picks again when needed) or avoid them itself.
  virtual std::shared_ptr<ProviderInvoker> Pick(const SelectIn& in) = 0;

  // Called once per attempt, on whatever thread completed it; the built-ins read the providers'
  // statistics instead and ignore it.
  virtual void Feedback(const CallOutcome& /*outcome*/) {}
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
int32_t Weight(const ProviderInvoker& invoker, std::string_view method, int64_t now_ms);
int64_t NowMillis();

}  // namespace dubbo::cluster
