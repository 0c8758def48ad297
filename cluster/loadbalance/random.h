// "random" (Dubbo's default): weighted random by Weight() with warm-up. Uniform when no provider
// URL carries a weight or a timestamp, when every weight is equal, or when they add up to 0.
// Weights are read from the URLs once per invoker list (ProviderView), so a pick costs a binary
// search once every provider has warmed up. Thread-safe.
#pragma once

#include "cluster/loadbalance/load_balance.h"
#include "cluster/loadbalance/provider_view.h"

namespace dubbo::cluster {

class RandomLoadBalance final : public LoadBalance {
 public:
  std::shared_ptr<ProviderInvoker> Pick(const SelectIn& in) override;

 private:
  ViewCache views_;
};

// Dubbo's pick from prefix sums of the weights (total = prefix.back() > 0): the first i with
// offset < prefix[i] for a uniform offset in [0, total); a linear scan for up to 4 providers, a
// binary search beyond.
size_t PickByPrefix(const int64_t* prefix, size_t n, uint64_t offset);

}  // namespace dubbo::cluster
