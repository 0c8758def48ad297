// The "metrics" filters: the consumer one (a cluster::Filter in each provider invoker's chain)
// and the provider one (an rpc::ProviderFilter around each exported instance) count every call
// into MetricsRegistry::Global() under the URL's application, interface, group and version.
//
// Per call they cost a method lookup in a table built when the filter is (the URL's `methods`),
// a few relaxed atomic adds and, on the consumer, two clock reads; methods the URL does not list
// ($invoke, $echo, a direct URL without `methods`) are resolved once under a lock and read
// under a shared lock afterwards. Thread-safe.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/filter.h"
#include "common/url.h"
#include "metrics/metrics.h"
#include "rpc/provider_filter.h"

namespace dubbo::metrics {

// The cells of one service's methods on one side.
class ServiceMetrics {
 public:
  ServiceMetrics(MetricsRegistry& registry, MetricsSide side, const Url& url);
  MethodMetrics& Method(std::string_view name);

 private:
  MethodMetrics& Add(std::string_view name);

  MetricsRegistry& registry_;
  MethodMetricsKey base_;                                      // every field but `method`
  std::vector<std::pair<std::string, MethodMetrics*>> known_;  // immutable after construction
  std::shared_mutex mu_;
  std::vector<std::pair<std::string, MethodMetrics*>> added_;
};

class ConsumerMetricsFilter final : public cluster::Filter {
 public:
  explicit ConsumerMetricsFilter(const Url& url,
                                 MetricsRegistry& registry = MetricsRegistry::Global())
      : metrics_(registry, MetricsSide::kConsumer, url) {}
  void Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
              rpc::ResponseCallback done) override;

 private:
  ServiceMetrics metrics_;
};

class ProviderMetricsFilter final : public rpc::ProviderFilter {
 public:
  explicit ProviderMetricsFilter(const Url& url,
                                 MetricsRegistry& registry = MetricsRegistry::Global())
      : metrics_(registry, MetricsSide::kProvider, url) {}
  Status Before(const rpc::RequestInfo& request) override;
  void After(const rpc::RequestInfo& request, const rpc::CallOutcome& outcome) override;

 private:
  ServiceMetrics metrics_;
};

// Registers both filters as "metrics" (metrics/builtins.cc); dubbo::RegisterBuiltins calls it.
void RegisterMetricsFilters();

}  // namespace dubbo::metrics
