#include "metrics/prometheus.h"

#include <cmath>
#include <functional>

namespace dubbo::metrics {

namespace {

using Cell = std::pair<MethodMetricsKey, MethodMetricsSnapshot>;

struct Family {
  const char* suffix;  // after "dubbo_<side>_"
  const char* help;
  const char* type;
  std::function<std::string(const MethodMetricsSnapshot&)> value;
};

std::string Int(int64_t v) { return std::to_string(v); }

std::string Labels(const MethodMetricsKey& k) {
  std::string s = "application_name=\"" + EscapeLabelValue(k.application) + "\",interface=\"" +
                  EscapeLabelValue(k.interface) + "\",method=\"" + EscapeLabelValue(k.method) +
                  "\",group=\"" + EscapeLabelValue(k.group) + "\",version=\"" +
                  EscapeLabelValue(k.version) + "\"";
  return s;
}

const std::vector<Family>& Families() {
  using S = MethodMetricsSnapshot;
  static const std::vector<Family> kFamilies = {
      {"requests_total", "Total Requests", "counter", [](const S& s) { return Int(s.Total()); }},
      {"requests_succeed_total", "Total Succeed Requests", "counter",
       [](const S& s) { return Int(s.Count(CallKind::kSucceeded)); }},
      {"requests_business_failed_total", "Total Failed Business Requests", "counter",
       [](const S& s) { return Int(s.Count(CallKind::kBusinessFailed)); }},
      {"requests_timeout_total", "Total Timeout Failed Requests", "counter",
       [](const S& s) { return Int(s.Count(CallKind::kTimeout)); }},
      {"requests_limit_total", "Total Limit Failed Requests", "counter",
       [](const S& s) { return Int(s.Count(CallKind::kLimit)); }},
      {"requests_failed_network_total", "Total network Failed Requests", "counter",
       [](const S& s) { return Int(s.Count(CallKind::kNetwork)); }},
      {"requests_failed_service_unavailable_total", "Total Service Unavailable Failed Requests",
       "counter", [](const S& s) { return Int(s.Count(CallKind::kServiceUnavailable)); }},
      {"requests_failed_codec_total", "Total Codec Failed Requests", "counter",
       [](const S& s) { return Int(s.Count(CallKind::kCodec)); }},
      {"requests_unknown_failed_total", "Total Unknown Failed Requests", "counter",
       [](const S& s) { return Int(s.Count(CallKind::kUnknown)); }},
      {"requests_failed_total", "Total Failed Requests", "counter",
       [](const S& s) { return Int(s.Failed()); }},
      {"requests_processing", "Processing Requests", "gauge",
       [](const S& s) { return Int(s.processing); }},
      {"rt_milliseconds_last", "Last Response Time", "gauge",
       [](const S& s) { return FormatMillis(s.elapsed_last_us); }},
      {"rt_milliseconds_min", "Min Response Time", "gauge",
       [](const S& s) { return FormatMillis(s.elapsed_min_us); }},
      {"rt_milliseconds_max", "Max Response Time", "gauge",
       [](const S& s) { return FormatMillis(s.elapsed_max_us); }},
      {"rt_milliseconds_sum", "Sum Response Time", "gauge",
       [](const S& s) { return FormatMillis(s.elapsed_sum_us); }},
      {"rt_milliseconds_avg", "Average Response Time", "gauge",
       [](const S& s) {
         const int64_t n = s.Finished();
         return FormatMillis(n == 0 ? 0 : (s.elapsed_sum_us + n / 2) / n);
       }},
      {"rt_milliseconds_p50", "Response Time P50", "gauge",
       [](const S& s) { return FormatMillis(std::llround(s.QuantileUs(0.50))); }},
      {"rt_milliseconds_p95", "Response Time P95", "gauge",
       [](const S& s) { return FormatMillis(std::llround(s.QuantileUs(0.95))); }},
      {"rt_milliseconds_p99", "Response Time P99", "gauge",
       [](const S& s) { return FormatMillis(std::llround(s.QuantileUs(0.99))); }},
  };
  return kFamilies;
}

void Histogram(const std::string& prefix, const std::vector<const Cell*>& cells, std::string* out) {
  const std::string name = prefix + "rt_milliseconds_histogram";
  *out += "# HELP " + name + " Response Time Histogram\n# TYPE " + name + " histogram\n";
  for (const Cell* c : cells) {
    const std::string labels = Labels(c->first);
    const MethodMetricsSnapshot& s = c->second;
    int64_t cumulative = 0;
    for (size_t i = 0; i < kLatencyBuckets; ++i) {
      cumulative += s.buckets[i];
      const std::string le =
          i < kLatencyBoundsUs.size() ? FormatMillis(kLatencyBoundsUs[i]) : "+Inf";
      *out += name + "_bucket{" + labels + ",le=\"" + le + "\"} " + Int(cumulative) + "\n";
    }
    *out += name + "_sum{" + labels + "} " + FormatMillis(s.elapsed_sum_us) + "\n";
    *out += name + "_count{" + labels + "} " + Int(cumulative) + "\n";
  }
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string FormatMillis(int64_t us) {
  std::string s = (us < 0 ? "-" : "") + std::to_string(std::abs(us) / 1000);
  int64_t frac = std::abs(us) % 1000;
  if (frac == 0) return s;
  std::string digits = std::to_string(frac);
  digits.insert(0, 3 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return s + "." + digits;
}

std::string PrometheusText(const std::vector<Cell>& cells) {
  std::string out;
  for (MetricsSide side : {MetricsSide::kProvider, MetricsSide::kConsumer}) {
    std::vector<const Cell*> mine;
    for (const Cell& c : cells)
      if (c.first.side == side) mine.push_back(&c);
    if (mine.empty()) continue;
    const std::string prefix = "dubbo_" + std::string(SideName(side)) + "_";
    for (const Family& f : Families()) {
      const std::string name = prefix + f.suffix;
      out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
      for (const Cell* c : mine)
        out += name + "{" + Labels(c->first) + "} " + f.value(c->second) + "\n";
    }
    Histogram(prefix, mine, &out);
  }
  return out;
}

}  // namespace dubbo::metrics
