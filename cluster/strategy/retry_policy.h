// The retry rules the strategies share (docs/cluster.md, "Safe retries" and "Retry budget"):
//   - how many retries a method gets and whether it is idempotent (Retries, MayResend: decided
//     once per reference in the invocation's CallSettings, rpc/call_settings.h);
//   - which failures may be re-sent (MayResend): any failure of an idempotent method, but for any
//     other method only one that proves the request never reached a provider's method;
//   - the retry budget (RetryBudget): retries stay under a percentage of the calls made over a
//     sliding window, plus a small floor, so a failing cluster is not hammered by a retry storm.
//
// RetryBudget is lock-free and thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "common/url.h"
#include "rpc/message.h"

namespace dubbo::cluster {

// True when `failure` proves the request never reached the provider's method, so re-sending it
// cannot run the method twice:
//   kUnavailable          no connection, the channel closed, or the connection closed before any
//                         byte of the request was written (rpc/connection.h);
//   kLimitExceeded        a consumer-side limit (actives, payload) refused it before sending;
//   kThreadPoolExhausted  the provider refused it before dispatch (status 100: worker pool full,
//                         or the provider is shutting down).
// Everything else may have run on the provider: timeouts after sending, a connection lost with
// the call pending (kChannelInactive), kClientTimeout (the request may still be queued for
// writing), and provider errors, including its limit rejections (status 70, which it also uses
// for failures inside the method).
bool NeverReachedProvider(const Status& failure);

// The retries `inv` gets: its reference's `<method>.retries`, else `retries`, else the IDL's
// @retries (resolved once in inv.settings), else the strategy's `fallback`.
inline int32_t Retries(const rpc::Invocation& inv, int32_t fallback) {
  return inv.settings.retries.value_or(fallback);
}
// A failed attempt may be sent again: the method is idempotent, or the failure proves the request
// never reached a provider. (Successes and business exceptions are never failures.)
inline bool MayResend(const rpc::Invocation& inv, const Status& failure) {
  return inv.settings.idempotent || NeverReachedProvider(failure);
}

// Retries allowed over a sliding window: at most `retry.budget.percent` (default 10) % of the
// calls made in the last `retry.budget.window` ms (default 10 000), plus
// `retry.budget.min.per.second` (default 10) per second of the window, so that a service with
// little traffic can still retry. `retry.budget.percent=-1` removes the budget.
class RetryBudget {
 public:
  struct Options {
    int32_t percent = 10;
    int32_t min_per_second = 10;
    int64_t window_ms = 10000;
  };
  // A malformed value, or a window under 10 ms, is a kInvalidArgument naming the parameter.
  static Result<Options> ParseOptions(const Url& consumer);

  RetryBudget();  // the defaults
  explicit RetryBudget(Options options);

  // Counts a call (its first attempt). Hot path: one clock read and one relaxed increment.
  void RecordCall();
  // Takes one retry from the budget; false when it is spent.
  bool TryRetry();
  const Options& options() const { return options_; }

 private:
  static constexpr int kBuckets = 10;
  struct Bucket {
    std::atomic<int64_t> slot{-1};  // which bucket_ms-wide slice of time it counts
    std::atomic<int64_t> calls{0};
    std::atomic<int64_t> retries{0};
  };
  int64_t SlotNow() const;
  Bucket& At(int64_t slot);

  Options options_;
  int64_t bucket_ms_;
  std::array<Bucket, kBuckets> buckets_;
};

}  // namespace dubbo::cluster
