#include "cluster/loadbalance/load_balance.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>

#include "cluster/provider_invoker.h"

namespace dubbo::cluster {

namespace {
int32_t ClampInt32(int64_t v) {
  return static_cast<int32_t>(std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}

bool Excluded(const SelectIn& in, const ProviderInvoker* i) {
  return in.excluded != nullptr &&
         std::find(in.excluded->begin(), in.excluded->end(), i) != in.excluded->end();
}

// Outlier ejection's say: one relaxed load unless the provider was ejected lately.
bool Admitted(ProviderInvoker& i) { return i.Admit(); }

constexpr size_t kReselectCount = 10;  // dubbo.reselect.count
}  // namespace

std::shared_ptr<ProviderInvoker> LoadBalance::Select(const SelectIn& in) {
  std::shared_ptr<ProviderInvoker> pick = Pick(in);
  const bool admitted = Admitted(*pick);
  if (admitted && !Excluded(in, pick.get()) && (!in.check_available || pick->IsAvailable())) {
    return pick;
  }
  // Reselect. Skip the first pick only when ejection refused it: an excluded or unavailable one
  // is skipped by the checks below anyway.
  const ProviderInvoker* skip = admitted ? nullptr : pick.get();
  const ProviderList& invokers = in.invokers;
  ProviderList candidates;
  auto consider = [&](const std::shared_ptr<ProviderInvoker>& i) {
    if (i.get() == skip || (in.check_available && !i->IsAvailable()) || Excluded(in, i.get()) ||
        !Admitted(*i))
      return;
    if (std::find(candidates.begin(), candidates.end(), i) == candidates.end())
      candidates.push_back(i);
  };
  if (kReselectCount >= invokers.size()) {
    for (const auto& i : invokers) consider(i);
  } else {
    thread_local std::minstd_rand rng(std::random_device{}());
    for (size_t k = 0; k < kReselectCount; ++k) consider(invokers[rng() % invokers.size()]);
  }
  if (candidates.empty()) {
    // Nothing untried qualifies: fall back to tried ones that are available.
    for (const auto& i : invokers)
      if (Excluded(in, i.get()) && i->IsAvailable() && Admitted(*i)) candidates.push_back(i);
  }
  if (!candidates.empty()) return Pick(SelectIn{candidates, in.consumer, in.inv});
  const auto at = std::find(invokers.begin(), invokers.end(), pick) - invokers.begin();
  return invokers[static_cast<size_t>(at + 1) % invokers.size()];
}

LoadBalanceRegistry& LoadBalances() {
  static LoadBalanceRegistry registry("load balancer");
  return registry;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

WeightSpec ReadWeightSpec(const Url& url, std::string_view method, Status* error) {
  WeightSpec spec;
  auto value = [&](Result<int64_t> r, int64_t fallback) {
    if (r.ok()) return *r;
    if (error != nullptr && error->ok()) *error = r.status();
    return fallback;
  };
  spec.weight = ClampInt32(value(url.GetMethodInt(method, "weight", 100), 100));
  spec.timestamp = value(url.GetInt("timestamp", 0), 0);
  spec.warmup = ClampInt32(value(url.GetInt("warmup", 600000), 600000));
  return spec;
}

int32_t WarmupWeight(const WeightSpec& spec, int64_t now_ms) {
  int32_t weight = spec.weight;
  if (weight > 0 && spec.timestamp > 0) {
    const int64_t uptime = now_ms - spec.timestamp;
    if (uptime < 0) return 1;
    if (uptime > 0 && uptime < spec.warmup) {
      // Java: (int) ((int) uptime / ((float) warmup / weight)) — float arithmetic, truncation.
      const float step = static_cast<float>(spec.warmup) / static_cast<float>(weight);
      const auto ww = static_cast<int32_t>(static_cast<float>(static_cast<int32_t>(uptime)) / step);
      weight = ww < 1 ? 1 : std::min(ww, weight);
    }
  }
  return std::max(weight, 0);
}

int32_t Weight(const ProviderInvoker& invoker, std::string_view method, int64_t now_ms) {
  return WarmupWeight(ReadWeightSpec(invoker.url(), method), now_ms);
}

}  // namespace dubbo::cluster
