#include "cluster/strategy/retry_policy.h"

#include <chrono>

namespace dubbo::cluster {

namespace {

Status Malformed(const Url& url, const std::string& key, std::string_view expected) {
  return Status(StatusCode::kInvalidArgument, "parameter " + key + "=" + url.Get(key) + " is not " +
                                                  std::string(expected) + " in " + url.ToString());
}

Result<int64_t> IntParam(const Url& url, const std::string& key, int64_t fallback, int64_t min) {
  DUBBO_ASSIGN_OR_RETURN(const int64_t v, url.GetInt(key, fallback));
  if (v < min || v > INT32_MAX)
    return Malformed(url, key, "an integer in [" + std::to_string(min) + ", 2^31)");
  return v;
}

}  // namespace

bool NeverReachedProvider(const Status& failure) {
  switch (failure.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kLimitExceeded:
    case StatusCode::kThreadPoolExhausted:
      return true;
    default:
      return false;
  }
}

Result<RetryBudget::Options> RetryBudget::ParseOptions(const Url& consumer) {
  Options o;
  DUBBO_ASSIGN_OR_RETURN(const int64_t percent,
                         IntParam(consumer, "retry.budget.percent", o.percent, -1));
  DUBBO_ASSIGN_OR_RETURN(const int64_t floor,
                         IntParam(consumer, "retry.budget.min.per.second", o.min_per_second, 0));
  DUBBO_ASSIGN_OR_RETURN(o.window_ms,
                         IntParam(consumer, "retry.budget.window", o.window_ms, kBuckets));
  o.percent = static_cast<int32_t>(percent);
  o.min_per_second = static_cast<int32_t>(floor);
  return o;
}

RetryBudget::RetryBudget() : RetryBudget(Options{}) {}

RetryBudget::RetryBudget(Options options)
    : options_(options), bucket_ms_(std::max<int64_t>(1, options.window_ms / kBuckets)) {}

int64_t RetryBudget::SlotNow() const {
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now).count() / bucket_ms_;
}

RetryBudget::Bucket& RetryBudget::At(int64_t slot) {
  Bucket& b = buckets_[static_cast<size_t>(slot % kBuckets)];
  int64_t seen = b.slot.load(std::memory_order_acquire);
  // The first to reach a new slice resets the bucket; counts racing with the reset may be lost,
  // which only makes the budget approximate.
  if (seen < slot && b.slot.compare_exchange_strong(seen, slot, std::memory_order_acq_rel)) {
    b.calls.store(0, std::memory_order_relaxed);
    b.retries.store(0, std::memory_order_relaxed);
  }
  return b;
}

void RetryBudget::RecordCall() {
  if (options_.percent < 0) return;
  At(SlotNow()).calls.fetch_add(1, std::memory_order_relaxed);
}

bool RetryBudget::TryRetry() {
  if (options_.percent < 0) return true;
  const int64_t now = SlotNow();
  int64_t calls = 0;
  int64_t retries = 0;
  for (const Bucket& b : buckets_) {
    const int64_t slot = b.slot.load(std::memory_order_acquire);
    if (slot <= now - kBuckets || slot > now) continue;
    calls += b.calls.load(std::memory_order_relaxed);
    retries += b.retries.load(std::memory_order_relaxed);
  }
  const int64_t allowed =
      calls * options_.percent / 100 + options_.min_per_second * options_.window_ms / 1000;
  if (retries >= allowed) return false;
  At(now).retries.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace dubbo::cluster
