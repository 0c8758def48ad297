#include "cluster/cluster_invoker.h"
#include "cluster/filter.h"
#include "cluster/filter/accesslog.h"
#include "cluster/filter/actives.h"
#include "cluster/filter/mock.h"

namespace dubbo::cluster {

// Each factory returns a null filter when its URL does not configure it, so an unused filter
// costs nothing.
void RegisterBuiltinFilters() {
  Filters().RegisterBuiltin("actives",
                            [](const Url& url) { return ActiveLimitFilter::Create(url); });
  Filters().RegisterBuiltin("accesslog",
                            [](const Url& url) { return ConsumerAccessLogFilter::Create(url); });
  Filters().RegisterBuiltin("mock", [](const Url& url) { return MockFilter::Create(url); });
}

}  // namespace dubbo::cluster
