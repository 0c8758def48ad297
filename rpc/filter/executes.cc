#include "rpc/filter/executes.h"

namespace dubbo::rpc {

Result<std::shared_ptr<rpc::ProviderFilter>> ExecuteLimitFilter::Create(const Url& url) {
  DUBBO_ASSIGN_OR_RETURN(auto limits, IntMethodTable(url, "executes", 0));
  bool any = limits.fallback() > 0;
  limits.ForEach([&](const std::string&, int64_t v) { any = any || v > 0; });
  if (!any) return std::shared_ptr<rpc::ProviderFilter>();
  return std::shared_ptr<rpc::ProviderFilter>(new ExecuteLimitFilter(url, limits));
}

ExecuteLimitFilter::ExecuteLimitFilter(Url url, const MethodTable<int64_t>& limits)
    : url_(std::move(url)), counters_(url_, limits) {}

ExecuteLimitFilter::Counter& ExecuteLimitFilter::CounterOf(std::string_view method) {
  return counters_.Of(method);
}

Status ExecuteLimitFilter::Before(const rpc::RequestInfo& request) {
  Counter& c = CounterOf(request.method);
  if (c.max <= 0) return Status::Ok();
  int64_t n = c.active.load(std::memory_order_relaxed);
  do {
    if (n >= c.max) {
      Url url = url_;
      if (url.port() == 0) url.set_port(request.port);  // exported before the port was known
      return Status(
          StatusCode::kLimitExceeded,
          "Failed to invoke method " + request.method + " in provider " + url.ToString() +
              ", cause: The service using threads greater than <dubbo:service executes=\"" +
              std::to_string(c.max) + "\" /> limited.");
    }
  } while (!c.active.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel,
                                           std::memory_order_relaxed));
  return Status::Ok();
}

void ExecuteLimitFilter::After(const rpc::RequestInfo& request, const rpc::CallOutcome&) {
  Counter& c = CounterOf(request.method);
  if (c.max > 0) c.active.fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace dubbo::rpc
