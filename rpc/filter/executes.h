// "executes": Dubbo's ExecuteLimitFilter, a provider filter. At most `executes` calls of a method
// (`<method>.executes` per method; 0 or less: no limit) run at once in one exported instance; a
// call over the limit is rejected at once, before the method runs, with kLimitExceeded and
// Dubbo's message ("... The service using threads greater than <dubbo:service executes="N" />
// limited."). The consumer receives it as wire status 70 (SERVICE_ERROR), as from Java.
// Thread-safe: counters are atomics, the per-method table is fixed at creation.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rpc/method_table.h"
#include "rpc/provider_filter.h"

namespace dubbo::rpc {

class ExecuteLimitFilter final : public rpc::ProviderFilter {
 public:
  // Null when neither `executes` nor any `<method>.executes` is above 0.
  static Result<std::shared_ptr<rpc::ProviderFilter>> Create(const Url& url);

  Status Before(const rpc::RequestInfo& request) override;
  void After(const rpc::RequestInfo& request, const rpc::CallOutcome& outcome) override;

 private:
  struct Counter {
    explicit Counter(int64_t m) : max(m) {}
    const int64_t max;
    std::atomic<int64_t> active{0};
  };
  ExecuteLimitFilter(Url url, const MethodTable<int64_t>& limits);
  Counter& CounterOf(std::string_view method);

  const Url url_;
  MethodStates<Counter> counters_;
};

}  // namespace dubbo::rpc
