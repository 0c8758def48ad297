#include "rpc/filter/accesslog.h"
#include "rpc/filter/executes.h"
#include "rpc/filter/timeout.h"
#include "rpc/filter/token.h"
#include "rpc/filter/tps.h"
#include "rpc/provider_filter.h"

namespace dubbo::rpc {

// Each factory returns a null filter when its URL does not configure it, so an unused filter
// costs nothing.
void RegisterBuiltinProviderFilters() {
  ProviderFilters().RegisterBuiltin("token",
                                    [](const Url& url) { return TokenFilter::Create(url); });
  ProviderFilters().RegisterBuiltin("tps",
                                    [](const Url& url) { return TpsLimitFilter::Create(url); });
  ProviderFilters().RegisterBuiltin("executes",
                                    [](const Url& url) { return ExecuteLimitFilter::Create(url); });
  ProviderFilters().RegisterBuiltin("timeout",
                                    [](const Url& url) { return TimeoutFilter::Create(url); });
  ProviderFilters().RegisterBuiltin(
      "accesslog", [](const Url& url) { return ProviderAccessLogFilter::Create(url); });
}

}  // namespace dubbo::rpc
