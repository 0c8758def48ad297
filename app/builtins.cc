// Every built-in plugin registered in one place, once per process (brpc's GlobalInitializeOrDie).
// Serializations are not here: SerializationRegistry::Global() is born with hessian2 and msgpack.
#include <mutex>

#include "app/application.h"
#include "cluster/cluster_invoker.h"
#include "metrics/metrics_filter.h"
#include "registry/registry.h"
#include "rpc/provider_filter.h"

namespace dubbo {

void RegisterBuiltins() {
  static std::once_flag once;
  std::call_once(once, [] {
    registry::RegisterBuiltinRegistries();
    rpc::RegisterBuiltinProviderFilters();
    cluster::RegisterBuiltinLoadBalances();
    cluster::RegisterBuiltinStrategies();
    cluster::RegisterBuiltinFilters();
    metrics::RegisterMetricsFilters();
  });
}

}  // namespace dubbo
