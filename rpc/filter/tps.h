// "tps": Dubbo's TpsLimitFilter with DefaultTPSLimiter, a provider filter. Each exported instance
// (service key) admits `tps` calls per fixed window of `tps.interval` ms (default 60000): the
// window starts with `tps` tokens, each call takes one, and the first call after the window has
// passed refills it (Dubbo's StatItem). A call with no token left is rejected before the method
// runs with kLimitExceeded and Dubbo's message ("Failed to invoke service <interface>.<method>
// because exceed max service tps."). Java answers with an exception result; this filter answers
// with wire status 70, so consumers see a failure they may retry elsewhere. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "rpc/provider_filter.h"

namespace dubbo::rpc {

class TpsLimitFilter final : public rpc::ProviderFilter {
 public:
  // Null when `tps` is absent or not above 0; errors name a malformed `tps` or `tps.interval`.
  static Result<std::shared_ptr<rpc::ProviderFilter>> Create(const Url& url);

  Status Before(const rpc::RequestInfo& request) override;

 private:
  TpsLimitFilter(std::string interface, int64_t rate, std::chrono::milliseconds interval);

  const std::string interface_;
  const int64_t rate_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  int64_t tokens_;
  std::chrono::steady_clock::time_point window_start_;
};

}  // namespace dubbo::rpc
