#include "cluster/loadbalance/random.h"

#include <algorithm>
#include <random>

namespace dubbo::cluster {

namespace {
uint32_t RandomBelow(uint32_t n) {
  thread_local std::minstd_rand rng(std::random_device{}());
  return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng);
}

// Dubbo looks at the first invoker only: an explicit weight or a timestamp means weighted.
bool NeedsWeights(const InvokerList& invokers, std::string_view method) {
  const Url& url = invokers.front()->url();
  return !url.GetMethod(method, "weight").empty() || !url.Get("timestamp").empty();
}
}  // namespace

std::shared_ptr<rpc::Invoker> RandomLoadBalance::Select(const InvokerList& invokers, const Url&,
                                                        const rpc::Invocation& inv) {
  const auto n = static_cast<uint32_t>(invokers.size());
  if (n == 1) return invokers.front();
  if (!NeedsWeights(invokers, inv.method)) return invokers[RandomBelow(n)];
  const int64_t now = NowMillis();
  std::vector<int64_t> prefix(n);
  int64_t total = 0;
  bool same = true;
  for (uint32_t i = 0; i < n; ++i) {
    const int32_t w = Weight(*invokers[i], inv.method, now);
    total += w;
    prefix[i] = total;
    if (same && total != static_cast<int64_t>(w) * (i + 1)) same = false;
  }
  if (total > 0 && !same) {
    const auto offset = static_cast<int64_t>(RandomBelow(static_cast<uint32_t>(std::min<int64_t>(total, UINT32_MAX))));
    const auto it = std::upper_bound(prefix.begin(), prefix.end(), offset);
    return invokers[static_cast<size_t>(it - prefix.begin())];
  }
  return invokers[RandomBelow(n)];
}

}  // namespace dubbo::cluster
