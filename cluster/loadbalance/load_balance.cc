#include "cluster/loadbalance/load_balance.h"

#include <algorithm>
#include <chrono>
#include <limits>

namespace dubbo::cluster {

namespace {
int32_t ClampInt32(int64_t v) {
  return static_cast<int32_t>(std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}
}  // namespace

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

int32_t Weight(const rpc::Invoker& invoker, std::string_view method, int64_t now_ms) {
  return WarmupWeight(ReadWeightSpec(invoker.url(), method), now_ms);
}

}  // namespace dubbo::cluster
