// "roundrobin": Dubbo's smooth weighted round robin (nginx's): on each pick every provider's
// `current` grows by its weight, the largest `current` wins (the first on a tie) and gives back
// the sum of the weights. Weights 5,1,1 give a a b a c a a, then repeat.
//
// State is kept per method and per provider identity (Java's URL.toIdentityString(), so a
// provider keeps its place when an override recreates its invoker); when a provider's weight
// changes (an override, or warm-up) its `current` restarts from 0. When the list's size differs
// from the number of entries, entries not picked from for 60 s are dropped.
//
// Thread-safe: each method has its own mutex, held for one pass over the providers; methods and
// references never share one.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/loadbalance/load_balance.h"
#include "cluster/loadbalance/per_method.h"
#include "cluster/loadbalance/provider_view.h"

namespace dubbo::cluster {

class RoundRobinLoadBalance final : public LoadBalance {
 public:
  static constexpr int64_t kRecyclePeriodMs = 60000;

  std::shared_ptr<ProviderInvoker> Pick(const SelectIn& in) override;

 private:
  struct Entry {
    int32_t weight = 0;
    bool fresh = true;  // not yet given a weight
    int64_t current = 0;
    int64_t last_update_ms = 0;
  };
  struct MethodState {
    std::mutex mu;
    std::unordered_map<std::string, Entry> entries;  // by identity; nodes stay put
    // The entry of each provider of `view`, so an unchanged list needs no string lookups.
    std::shared_ptr<const ProviderView> view;
    std::vector<Entry*> by_index;
  };

  ViewCache views_{ProviderView::Needs{.stats = false, .identities = true}};
  PerMethod<MethodState> states_;
};

}  // namespace dubbo::cluster
