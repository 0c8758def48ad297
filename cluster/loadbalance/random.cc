#include "cluster/loadbalance/random.h"

#include <algorithm>

namespace dubbo::cluster {

size_t PickByPrefix(const int64_t* prefix, size_t n, uint64_t offset) {
  const auto o = static_cast<int64_t>(offset);
  if (n <= 4) {
    for (size_t i = 0; i < n; ++i)
      if (o < prefix[i]) return i;
    return n - 1;
  }
  return static_cast<size_t>(std::upper_bound(prefix, prefix + n, o) - prefix);
}

std::shared_ptr<ProviderInvoker> RandomLoadBalance::Pick(const SelectIn& in) {
  const ProviderList& invokers = in.invokers;
  const rpc::Invocation& inv = in.inv;
  const size_t n = invokers.size();
  if (n == 1) return invokers.front();
  const auto view = views_.Get(invokers, inv.method);
  if (!view->weighted()) return invokers[RandomBelow(n)];
  const int64_t now = NowMillis();
  if (!view->warming(now)) {
    const auto& prefix = view->final_prefix();
    if (view->final_equal() || prefix.back() <= 0) return invokers[RandomBelow(n)];
    return invokers[PickByPrefix(prefix.data(), n,
                                 RandomBelow(static_cast<uint64_t>(prefix.back())))];
  }
  thread_local std::vector<int64_t> prefix;
  prefix.resize(n);
  int64_t total = 0;
  bool same = true;
  for (size_t i = 0; i < n; ++i) {
    const int32_t w = view->WeightAt(i, now);
    total += w;
    prefix[i] = total;
    if (same && total != static_cast<int64_t>(w) * static_cast<int64_t>(i + 1)) same = false;
  }
  if (total > 0 && !same)
    return invokers[PickByPrefix(prefix.data(), n, RandomBelow(static_cast<uint64_t>(total)))];
  return invokers[RandomBelow(n)];
}

}  // namespace dubbo::cluster
