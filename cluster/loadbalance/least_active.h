// "leastactive": the provider with the fewest calls of the method in flight (MethodStats.active of
// its ProviderInvoker); among several with that fewest, weighted random when their weights
// (with warm-up) differ, else uniform.
//
// Unlike Java, where RpcStatus counts in-flight calls only when the `actives` filter runs (so
// without `actives` configured every count is 0 and this is weighted random), every
// ProviderInvoker here counts its calls, so the counts are always live. They are per reference
// (Java's are per provider URL across the process). Invokers that are not ProviderInvokers
// count as idle. Thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "cluster/loadbalance/load_balance.h"
#include "cluster/loadbalance/provider_view.h"

namespace dubbo::cluster {

class LeastActiveLoadBalance final : public LoadBalance {
 public:
  std::shared_ptr<ProviderInvoker> Pick(const SelectIn& in) override;

 private:
  ViewCache views_{ProviderView::Needs{.stats = true, .identities = false}};
};

// The tie-break of leastactive and shortestresponse: among `tied` (indexes into `weights`),
// weighted random when `same_weight` is false and `total` (their weights' sum) > 0, else uniform.
size_t PickAmongTied(const std::vector<uint32_t>& tied, const std::vector<int32_t>& weights,
                     int64_t total, bool same_weight);

}  // namespace dubbo::cluster
