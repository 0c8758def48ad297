#include "cluster/loadbalance/round_robin.h"

#include <limits>

namespace dubbo::cluster {

std::shared_ptr<ProviderInvoker> RoundRobinLoadBalance::Pick(const SelectIn& in) {
  const ProviderList& invokers = in.invokers;
  const rpc::Invocation& inv = in.inv;
  const size_t n = invokers.size();
  if (n == 1) return invokers.front();
  auto view = views_.Get(invokers, inv.method);
  MethodState& state = states_.Get(inv.method);
  const int64_t now = NowMillis();

  std::lock_guard<std::mutex> lock(state.mu);
  if (state.view != view) {
    state.by_index.resize(n);
    for (size_t i = 0; i < n; ++i) state.by_index[i] = &state.entries[view->identity(i)];
    state.view = std::move(view);
  }
  int64_t total = 0;
  int64_t max_current = std::numeric_limits<int64_t>::min();
  size_t selected = 0;
  for (size_t i = 0; i < n; ++i) {
    const int32_t weight = state.view->WeightAt(i, now);
    Entry& e = *state.by_index[i];
    if (e.fresh || weight != e.weight) {
      e.weight = weight;
      e.current = 0;
      e.fresh = false;
    }
    e.current += weight;
    e.last_update_ms = now;
    if (e.current > max_current) {
      max_current = e.current;
      selected = i;
    }
    total += weight;
  }
  if (state.entries.size() != n) {
    // Entries of this list were updated just now, so by_index never points at an erased one.
    std::erase_if(state.entries, [now](const auto& kv) {
      return now - kv.second.last_update_ms > kRecyclePeriodMs;
    });
  }
  state.by_index[selected]->current -= total;
  return invokers[selected];
}

}  // namespace dubbo::cluster
