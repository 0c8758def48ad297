// ProviderInvoker: one provider as the cluster sees it. It wraps the provider's ChannelInvoker in
// the consumer filter chain and keeps the per-method call statistics that load balancers read
// (in-flight calls for leastactive, recent successful latency for shortestresponse), and the
// provider's outlier state: after `outlier.consecutive.failures` failures in a row that are the
// provider's fault it is ejected (IsAvailable() false, Admit() false) for a back-off that doubles
// with each ejection that follows the last without a full recovery, then re-admitted gradually.
// Every provider invoker a directory lists is one of these.
//
// Thread-safe: statistics and outlier state are atomics (the hot path reads one word of outlier
// state per call); the per-method table only grows and is looked up without a lock.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/loadbalance/per_method.h"
#include "common/result.h"
#include "rpc/invoker.h"

namespace dubbo::rpc {
class ChannelInvoker;
class IoThreads;
}  // namespace dubbo::rpc

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

// Outlier ejection settings, from the provider's (merged) URL. Values in milliseconds.
struct OutlierOptions {
  int32_t consecutive_failures = 5;  // `outlier.consecutive.failures`; 0 turns ejection off
  int64_t base_ejection_ms = 30000;  // `outlier.ejection.base`: the first ejection's length
  int64_t max_ejection_ms = 300000;  // `outlier.ejection.max`: the cap of base x 2^n
  int64_t recovery_ms = 30000;       // `outlier.recovery`: the ramp back to a full share
  // A malformed or negative value is a kInvalidArgument naming the parameter and the value.
  static Result<OutlierOptions> Parse(const Url& url);
};

// Shared by the provider invokers of one directory, so that ejection never takes more than
// `outlier.max.ejection.percent` (default 50) of them out at once.
struct OutlierGroup {
  explicit OutlierGroup(int32_t max_percent) : max_percent(max_percent) {}
  const int32_t max_percent;
  std::atomic<int32_t> members{0};
  std::atomic<int32_t> ejected{0};
  // How many of `members` may be ejected at once.
  int32_t Allowed() const { return members.load(std::memory_order_relaxed) * max_percent / 100; }
};

// Whether a failed call counts against the provider for outlier ejection: timeouts after sending,
// lost connections, refused connections and errors the provider answered with. Local limits,
// bad arguments and client-side decoding failures do not.
bool IsProviderFault(StatusCode code);

class ProviderInvoker final : public rpc::Invoker,
                              public std::enable_shared_from_this<ProviderInvoker> {
 public:
  // `channel` is the provider's ChannelInvoker (its URL is the merged provider URL); `chain` is
  // `channel` wrapped in the provider filters (or `channel` itself). `io_threads` are the
  // channel's (null when it has none, as in tests).
  ProviderInvoker(std::shared_ptr<rpc::Invoker> channel, std::shared_ptr<rpc::Invoker> chain,
                  OutlierOptions outlier = {},
                  std::shared_ptr<rpc::IoThreads> io_threads = nullptr);

  void Invoke(std::shared_ptr<const rpc::Invocation> inv, rpc::ResponseCallback done) override;
  const Url& url() const override { return channel_->url(); }
  // The channel is usable and the provider is not ejected.
  bool IsAvailable() const override;

  // Statistics of `method` (created on first use).
  MethodStats& Stats(std::string_view method) { return methods_.Get(method); }

  // `<method>.sticky`, else `sticky`, of the merged URL is "true" (Url::GetMethod's rule), read
  // once at construction: the cluster asks on every call.
  bool Sticky(std::string_view method) const {
    for (const auto& [name, on] : sticky_methods_)
      if (name == method) return on;
    return sticky_;
  }
  // Of the whole provider (every method).
  MethodStats& Totals() { return totals_; }

  // --- outlier ejection ---
  // Whether a call may go to this provider now: false while ejected; during the recovery period
  // after an ejection true for a share of calls growing linearly from 1 % to 100 %.
  bool Admit() {
    const int64_t until = ejected_until_ms_.load(std::memory_order_relaxed);
    return until == 0 || AdmitSlow(until);
  }
  bool ejected() const;
  // Ejections in a row (each one doubles the next back-off); 0 once a recovery completed.
  int32_t ejections() const { return ejections_.load(std::memory_order_relaxed); }
  const OutlierOptions& outlier_options() const { return outlier_; }
  // Joins the directory's group (once; later calls are ignored) / leaves it when the directory
  // drops the provider, giving back its ejection slot.
  void JoinGroup(std::shared_ptr<OutlierGroup> group);
  void LeaveGroup();

  // The I/O threads of the provider's channel (null when it has none).
  const std::shared_ptr<rpc::IoThreads>& io_threads() const { return io_threads_; }

 private:
  void Record(MethodStats& m, std::chrono::steady_clock::duration elapsed, const Status& status);
  bool AdmitSlow(int64_t until);
  void OnFault(const Status& status);
  // Returns the group slot once the ejection is over.
  void ReleaseSlot();

  std::shared_ptr<rpc::Invoker> channel_;
  std::shared_ptr<rpc::Invoker> chain_;
  const std::shared_ptr<rpc::IoThreads> io_threads_;
  bool sticky_ = false;
  std::vector<std::pair<std::string, bool>> sticky_methods_;  // each non-empty <method>.sticky
  MethodStats totals_;
  PerMethod<MethodStats> methods_;  // every call looks its method up: no lock

  const OutlierOptions outlier_;
  std::atomic<std::shared_ptr<OutlierGroup>> group_;
  std::atomic<int32_t> consecutive_failures_{0};
  // 0: admitted. Otherwise ejected until this time (ms, steady clock), then recovering for
  // outlier_.recovery_ms, then back to 0.
  std::atomic<int64_t> ejected_until_ms_{0};
  std::atomic<int32_t> ejections_{0};
  std::atomic<bool> holds_slot_{false};  // counted in group_->ejected
};

// The providers a cluster chooses among: an immutable snapshot shared by readers (Directory::List).
using ProviderList = std::vector<std::shared_ptr<ProviderInvoker>>;

// The consumer filters every provider invoker runs, in order (the built-ins; "reference.filter"
// on the URL adds or removes names).
const std::vector<std::string>& ProviderLevelFilterNames();

// `channel` (a provider's ChannelInvoker) as the cluster uses it: in its filter chain, counted,
// with the outlier settings of its URL (a malformed one is an error naming it).
Result<std::shared_ptr<ProviderInvoker>> MakeProviderInvoker(
    std::shared_ptr<rpc::ChannelInvoker> channel);

}  // namespace dubbo::cluster
