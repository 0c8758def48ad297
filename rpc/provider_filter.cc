#include "rpc/provider_filter.h"

#include "common/name_list.h"

namespace dubbo::rpc {

ProviderFilterRegistry& ProviderFilters() {
  static ProviderFilterRegistry registry("provider filter");
  return registry;
}

const std::vector<std::string>& DefaultProviderFilterNames() {
  // Dubbo's provider order: metrics outermost (as Java's MetricsFilter, order MIN_VALUE + n), so
  // that rejections are counted too; then reject cheaply first.
  static const std::vector<std::string> kNames = {"metrics",  "token",   "tps",
                                                  "executes", "timeout", "accesslog"};
  return kNames;
}

Result<std::shared_ptr<const ProviderFilterChain>> BuildProviderFilters(const Url& provider) {
  std::vector<std::string> defaults;
  for (const auto& n : DefaultProviderFilterNames())
    if (ProviderFilters().Contains(n)) defaults.push_back(n);
  auto chain = std::make_shared<ProviderFilterChain>();
  for (const auto& n : ResolveNameList(defaults, provider.Get("service.filter"))) {
    DUBBO_ASSIGN_OR_RETURN(auto filter, ProviderFilters().Create(n, provider));
    if (filter) chain->push_back(std::move(filter));
  }
  return std::shared_ptr<const ProviderFilterChain>(std::move(chain));
}

}  // namespace dubbo::rpc
