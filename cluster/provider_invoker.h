// ProviderInvoker: one provider as the cluster sees it. It wraps the provider's ChannelInvoker in
// the consumer filter chain and keeps the per-method call statistics that load balancers read
// (in-flight calls for leastactive, recent successful latency for shortestresponse) and that
// outlier ejection uses. Every provider invoker a directory lists is one of these.
//
// Thread-safe: statistics are atomics; the per-method table only grows.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "rpc/invoker.h"

namespace dubbo::cluster {

// Call statistics for one method of one provider (Dubbo's RpcStatus).
struct MethodStats {
  std::atomic<int32_t> active{0};
  std::atomic<int64_t> succeeded{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> succeeded_elapsed_us{0};  // sum over successful calls
  // Sliding window for shortestresponse: counters of the current window and when it started.
  std::atomic<int64_t> window_start_ms{0};
  std::atomic<int64_t> window_succeeded{0};
  std::atomic<int64_t> window_elapsed_us{0};
};

class ProviderInvoker final : public rpc::Invoker, public std::enable_shared_from_this<ProviderInvoker> {
 public:
  // `channel` is the provider's ChannelInvoker (its URL is the merged provider URL); `chain` is
  // `channel` wrapped in the provider filters (or `channel` itself).
  ProviderInvoker(std::shared_ptr<rpc::Invoker> channel, std::shared_ptr<rpc::Invoker> chain);

  void Invoke(std::shared_ptr<const rpc::Invocation> inv, rpc::ResponseCallback done) override;
  const Url& url() const override { return channel_->url(); }
  bool IsAvailable() const override;

  // Statistics of `method` (created on first use).
  MethodStats& Stats(std::string_view method);
  // Of the whole provider (every method).
  MethodStats& Totals() { return totals_; }

 private:
  void Record(MethodStats& m, std::chrono::steady_clock::duration elapsed, bool ok);

  std::shared_ptr<rpc::Invoker> channel_;
  std::shared_ptr<rpc::Invoker> chain_;
  MethodStats totals_;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<MethodStats>, StringHash, std::equal_to<>> methods_;
};

// The consumer filters every provider invoker runs, in order (the built-ins; "reference.filter"
// on the URL adds or removes names).
const std::vector<std::string>& ProviderLevelFilterNames();

// `channel` (a provider's ChannelInvoker) as the cluster uses it: in its filter chain, counted.
Result<std::shared_ptr<ProviderInvoker>> MakeProviderInvoker(std::shared_ptr<rpc::Invoker> channel);

// The statistics of `invoker` for `method` when it is a ProviderInvoker, else null.
MethodStats* StatsOf(rpc::Invoker& invoker, std::string_view method);

}  // namespace dubbo::cluster
