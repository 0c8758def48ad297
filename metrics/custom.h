// Custom metrics: counters, gauges and histograms an application registers for itself (a broker's
// messages stored per topic, a queue's depth), with labels, shown after the call metrics wherever
// those are: QoS `metrics` and every Prometheus text this process serves.
//
//   auto& stored = *metrics::CustomMetrics::Global()
//                       .Counter("mq_messages_stored_total", "messages written", {"topic"})
//                       .value();
//   stored.With({"orders"}).Add();
//
// Registering a name again with the same kind, labels (and bounds) returns the same family, so
// independent pieces may ask for it; another shape is kAlreadyExists. Names follow Prometheus
// ([a-zA-Z_:][a-zA-Z0-9_:]*, labels without ':' and not starting "__"); a name the call metrics
// use ("dubbo_...") is refused. Families and their cells live as long as the process: a reference
// to a cell stays valid, so hot paths resolve it once and then touch one relaxed atomic.
//
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace dubbo::metrics {

class CounterCell {
 public:
  void Add(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class GaugeCell {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class HistogramCell {
 public:
  explicit HistogramCell(const std::vector<double>* bounds);
  void Observe(double v);
  // Per bucket (not cumulative), the last one +Inf; the sum and count of observations.
  std::vector<int64_t> buckets() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  int64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>* bounds_;  // the family's, ascending
  std::unique_ptr<std::atomic<int64_t>[]> buckets_;
  std::atomic<double> sum_{0};
  std::atomic<int64_t> count_{0};
};

// One metric name: a cell per combination of label values, created on first use.
template <typename Cell>
class Family {
 public:
  // The cell for `label_values` (one per label name, in order; missing ones are "" and extra
  // ones ignored).
  Cell& With(const std::vector<std::string>& label_values = {});

  const std::string& name() const { return name_; }

 private:
  friend class CustomMetrics;
  std::string name_;
  std::string help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;  // histograms
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Cell>> cells_;
};

using CounterFamily = Family<CounterCell>;
using GaugeFamily = Family<GaugeCell>;
using HistogramFamily = Family<HistogramCell>;

class CustomMetrics {
 public:
  static CustomMetrics& Global();

  Result<CounterFamily*> Counter(std::string name, std::string help,
                                 std::vector<std::string> labels = {});
  Result<GaugeFamily*> Gauge(std::string name, std::string help,
                             std::vector<std::string> labels = {});
  // `bounds`: the buckets' upper bounds, ascending and finite (+Inf is added); at least one.
  Result<HistogramFamily*> Histogram(std::string name, std::string help,
                                     std::vector<std::string> labels, std::vector<double> bounds);

  // Every family in Prometheus' text format (0.0.4), in registration order.
  std::string PrometheusText() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  // The family `name` when it has this shape; null when the name is free; an error otherwise.
  template <typename F>
  Result<F*> Existing(const std::vector<std::unique_ptr<F>>& families, Kind kind,
                      const std::string& name, const std::vector<std::string>& labels,
                      const std::vector<double>& bounds) const;
  Status CheckNew(const std::string& name, const std::vector<std::string>& labels) const;
  // The family `name` of this shape, registered now when the name is free.
  template <typename F>
  Result<F*> Register(std::vector<std::unique_ptr<F>>& families, Kind kind, std::string name,
                      std::string help, std::vector<std::string> labels,
                      std::vector<double> bounds);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<CounterFamily>> counters_;
  std::vector<std::unique_ptr<GaugeFamily>> gauges_;
  std::vector<std::unique_ptr<HistogramFamily>> histograms_;
  std::vector<std::pair<Kind, size_t>> order_;  // registration order: kind and index
};

}  // namespace dubbo::metrics
