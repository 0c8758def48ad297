#include "cluster/cluster_invoker.h"
#include "cluster/filter.h"
#include "cluster/filter/accesslog.h"
#include "cluster/filter/actives.h"
#include "cluster/filter/executes.h"
#include "cluster/filter/mock.h"
#include "cluster/filter/timeout.h"
#include "cluster/filter/token.h"
#include "cluster/filter/tps.h"

namespace dubbo::cluster {

// Consumer filters (Filters()) and provider filters (rpc::ProviderFilters()). Each factory
// returns a null filter when its URL does not configure it, so an unused filter costs nothing.
void RegisterBuiltinFilters() {
  Filters().Register("actives", [](const Url& url) { return ActiveLimitFilter::Create(url); });
  Filters().Register("accesslog", [](const Url& url) { return ConsumerAccessLogFilter::Create(url); });
  Filters().Register("mock", [](const Url& url) { return MockFilter::Create(url); });

  rpc::ProviderFilters().Register("token", [](const Url& url) { return TokenFilter::Create(url); });
  rpc::ProviderFilters().Register("tps", [](const Url& url) { return TpsLimitFilter::Create(url); });
  rpc::ProviderFilters().Register("executes", [](const Url& url) { return ExecuteLimitFilter::Create(url); });
  rpc::ProviderFilters().Register("timeout", [](const Url& url) { return TimeoutFilter::Create(url); });
  rpc::ProviderFilters().Register("accesslog", [](const Url& url) { return ProviderAccessLogFilter::Create(url); });
}

}  // namespace dubbo::cluster
