#include "metrics/metrics_filter.h"

namespace dubbo::metrics {

void RegisterMetricsFilters() {
  cluster::Filters().RegisterBuiltin(
      "metrics", [](const Url& url) -> Result<std::shared_ptr<cluster::Filter>> {
        return std::shared_ptr<cluster::Filter>(std::make_shared<ConsumerMetricsFilter>(url));
      });
  rpc::ProviderFilters().RegisterBuiltin(
      "metrics", [](const Url& url) -> Result<std::shared_ptr<rpc::ProviderFilter>> {
        return std::shared_ptr<rpc::ProviderFilter>(std::make_shared<ProviderMetricsFilter>(url));
      });
}

}  // namespace dubbo::metrics
