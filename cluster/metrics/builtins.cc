#include "cluster/cluster_invoker.h"
#include "cluster/metrics/metrics_filter.h"

namespace dubbo::cluster {

// The "metrics" consumer and provider filters, both feeding MetricsRegistry::Global().
void RegisterMetrics() {
  Filters().Register("metrics", [](const Url& url) -> Result<std::shared_ptr<Filter>> {
    return std::shared_ptr<Filter>(std::make_shared<ConsumerMetricsFilter>(url));
  });
  rpc::ProviderFilters().Register("metrics", [](const Url& url) -> Result<std::shared_ptr<rpc::ProviderFilter>> {
    return std::shared_ptr<rpc::ProviderFilter>(std::make_shared<ProviderMetricsFilter>(url));
  });
}

}  // namespace dubbo::cluster
