// The metrics registry in Prometheus' text exposition format (version 0.0.4), with Dubbo 3.2's
// metric names: dubbo_<side>_requests_succeed_total{application_name,interface,method,group,
// version}, ..., dubbo_<side>_requests_processing, dubbo_<side>_rt_milliseconds_{last,min,max,
// sum,avg,p50,p95,p99} and the histogram dubbo_<side>_rt_milliseconds_histogram (bucket bounds
// `le` in milliseconds). docs/cluster.md lists them all. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/metrics.h"

namespace dubbo::metrics {

// What an HTTP response carrying PrometheusText() says it is.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

std::string PrometheusText(
    const std::vector<std::pair<MethodMetricsKey, MethodMetricsSnapshot>>& cells);
inline std::string PrometheusText(const MetricsRegistry& registry) {
  return PrometheusText(registry.Snapshot());
}

// A label value as the format requires: backslash, double quote and line feed escaped.
std::string EscapeLabelValue(std::string_view value);
// Microseconds as milliseconds with up to three decimals, trailing zeros dropped ("0.05", "12").
std::string FormatMillis(int64_t us);

}  // namespace dubbo::metrics
