// "shortestresponse": the provider expected to answer first. Its estimate is the average latency
// of the method's successful calls in the current window times (calls in flight + 1); the
// smallest estimates win, ties broken as leastactive does (weighted random, else uniform).
//
// The window (MethodStats window_*) restarts every `shortestresponse.slide.period` ms (consumer
// URL, default 30000): the first pick after it elapsed rebases that provider's counters without a
// lock, so a provider that was slow a while ago gets another chance. A provider with no successful
// call in the window has estimate 0 and is tried.
//
// Differences from Java: the counters are always fed (Java's RpcStatus only counts under the
// `actives`/`executes` filters), they are per reference, latencies are in microseconds (Java
// averages whole milliseconds, so sub-millisecond providers all tie at 0), and each provider's
// window restarts on its own (Java resets all of them from a background task). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

#include "cluster/loadbalance/load_balance.h"
#include "cluster/loadbalance/provider_view.h"

namespace dubbo::cluster {

class ShortestResponseLoadBalance final : public LoadBalance {
 public:
  static constexpr int64_t kDefaultSlidePeriodMs = 30000;

  std::shared_ptr<ProviderInvoker> Pick(const SelectIn& in) override;

 private:
  int64_t SlidePeriod(const Url& consumer);

  ViewCache views_{ProviderView::Needs{.stats = true, .identities = false}};
  std::atomic<int64_t> slide_period_ms_{-1};  // read from the consumer URL on first use
};

// Starts a new window of `stats` when the current one began more than `period_ms` before
// `now_ms` (or was never started): one caller wins a compare-and-swap on window_start_ms and
// subtracts the counts it read, so calls recorded meanwhile are kept. Returns true when it did.
bool RebaseWindow(MethodStats& stats, int64_t now_ms, int64_t period_ms);

// The estimate in microseconds: window average of successful calls × (active + 1).
int64_t EstimateResponse(const MethodStats& stats);

}  // namespace dubbo::cluster
