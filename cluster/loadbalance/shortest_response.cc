#include "cluster/loadbalance/shortest_response.h"

#include <limits>
#include <vector>

#include "cluster/loadbalance/least_active.h"
#include "common/log.h"

namespace dubbo::cluster {

bool RebaseWindow(MethodStats& stats, int64_t now_ms, int64_t period_ms) {
  int64_t start = stats.window_start_ms.load(std::memory_order_relaxed);
  if (start != 0 && now_ms - start <= period_ms) return false;
  if (!stats.window_start_ms.compare_exchange_strong(start, now_ms, std::memory_order_relaxed))
    return false;
  if (start == 0) return true;  // the first window: counts so far belong to it
  // Not atomic with ProviderInvoker::Record, which adds the count before the latency: reading the
  // latency first, a call recorded in between can at worst leave its latency without its count in
  // the new window, raising that window's first average a little (the other order could leave a
  // count without latency: an average of 0, which would draw every call to the provider).
  const int64_t elapsed = stats.window_elapsed_us.load(std::memory_order_relaxed);
  const int64_t succeeded = stats.window_succeeded.load(std::memory_order_relaxed);
  stats.window_elapsed_us.fetch_sub(elapsed, std::memory_order_relaxed);
  stats.window_succeeded.fetch_sub(succeeded, std::memory_order_relaxed);
  return true;
}

int64_t EstimateResponse(const MethodStats& stats) {
  const int64_t succeeded = stats.window_succeeded.load(std::memory_order_relaxed);
  const int64_t elapsed = stats.window_elapsed_us.load(std::memory_order_relaxed);
  const int64_t average = succeeded > 0 ? elapsed / succeeded : 0;
  return average * (static_cast<int64_t>(stats.active.load(std::memory_order_relaxed)) + 1);
}

int64_t ShortestResponseLoadBalance::SlidePeriod(const Url& consumer) {
  int64_t period = slide_period_ms_.load(std::memory_order_relaxed);
  if (period >= 0) return period;
  auto read = consumer.GetInt("shortestresponse.slide.period", kDefaultSlidePeriodMs);
  if (!read.ok() ||
      *read <= 0) {  // MakeLoadBalance rejects these; a balancer made directly may see them
    LogWarning() << "shortestresponse: "
                 << (read.ok() ? "shortestresponse.slide.period must be positive"
                               : read.status().message())
                 << "; using " << kDefaultSlidePeriodMs << " ms";
    period = kDefaultSlidePeriodMs;
  } else {
    period = *read;
  }
  slide_period_ms_.store(period, std::memory_order_relaxed);
  return period;
}

std::shared_ptr<ProviderInvoker> ShortestResponseLoadBalance::Pick(const SelectIn& in) {
  const ProviderList& invokers = in.invokers;
  const Url& consumer = in.consumer;
  const rpc::Invocation& inv = in.inv;
  const size_t n = invokers.size();
  if (n == 1) return invokers.front();
  const auto view = views_.Get(invokers, inv.method);
  const int64_t now = NowMillis();
  const int64_t period = SlidePeriod(consumer);
  thread_local std::vector<uint32_t> tied;
  thread_local std::vector<int32_t> weights;
  tied.clear();
  weights.resize(n);
  int64_t shortest = std::numeric_limits<int64_t>::max();
  int64_t total = 0;
  bool same = true;
  for (size_t i = 0; i < n; ++i) {
    int64_t estimate = 0;
    if (MethodStats* stats = view->stats(i)) {
      RebaseWindow(*stats, now, period);
      estimate = EstimateResponse(*stats);
    }
    const int32_t w = view->WeightAt(i, now);
    weights[i] = w;
    if (estimate < shortest) {
      shortest = estimate;
      tied.assign(1, static_cast<uint32_t>(i));
      total = w;
      same = true;
    } else if (estimate == shortest) {
      tied.push_back(static_cast<uint32_t>(i));
      total += w;
      if (same && w != weights[tied.front()]) same = false;
    }
  }
  return invokers[PickAmongTied(tied, weights, total, same)];
}

}  // namespace dubbo::cluster
