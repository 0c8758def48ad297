#include "metrics/metrics.h"

#include <algorithm>

#include "codec/serialization.h"

namespace dubbo::metrics {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// The result flag of a response body: the first value, an int. Hessian writes 0..5 as one byte
// 0x90 + n, MessagePack as a positive fixint; anything else is decoded properly.
int32_t ResultFlag(const rpc::RpcResult& r) {
  if (r.body.empty()) return -1;
  const auto first = static_cast<uint8_t>(r.body[0]);
  if (r.serialization == static_cast<uint8_t>(SerializationId::kHessian2) && first >= 0x80 &&
      first <= 0xbf) {
    return first - 0x90;
  }
  if (r.serialization == static_cast<uint8_t>(SerializationId::kMsgpack) && first < 0x80)
    return first;
  const Serialization* s = SerializationRegistry::Global().Find(r.serialization);
  if (s == nullptr) return -1;
  int32_t flag = -1;
  (void)s->Decode(r.body, [&](ObjectInput& in) {
    flag = in.ReadInt();
    if (!in.ok()) flag = -1;
  });
  return flag;
}

}  // namespace

std::string_view SideName(MetricsSide side) {
  return side == MetricsSide::kProvider ? "provider" : "consumer";
}

CallKind KindOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return CallKind::kSucceeded;
    case StatusCode::kBizException:
      return CallKind::kBusinessFailed;
    case StatusCode::kClientTimeout:
    case StatusCode::kServerTimeout:
      return CallKind::kTimeout;
    case StatusCode::kLimitExceeded:
    case StatusCode::kThreadPoolExhausted:
    case StatusCode::kForbidden:
      return CallKind::kLimit;
    case StatusCode::kChannelInactive:
    case StatusCode::kIoError:
      return CallKind::kNetwork;
    case StatusCode::kUnavailable:
      return CallKind::kServiceUnavailable;
    case StatusCode::kSerializationError:
    case StatusCode::kBadRequest:
    case StatusCode::kBadResponse:
    case StatusCode::kClientError:
    case StatusCode::kDecodeError:
      return CallKind::kCodec;
    default:
      return CallKind::kUnknown;
  }
}

CallKind KindOf(const rpc::CallOutcome& outcome) {
  switch (outcome.kind) {
    case rpc::CallOutcome::Kind::kValue:
    case rpc::CallOutcome::Kind::kNull:
      return CallKind::kSucceeded;
    case rpc::CallOutcome::Kind::kException:
      return CallKind::kBusinessFailed;
    case rpc::CallOutcome::Kind::kError:
      break;
  }
  // An error outcome always carries a failure code; never count one as a success.
  const CallKind k = KindOf(outcome.status);
  return k == CallKind::kSucceeded ? CallKind::kUnknown : k;
}

CallKind KindOf(const rpc::RpcResult& result) {
  if (!result.status.ok()) return KindOf(result.status.code());
  const int32_t flag = ResultFlag(result);
  return flag == 0 || flag == 3 ? CallKind::kBusinessFailed : CallKind::kSucceeded;
}

size_t LatencyBucket(int64_t us) {
  // Few buckets: a branch-predictable scan beats a binary search here.
  size_t i = 0;
  while (i < kLatencyBoundsUs.size() && us > kLatencyBoundsUs[i]) ++i;
  return i;
}

void MethodMetrics::Finished(CallKind kind, int64_t elapsed_us) {
  if (elapsed_us < 0) elapsed_us = 0;
  finished_[static_cast<size_t>(kind)].fetch_add(1, kRelaxed);
  buckets_[LatencyBucket(elapsed_us)].fetch_add(1, kRelaxed);
  elapsed_sum_us_.fetch_add(elapsed_us, kRelaxed);
  elapsed_last_us_.store(elapsed_us, kRelaxed);
  // Max and min rarely change once warm: a load and a compare, a CAS only when they move.
  int64_t seen = elapsed_max_us_.load(kRelaxed);
  while (elapsed_us > seen && !elapsed_max_us_.compare_exchange_weak(seen, elapsed_us, kRelaxed)) {
  }
  seen = elapsed_min_us_.load(kRelaxed);
  while (elapsed_us < seen && !elapsed_min_us_.compare_exchange_weak(seen, elapsed_us, kRelaxed)) {
  }
  // Last: a finished call leaves the in-flight gauge only once it is counted.
  processing_.fetch_sub(1, kRelaxed);
}

MethodMetricsSnapshot MethodMetrics::Read() const {
  MethodMetricsSnapshot s;
  s.processing = std::max<int64_t>(0, processing_.load(kRelaxed));
  for (size_t i = 0; i < kCallKinds; ++i) s.finished[i] = finished_[i].load(kRelaxed);
  for (size_t i = 0; i < kLatencyBuckets; ++i) s.buckets[i] = buckets_[i].load(kRelaxed);
  s.elapsed_sum_us = elapsed_sum_us_.load(kRelaxed);
  s.elapsed_max_us = elapsed_max_us_.load(kRelaxed);
  const int64_t min = elapsed_min_us_.load(kRelaxed);
  s.elapsed_min_us = min == INT64_MAX ? 0 : min;
  s.elapsed_last_us = elapsed_last_us_.load(kRelaxed);
  return s;
}

int64_t MethodMetricsSnapshot::Finished() const {
  int64_t n = 0;
  for (int64_t v : finished) n += v;
  return n;
}

double MethodMetricsSnapshot::QuantileUs(double q) const {
  int64_t count = 0;
  for (int64_t b : buckets) count += b;
  if (count == 0) return 0;
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(count);
  int64_t below = 0;
  for (size_t i = 0; i < kLatencyBuckets; ++i) {
    if (buckets[i] == 0 || static_cast<double>(below + buckets[i]) < rank) {
      below += buckets[i];
      continue;
    }
    const double lower = i == 0 ? 0.0 : static_cast<double>(kLatencyBoundsUs[i - 1]);
    const double upper = i < kLatencyBoundsUs.size() ? static_cast<double>(kLatencyBoundsUs[i])
                                                     : static_cast<double>(elapsed_max_us);
    const double within = (rank - static_cast<double>(below)) / static_cast<double>(buckets[i]);
    const double v = lower + (upper - lower) * within;
    return std::clamp(v, static_cast<double>(elapsed_min_us),
                      static_cast<double>(std::max(elapsed_max_us, elapsed_min_us)));
  }
  return static_cast<double>(elapsed_max_us);
}

MetricsRegistry& MetricsRegistry::Global() {
  static MetricsRegistry* registry =
      new MetricsRegistry();  // never destroyed: filters outlive statics
  return *registry;
}

MethodMetrics& MetricsRegistry::Get(const MethodMetricsKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& cell = cells_[key];
  if (!cell) cell = std::make_unique<MethodMetrics>();
  return *cell;
}

std::vector<std::pair<MethodMetricsKey, MethodMetricsSnapshot>> MetricsRegistry::Snapshot() const {
  std::vector<std::pair<MethodMetricsKey, MethodMetricsSnapshot>> out;
  std::lock_guard<std::mutex> lock(mu_);
  out.reserve(cells_.size());
  for (const auto& [key, cell] : cells_) out.emplace_back(key, cell->Read());
  return out;
}

}  // namespace dubbo::metrics
