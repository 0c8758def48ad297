// Metrics: what every call did, per side (provider / consumer) x service x method, in one
// process-wide registry (MetricsRegistry::Global()) that the "metrics" filters of both sides feed
// and that QoS (`count`, `metrics`) and the Prometheus exposition (metrics/prometheus.h)
// read. Counted per method: calls in flight, finished calls by outcome (Dubbo 3.2's request
// metrics: succeeded, business exception, timeout, limit, network, service unavailable, codec,
// unknown) and a latency histogram with fixed buckets from 1 µs to 60 s.
//
// The registry is process-wide because filters are built from a URL alone; the `application`
// label keeps several applications of one process apart. Method cells are created on first use
// and never removed, so a reference to one stays valid for the life of the process: filters
// resolve each method once and then touch only relaxed atomics.
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
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "rpc/message.h"
#include "rpc/provider_filter.h"

namespace dubbo::metrics {

enum class MetricsSide : uint8_t { kProvider, kConsumer };
// "provider" / "consumer", as Dubbo's metric names spell the side.
std::string_view SideName(MetricsSide side);

// How a finished call is counted.
enum class CallKind : uint8_t {
  kSucceeded,
  kBusinessFailed,  // the method threw (a business exception)
  kTimeout,         // CLIENT_TIMEOUT, SERVER_TIMEOUT
  kLimit,    // rejected: LIMIT_EXCEEDED (actives, executes, tps), thread pool, FORBIDDEN (token)
  kNetwork,  // the channel closed with the call pending, local I/O failure
  kServiceUnavailable,  // no provider, cannot connect, read-only provider
  kCodec,               // (de)serialization: status 25, 40, 50, 90, malformed bytes
  kUnknown,             // everything else (SERVICE_ERROR, SERVER_ERROR, ...)
};
inline constexpr size_t kCallKinds = 8;

CallKind KindOf(StatusCode code);
CallKind KindOf(const rpc::CallOutcome& outcome);
// As a consumer sees a result: a failed status by its code; an OK one whose body holds an
// exception result flag (0 or 3) is a business exception.
CallKind KindOf(const rpc::RpcResult& result);

// Latency bucket upper bounds in microseconds (1-2-5 steps to 20 s, then 30 s and 60 s: a long
// poll parks for up to 30 s); a last bucket takes the rest (+Inf).
inline constexpr std::array<int64_t, 25> kLatencyBoundsUs = {
    1,       2,       5,       10,       20,       50,       100,     200,    500,
    1000,    2000,    5000,    10000,    20000,    50000,    100000,  200000, 500000,
    1000000, 2000000, 5000000, 10000000, 20000000, 30000000, 60000000};
inline constexpr size_t kLatencyBuckets = kLatencyBoundsUs.size() + 1;
// The bucket `us` falls into: the first whose bound is >= us.
size_t LatencyBucket(int64_t us);

// Which calls a cell counts. Version "0.0.0" is stored as "" (unversioned).
struct MethodMetricsKey {
  MetricsSide side = MetricsSide::kProvider;
  std::string application;
  std::string interface;
  std::string group;
  std::string version;
  std::string method;

  auto operator<=>(const MethodMetricsKey&) const = default;
};

// A consistent-enough copy of one cell (each counter read once, relaxed).
struct MethodMetricsSnapshot {
  int64_t processing = 0;
  std::array<int64_t, kCallKinds> finished{};      // by CallKind
  std::array<int64_t, kLatencyBuckets> buckets{};  // per bucket, not cumulative
  int64_t elapsed_sum_us = 0;                      // over every finished call
  int64_t elapsed_max_us = 0;
  int64_t elapsed_min_us = 0;  // 0 before the first call
  int64_t elapsed_last_us = 0;

  int64_t Count(CallKind k) const { return finished[static_cast<size_t>(k)]; }
  int64_t Finished() const;
  int64_t Failed() const { return Finished() - Count(CallKind::kSucceeded); }
  // Started calls: finished + in flight (Dubbo's requests.total).
  int64_t Total() const { return Finished() + processing; }
  // The q-quantile (0 < q <= 1) of latency estimated from the buckets (linear within a bucket,
  // clamped to the observed min/max), in microseconds; 0 without calls.
  double QuantileUs(double q) const;
};

class alignas(64) MethodMetrics {
 public:
  void Started() { processing_.fetch_add(1, std::memory_order_relaxed); }
  // For a call Started() counted.
  void Finished(CallKind kind, int64_t elapsed_us);
  MethodMetricsSnapshot Read() const;

 private:
  std::atomic<int64_t> processing_{0};
  std::array<std::atomic<int64_t>, kCallKinds> finished_{};
  std::array<std::atomic<int64_t>, kLatencyBuckets> buckets_{};
  std::atomic<int64_t> elapsed_sum_us_{0};
  std::atomic<int64_t> elapsed_max_us_{0};
  std::atomic<int64_t> elapsed_min_us_{INT64_MAX};
  std::atomic<int64_t> elapsed_last_us_{0};
};

class MetricsRegistry {
 public:
  // The registry every "metrics" filter of the process feeds.
  static MetricsRegistry& Global();

  // The cell for `key`, created on first use; the reference stays valid as long as the registry.
  MethodMetrics& Get(const MethodMetricsKey& key);
  // Every cell, sorted by key.
  std::vector<std::pair<MethodMetricsKey, MethodMetricsSnapshot>> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<MethodMetricsKey, std::unique_ptr<MethodMetrics>, std::less<>> cells_;
};

}  // namespace dubbo::metrics
