#include "cluster/loadbalance/method_load_balance.h"

#include <charconv>
#include <map>
#include <optional>

#include "cluster/loadbalance/consistent_hash.h"

namespace dubbo::cluster {

namespace {

// "<method>.<suffix>" with a method name (no dots) or `suffix` itself: the method, or "" for the
// plain key; nullopt for anything else.
std::optional<std::string_view> MethodOf(std::string_view key, std::string_view suffix) {
  if (key == suffix) return std::string_view();
  if (key.size() <= suffix.size() + 1 || !key.ends_with(suffix) ||
      key[key.size() - suffix.size() - 1] != '.') {
    return std::nullopt;
  }
  const std::string_view method = key.substr(0, key.size() - suffix.size() - 1);
  if (method.find('.') != std::string_view::npos) return std::nullopt;
  return method;
}

Status CheckInt(const Url& url, const std::string& key, int64_t min, std::string_view what) {
  auto v = url.GetInt(key, 0);
  if (!v.ok()) return v.status();
  if (*v < min) {
    return Status(StatusCode::kInvalidArgument, "parameter " + key + "=" + url.Get(key) +
                                                    " must be at least " + std::to_string(min) +
                                                    " (" + std::string(what) + ")");
  }
  return Status::Ok();
}

}  // namespace

MethodLoadBalance::MethodLoadBalance(
    std::shared_ptr<LoadBalance> fallback,
    std::vector<std::pair<std::string, std::shared_ptr<LoadBalance>>> by_method)
    : fallback_(std::move(fallback)) {
  for (auto& [method, lb] : by_method) by_method_.emplace(std::move(method), std::move(lb));
}

LoadBalance& MethodLoadBalance::For(std::string_view method) const {
  const auto it = by_method_.find(method);
  return *(it != by_method_.end() ? it->second : fallback_);
}

// Pick, not Select: this balancer's Select() already reselects, the method's must not again.
std::shared_ptr<ProviderInvoker> MethodLoadBalance::Pick(const SelectIn& in) {
  return For(in.inv.method).Pick(in);
}

void MethodLoadBalance::Feedback(const CallOutcome& outcome) {
  For(outcome.inv.method).Feedback(outcome);
}

Status ValidateLoadBalanceParameters(const Url& url) {
  for (const auto& [key, value] : url.parameters()) {
    if (value.empty()) continue;  // an empty value means "not set"
    if (MethodOf(key, "hash.nodes")) {
      DUBBO_RETURN_IF_ERROR(ParseHashNodes(key, value));
    } else if (MethodOf(key, "hash.arguments")) {
      DUBBO_RETURN_IF_ERROR(ParseHashArguments(key, value));
    } else if (key == "shortestresponse.slide.period") {
      DUBBO_RETURN_IF_ERROR(CheckInt(url, key, 1, "the shortestresponse window in ms"));
    } else if (MethodOf(key, "weight")) {
      DUBBO_RETURN_IF_ERROR(CheckInt(url, key, INT32_MIN, "a provider weight"));
    } else if (key == "warmup") {
      DUBBO_RETURN_IF_ERROR(CheckInt(url, key, 0, "the warm-up in ms"));
    } else if (key == "timestamp") {
      DUBBO_RETURN_IF_ERROR(CheckInt(url, key, INT64_MIN, "the start time in ms"));
    }
  }
  return Status::Ok();
}

Result<std::shared_ptr<LoadBalance>> MakeLoadBalance(const Url& consumer) {
  DUBBO_RETURN_IF_ERROR(ValidateLoadBalanceParameters(consumer));
  // One instance per name, as Dubbo's extension loader shares them.
  std::map<std::string, std::shared_ptr<LoadBalance>, std::less<>> by_name;
  auto get = [&](const std::string& name) -> Result<std::shared_ptr<LoadBalance>> {
    if (auto it = by_name.find(name); it != by_name.end()) return it->second;
    DUBBO_ASSIGN_OR_RETURN(auto lb, LoadBalances().Create(name));
    by_name.emplace(name, lb);
    return lb;
  };
  DUBBO_ASSIGN_OR_RETURN(auto fallback, get(consumer.Get("loadbalance", "random")));
  std::vector<std::pair<std::string, std::shared_ptr<LoadBalance>>> by_method;
  for (const auto& [key, value] : consumer.parameters()) {
    const auto method = MethodOf(key, "loadbalance");
    if (!method || method->empty() || value.empty()) continue;
    auto lb = get(value);
    if (!lb.ok())
      return Status(StatusCode::kInvalidArgument,
                    "parameter " + key + "=" + value + ": " + lb.status().message());
    by_method.emplace_back(std::string(*method), std::move(*lb));
  }
  if (by_method.empty()) return fallback;
  return std::shared_ptr<LoadBalance>(
      std::make_shared<MethodLoadBalance>(std::move(fallback), std::move(by_method)));
}

}  // namespace dubbo::cluster
