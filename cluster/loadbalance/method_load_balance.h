// MethodLoadBalance: a reference whose methods use different balancers, as Dubbo allows with
// `<method>.loadbalance` (e.g. sayHello.loadbalance=consistenthash next to loadbalance=random).
// MakeLoadBalance() builds one only when the consumer URL has such a key, so other references pay
// nothing for it. Balancers are shared by name, as Java's extension instances are. Thread-safe:
// immutable after construction.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/loadbalance/load_balance.h"

namespace dubbo::cluster {

class MethodLoadBalance final : public LoadBalance {
 public:
  MethodLoadBalance(std::shared_ptr<LoadBalance> fallback,
                    std::vector<std::pair<std::string, std::shared_ptr<LoadBalance>>> by_method);

  std::shared_ptr<ProviderInvoker> Pick(const SelectIn& in) override;
  void Feedback(const CallOutcome& outcome) override;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::shared_ptr<LoadBalance> fallback_;
  LoadBalance& For(std::string_view method) const;

  std::unordered_map<std::string, std::shared_ptr<LoadBalance>, Hash, std::equal_to<>> by_method_;
};

// Checks every balancer parameter on `url` (also in their `<method>.` forms): hash.nodes,
// hash.arguments, shortestresponse.slide.period, weight, warmup, timestamp. The error names the
// parameter and its value.
Status ValidateLoadBalanceParameters(const Url& url);

}  // namespace dubbo::cluster
