#include "cluster/loadbalance/least_active.h"

namespace dubbo::cluster {

size_t PickAmongTied(const std::vector<uint32_t>& tied, const std::vector<int32_t>& weights,
                     int64_t total, bool same_weight) {
  if (tied.size() == 1) return tied.front();
  if (!same_weight && total > 0) {
    auto offset = static_cast<int64_t>(RandomBelow(static_cast<uint64_t>(total)));
    for (const uint32_t i : tied) {
      offset -= weights[i];
      if (offset < 0) return i;
    }
  }
  return tied[RandomBelow(tied.size())];
}

std::shared_ptr<ProviderInvoker> LeastActiveLoadBalance::Pick(const SelectIn& in) {
  const ProviderList& invokers = in.invokers;
  const rpc::Invocation& inv = in.inv;
  const size_t n = invokers.size();
  if (n == 1) return invokers.front();
  const auto view = views_.Get(invokers, inv.method);
  const int64_t now = NowMillis();
  thread_local std::vector<uint32_t> tied;
  thread_local std::vector<int32_t> weights;
  tied.clear();
  weights.resize(n);
  int32_t least = -1;
  int64_t total = 0;
  bool same = true;
  for (size_t i = 0; i < n; ++i) {
    const MethodStats* stats = view->stats(i);
    const int32_t active = stats != nullptr ? stats->active.load(std::memory_order_relaxed) : 0;
    const int32_t w = view->WeightAt(i, now);
    weights[i] = w;
    if (least == -1 || active < least) {
      least = active;
      tied.assign(1, static_cast<uint32_t>(i));
      total = w;
      same = true;
    } else if (active == least) {
      tied.push_back(static_cast<uint32_t>(i));
      total += w;
      if (same && w != weights[tied.front()]) same = false;
    }
  }
  return invokers[PickAmongTied(tied, weights, total, same)];
}

}  // namespace dubbo::cluster
