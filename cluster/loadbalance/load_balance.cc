#include "cluster/loadbalance/load_balance.h"

#include <algorithm>
#include <chrono>

namespace dubbo::cluster {

LoadBalanceRegistry& LoadBalances() {
  static LoadBalanceRegistry registry("load balancer");
  return registry;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int32_t Weight(const rpc::Invoker& invoker, std::string_view method, int64_t now_ms) {
  const Url& url = invoker.url();
  auto weight = static_cast<int32_t>(url.GetMethodInt(method, "weight", 100).value_or(100));
  if (weight > 0) {
    const int64_t timestamp = url.GetInt("timestamp", 0).value_or(0);
    if (timestamp > 0) {
      const int64_t uptime = now_ms - timestamp;
      if (uptime < 0) return 1;
      const auto warmup = static_cast<int32_t>(url.GetInt("warmup", 600000).value_or(600000));
      if (uptime > 0 && uptime < warmup) {
        // Java: (int) ((int) uptime / ((float) warmup / weight)) — float arithmetic, truncation.
        const float step = static_cast<float>(warmup) / static_cast<float>(weight);
        const auto ww = static_cast<int32_t>(static_cast<float>(static_cast<int32_t>(uptime)) / step);
        weight = ww < 1 ? 1 : std::min(ww, weight);
      }
    }
  }
  return std::max(weight, 0);
}

}  // namespace dubbo::cluster
