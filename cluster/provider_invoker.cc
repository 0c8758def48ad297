#include "cluster/provider_invoker.h"

#include <algorithm>
#include <random>

#include "cluster/filter.h"
#include "common/log.h"
#include "rpc/channel_invoker.h"

namespace dubbo::cluster {

namespace {

int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> NonNegative(const Url& url, std::string_view key, int64_t fallback) {
  DUBBO_ASSIGN_OR_RETURN(const int64_t v, url.GetInt(key, fallback));
  if (v < 0) {
    return Status(StatusCode::kInvalidArgument, "parameter " + std::string(key) + "=" +
                                                    url.Get(key) + " must not be negative in " +
                                                    url.ToString());
  }
  return v;
}

}  // namespace

Result<OutlierOptions> OutlierOptions::Parse(const Url& url) {
  OutlierOptions o;
  DUBBO_ASSIGN_OR_RETURN(const int64_t failures,
                         NonNegative(url, "outlier.consecutive.failures", o.consecutive_failures));
  o.consecutive_failures = static_cast<int32_t>(std::min<int64_t>(failures, INT32_MAX));
  DUBBO_ASSIGN_OR_RETURN(o.base_ejection_ms,
                         NonNegative(url, "outlier.ejection.base", o.base_ejection_ms));
  DUBBO_ASSIGN_OR_RETURN(o.max_ejection_ms,
                         NonNegative(url, "outlier.ejection.max", o.max_ejection_ms));
  DUBBO_ASSIGN_OR_RETURN(o.recovery_ms, NonNegative(url, "outlier.recovery", o.recovery_ms));
  return o;
}

bool IsProviderFault(StatusCode code) {
  switch (code) {
    case StatusCode::kServerTimeout:
    case StatusCode::kChannelInactive:
    case StatusCode::kUnavailable:
    case StatusCode::kSerializationError:
    case StatusCode::kBadResponse:
    case StatusCode::kServiceError:
    case StatusCode::kServerError:
    case StatusCode::kThreadPoolExhausted:
      return true;
    default:
      return false;
  }
}

ProviderInvoker::ProviderInvoker(std::shared_ptr<rpc::Invoker> channel,
                                 std::shared_ptr<rpc::Invoker> chain, OutlierOptions outlier,
                                 std::shared_ptr<rpc::IoThreads> io_threads)
    : channel_(std::move(channel)),
      chain_(std::move(chain)),
      io_threads_(std::move(io_threads)),
      outlier_(outlier) {
  constexpr std::string_view kSuffix = ".sticky";
  for (const auto& [key, value] : url().parameters()) {
    if (key == "sticky") {
      sticky_ = value == "true";
    } else if (!value.empty() && key.size() > kSuffix.size() && key.ends_with(kSuffix)) {
      sticky_methods_.emplace_back(key.substr(0, key.size() - kSuffix.size()), value == "true");
    }
  }
}

bool ProviderInvoker::IsAvailable() const { return !ejected() && chain_->IsAvailable(); }

bool ProviderInvoker::ejected() const {
  const int64_t until = ejected_until_ms_.load(std::memory_order_relaxed);
  return until != 0 && SteadyMillis() < until;
}

void ProviderInvoker::Invoke(std::shared_ptr<const rpc::Invocation> inv,
                             rpc::ResponseCallback done) {
  MethodStats& m = Stats(inv->method);
  m.active.fetch_add(1, std::memory_order_relaxed);
  totals_.active.fetch_add(1, std::memory_order_relaxed);
  const auto start = std::chrono::steady_clock::now();
  // The directory may drop this provider while the call is in flight: keep it alive.
  chain_->Invoke(std::move(inv),
                 [self = shared_from_this(), &m, start, done = std::move(done)](rpc::RpcResult r) {
                   self->Record(m, std::chrono::steady_clock::now() - start, r.status);
                   done(std::move(r));
                 });
}

void ProviderInvoker::Record(MethodStats& m, std::chrono::steady_clock::duration elapsed,
                             const Status& status) {
  const bool ok = status.ok();
  const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  for (MethodStats* s : {&m, &totals_}) {
    s->active.fetch_sub(1, std::memory_order_relaxed);
    if (!ok) {
      s->failed.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    s->succeeded.fetch_add(1, std::memory_order_relaxed);
    s->succeeded_elapsed_us.fetch_add(us, std::memory_order_relaxed);
    s->window_succeeded.fetch_add(1, std::memory_order_relaxed);
    s->window_elapsed_us.fetch_add(us, std::memory_order_relaxed);
  }
  if (ok) {
    // Read before writing: a healthy provider's counter is always 0, and stores would make every
    // call bounce the cache line between threads.
    if (consecutive_failures_.load(std::memory_order_relaxed) != 0) {
      consecutive_failures_.store(0, std::memory_order_relaxed);
    }
  } else if (IsProviderFault(status.code())) {
    OnFault(status);
  }
}

void ProviderInvoker::OnFault(const Status& status) {
  if (outlier_.consecutive_failures <= 0) return;
  if (consecutive_failures_.fetch_add(1, std::memory_order_relaxed) + 1 <
      outlier_.consecutive_failures)
    return;
  ReleaseSlot();
  if (holds_slot_.load(std::memory_order_acquire)) return;  // ejected already
  auto group = group_.load();
  if (!group) return;  // alone: nothing to fail over to
  int32_t current = group->ejected.load(std::memory_order_relaxed);
  do {
    if (current >= group->Allowed()) return;  // keep counting; eject once others come back
  } while (!group->ejected.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel));
  if (holds_slot_.exchange(true, std::memory_order_acq_rel)) {
    group->ejected.fetch_sub(1, std::memory_order_acq_rel);  // a concurrent failure won
    return;
  }
  const int32_t n = ejections_.fetch_add(1, std::memory_order_relaxed);
  int64_t length = outlier_.base_ejection_ms;
  for (int32_t i = 0; i < n && length < outlier_.max_ejection_ms; ++i) length *= 2;
  length = std::min(length, outlier_.max_ejection_ms);
  consecutive_failures_.store(0, std::memory_order_relaxed);
  ejected_until_ms_.store(SteadyMillis() + std::max<int64_t>(length, 1), std::memory_order_release);
  LogWarning() << "ejecting provider " << url().Address() << " for " << length << " ms after "
               << outlier_.consecutive_failures << " failures in a row (ejection " << n + 1
               << "); last: " << status;
}

bool ProviderInvoker::AdmitSlow(int64_t until) {
  const int64_t now = SteadyMillis();
  if (now < until) return false;
  ReleaseSlot();
  const int64_t into = now - until;
  if (into >= outlier_.recovery_ms) {
    int64_t expected = until;
    if (ejected_until_ms_.compare_exchange_strong(expected, 0, std::memory_order_acq_rel)) {
      ejections_.store(0, std::memory_order_relaxed);  // recovered without a new ejection
    }
    return true;
  }
  // Ramp like warm-up: admit a share of calls growing from 1 % to 100 % over the recovery.
  thread_local std::minstd_rand rng(std::random_device{}());
  const int64_t threshold = std::max<int64_t>(into, outlier_.recovery_ms / 100);
  return static_cast<int64_t>(rng() % static_cast<uint64_t>(outlier_.recovery_ms)) < threshold;
}

void ProviderInvoker::ReleaseSlot() {
  if (!holds_slot_.load(std::memory_order_acquire)) return;
  if (SteadyMillis() < ejected_until_ms_.load(std::memory_order_acquire)) return;
  if (!holds_slot_.exchange(false, std::memory_order_acq_rel)) return;
  if (auto group = group_.load()) group->ejected.fetch_sub(1, std::memory_order_acq_rel);
}

void ProviderInvoker::JoinGroup(std::shared_ptr<OutlierGroup> group) {
  std::shared_ptr<OutlierGroup> none;
  group_.compare_exchange_strong(none, std::move(group));
}

void ProviderInvoker::LeaveGroup() {
  if (!holds_slot_.exchange(false, std::memory_order_acq_rel)) return;
  if (auto group = group_.load()) group->ejected.fetch_sub(1, std::memory_order_acq_rel);
}

const std::vector<std::string>& ProviderLevelFilterNames() {
  // Metrics outermost, as Java's: a call actives rejects or holds is counted, its wait included.
  static const std::vector<std::string> kNames = {"metrics", "actives", "accesslog"};
  return kNames;
}

Result<std::shared_ptr<ProviderInvoker>> MakeProviderInvoker(
    std::shared_ptr<rpc::ChannelInvoker> channel) {
  DUBBO_ASSIGN_OR_RETURN(auto outlier, OutlierOptions::Parse(channel->url()));
  DUBBO_ASSIGN_OR_RETURN(auto chain, WrapWithFilters(channel, ProviderLevelFilterNames(),
                                                     channel->url(), "reference.filter"));
  auto io_threads = channel->channel()->io_threads();
  return std::make_shared<ProviderInvoker>(std::move(channel), std::move(chain), outlier,
                                           std::move(io_threads));
}

}  // namespace dubbo::cluster
