// Metrics: outcome classification, the latency histogram, the per-filter method table, the
// Prometheus text, and end to end through real Applications: the counters of both sides match
// exactly what the calls did, and the in-flight gauges follow calls held in the provider.
#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "app/application.h"
#include "metrics/custom.h"
#include "metrics/metrics_filter.h"
#include "metrics/prometheus.h"
#include "rpc/provider_filter.h"
#include "tests/support/eventually.h"
#include "tests/support/gate_service.h"

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;
using metrics::CallKind;
using metrics::MethodMetricsKey;
using metrics::MethodMetricsSnapshot;
using metrics::MetricsRegistry;
using metrics::MetricsSide;

// The cell of `method` of GateService for `application` on `side` in the global registry.
MethodMetricsSnapshot Cell(MetricsSide side, const std::string& application,
                           const std::string& method) {
  for (const auto& [key, s] : MetricsRegistry::Global().Snapshot()) {
    if (key.side == side && key.application == application && key.interface == kGateInterface &&
        key.method == method) {
      return s;
    }
  }
  return {};
}

TEST(MetricsKindTest, StatusCodesAndOutcomesMapToDubboCategories) {
  EXPECT_EQ(metrics::KindOf(StatusCode::kOk), CallKind::kSucceeded);
  EXPECT_EQ(metrics::KindOf(StatusCode::kBizException), CallKind::kBusinessFailed);
  EXPECT_EQ(metrics::KindOf(StatusCode::kClientTimeout), CallKind::kTimeout);
  EXPECT_EQ(metrics::KindOf(StatusCode::kServerTimeout), CallKind::kTimeout);
  EXPECT_EQ(metrics::KindOf(StatusCode::kLimitExceeded), CallKind::kLimit);
  EXPECT_EQ(metrics::KindOf(StatusCode::kThreadPoolExhausted), CallKind::kLimit);
  EXPECT_EQ(metrics::KindOf(StatusCode::kForbidden), CallKind::kLimit);
  EXPECT_EQ(metrics::KindOf(StatusCode::kChannelInactive), CallKind::kNetwork);
  EXPECT_EQ(metrics::KindOf(StatusCode::kUnavailable), CallKind::kServiceUnavailable);
  EXPECT_EQ(metrics::KindOf(StatusCode::kSerializationError), CallKind::kCodec);
  EXPECT_EQ(metrics::KindOf(StatusCode::kBadRequest), CallKind::kCodec);
  EXPECT_EQ(metrics::KindOf(StatusCode::kClientError), CallKind::kCodec);
  EXPECT_EQ(metrics::KindOf(StatusCode::kServiceError), CallKind::kUnknown);

  rpc::CallOutcome o;
  o.kind = rpc::CallOutcome::Kind::kNull;
  EXPECT_EQ(metrics::KindOf(o), CallKind::kSucceeded);
  o.kind = rpc::CallOutcome::Kind::kException;
  EXPECT_EQ(metrics::KindOf(o), CallKind::kBusinessFailed);
  o.kind = rpc::CallOutcome::Kind::kError;
  o.status = StatusCode::kLimitExceeded;
  EXPECT_EQ(metrics::KindOf(o), CallKind::kLimit);
  o.status = StatusCode::kOk;  // an error outcome is never a success
  EXPECT_EQ(metrics::KindOf(o), CallKind::kUnknown);

  // A consumer's OK result is a business exception when its result flag says so (0 or 3), in
  // either serialization; a hessian int the fast path does not know is decoded (by the registered
  // serialization).
  rpc::RpcResult r;
  r.serialization = 2;
  r.body = std::string("\x93", 1);  // hessian int 3: exception with attachments
  EXPECT_EQ(metrics::KindOf(r), CallKind::kBusinessFailed);
  r.body = std::string("\x91", 1);  // 1: value
  EXPECT_EQ(metrics::KindOf(r), CallKind::kSucceeded);
  r.body = std::string("\xc8\x00", 2);  // two-byte hessian int 0
  EXPECT_EQ(metrics::KindOf(r), CallKind::kBusinessFailed);
  r.serialization = 27;
  r.body = std::string("\x00", 1);  // msgpack fixint 0
  EXPECT_EQ(metrics::KindOf(r), CallKind::kBusinessFailed);
  r.body = std::string("\x04", 1);
  EXPECT_EQ(metrics::KindOf(r), CallKind::kSucceeded);
  r.status = Status(StatusCode::kServerTimeout, "late");
  EXPECT_EQ(metrics::KindOf(r), CallKind::kTimeout);
}

TEST(MetricsHistogramTest, BucketsQuantilesAndExtremes) {
  EXPECT_EQ(metrics::LatencyBucket(0), 0u);
  EXPECT_EQ(metrics::LatencyBucket(1), 0u);
  EXPECT_EQ(metrics::LatencyBucket(2), 1u);
  EXPECT_EQ(metrics::LatencyBucket(3), 2u);
  EXPECT_EQ(metrics::LatencyBucket(1000), 9u);
  EXPECT_EQ(metrics::LatencyBucket(10'000'000), 21u);
  EXPECT_EQ(metrics::LatencyBucket(10'000'001), 22u);

  metrics::MethodMetrics m;
  for (int i = 0; i < 98; ++i) {
    m.Started();
    m.Finished(CallKind::kSucceeded, 150);  // (100, 200]
  }
  m.Started();
  m.Finished(CallKind::kTimeout, 40'000);  // (20 ms, 50 ms]
  m.Started();
  m.Finished(CallKind::kUnknown, 70'000'000);  // beyond 60 s
  m.Started();                                 // still running
  const MethodMetricsSnapshot s = m.Read();
  EXPECT_EQ(s.processing, 1);
  EXPECT_EQ(s.Finished(), 100);
  EXPECT_EQ(s.Total(), 101);
  EXPECT_EQ(s.Failed(), 2);
  EXPECT_EQ(s.buckets[metrics::LatencyBucket(150)], 98);
  EXPECT_EQ(s.buckets[metrics::LatencyBucket(40'000)], 1);
  EXPECT_EQ(s.buckets[metrics::kLatencyBuckets - 1], 1);
  EXPECT_EQ(s.elapsed_sum_us, 98 * 150 + 40'000 + 70'000'000);
  EXPECT_EQ(s.elapsed_min_us, 150);
  EXPECT_EQ(s.elapsed_max_us, 70'000'000);
  EXPECT_EQ(s.elapsed_last_us, 70'000'000);
  const double p50 = s.QuantileUs(0.5);
  EXPECT_GT(p50, 100);
  EXPECT_LE(p50, 200);
  EXPECT_GT(s.QuantileUs(0.99), 20'000);
  EXPECT_LE(s.QuantileUs(0.99), 50'000);
  EXPECT_EQ(s.QuantileUs(1.0), 70'000'000);
  EXPECT_EQ(MethodMetricsSnapshot().QuantileUs(0.99), 0);
}

TEST(ServiceMetricsTest, ResolvesTheUrlsMethodsUpFrontAndOthersOnce) {
  MetricsRegistry registry;
  const Url url =
      Url::Parse(
          "dubbo://127.0.0.1:20880/org.x.Svc?application=app&methods=a,b&version=0.0.0&group=g")
          .value();
  metrics::ServiceMetrics metrics(registry, MetricsSide::kProvider, url);
  auto snapshot = registry.Snapshot();
  ASSERT_EQ(snapshot.size(), 2u);  // listed methods exist (at zero) before any call
  EXPECT_EQ(snapshot[0].first.method, "a");
  EXPECT_EQ(snapshot[0].first.interface, "org.x.Svc");
  EXPECT_EQ(snapshot[0].first.group, "g");
  EXPECT_EQ(snapshot[0].first.version, "");  // 0.0.0 is unversioned
  EXPECT_EQ(snapshot[0].first.application, "app");
  EXPECT_EQ(snapshot[1].first.method, "b");
  EXPECT_EQ(&metrics.Method("a"), &metrics.Method("a"));
  metrics::MethodMetrics& echo = metrics.Method("$echo");
  EXPECT_EQ(&metrics.Method("$echo"), &echo);
  EXPECT_EQ(registry.Snapshot().size(), 3u);
  // Another filter of the same service (another provider of a reference) shares the cells.
  metrics::ServiceMetrics again(registry, MetricsSide::kProvider, url);
  EXPECT_EQ(&again.Method("b"), &metrics.Method("b"));
  EXPECT_EQ(&again.Method("$echo"), &echo);
  metrics::ServiceMetrics consumer(registry, MetricsSide::kConsumer, url);
  EXPECT_NE(&consumer.Method("a"), &metrics.Method("a"));
}

TEST(PrometheusTest, NamesLabelsEscapingAndCumulativeBuckets) {
  MetricsRegistry registry;
  MethodMetricsKey key;
  key.side = MetricsSide::kConsumer;
  key.application = "a\"b\\c\nd";
  key.interface = "org.x.Svc";
  key.method = "get";
  key.version = "1.0";
  metrics::MethodMetrics& m = registry.Get(key);
  for (int64_t us : {3, 1500, 1500}) {
    m.Started();
    m.Finished(CallKind::kSucceeded, us);
  }
  m.Started();
  m.Finished(CallKind::kBusinessFailed, 7);
  m.Started();
  const std::string text = metrics::PrometheusText(registry);
  const std::string labels =
      "{application_name=\"a\\\"b\\\\c\\nd\",interface=\"org.x.Svc\",method=\"get\",group=\"\","
      "version=\"1.0\"}";
  auto has = [&](const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
  };
  EXPECT_TRUE(has("# TYPE dubbo_consumer_requests_succeed_total counter")) << text;
  EXPECT_TRUE(has("dubbo_consumer_requests_succeed_total" + labels + " 3")) << text;
  EXPECT_TRUE(has("dubbo_consumer_requests_business_failed_total" + labels + " 1")) << text;
  EXPECT_TRUE(has("dubbo_consumer_requests_failed_total" + labels + " 1")) << text;
  EXPECT_TRUE(has("dubbo_consumer_requests_total" + labels + " 5")) << text;
  EXPECT_TRUE(has("dubbo_consumer_requests_processing" + labels + " 1")) << text;
  EXPECT_TRUE(has("dubbo_consumer_rt_milliseconds_max" + labels + " 1.5")) << text;
  EXPECT_TRUE(has("dubbo_consumer_rt_milliseconds_sum" + labels + " 3.01")) << text;
  const std::string bucket =
      "dubbo_consumer_rt_milliseconds_histogram_bucket" + labels.substr(0, labels.size() - 1);
  EXPECT_TRUE(has(bucket + ",le=\"0.001\"} 0")) << text;
  EXPECT_TRUE(has(bucket + ",le=\"0.005\"} 1")) << text;
  EXPECT_TRUE(has(bucket + ",le=\"0.01\"} 2")) << text;
  EXPECT_TRUE(has(bucket + ",le=\"1\"} 2")) << text;
  EXPECT_TRUE(has(bucket + ",le=\"2\"} 4")) << text;
  EXPECT_TRUE(has(bucket + ",le=\"+Inf\"} 4")) << text;
  EXPECT_TRUE(has("dubbo_consumer_rt_milliseconds_histogram_count" + labels + " 4")) << text;
  EXPECT_TRUE(has("dubbo_consumer_rt_milliseconds_histogram_sum" + labels + " 3.01")) << text;
  EXPECT_EQ(text.find("dubbo_provider_"),
            std::string::npos);  // no provider cells, no provider families
  // One HELP and one TYPE per family.
  EXPECT_EQ(text.find("# TYPE dubbo_consumer_requests_total "),
            text.rfind("# TYPE dubbo_consumer_requests_total "));
  EXPECT_EQ(metrics::FormatMillis(0), "0");
  EXPECT_EQ(metrics::FormatMillis(1), "0.001");
  EXPECT_EQ(metrics::FormatMillis(120), "0.12");
  EXPECT_EQ(metrics::FormatMillis(12'000), "12");
}

// Rejects every call of GateService.limited, as a limit would: registered by the test, run after
// the built-in filters (so after "metrics").
class RejectLimited final : public rpc::ProviderFilter {
 public:
  Status Before(const rpc::RequestInfo& request) override {
    if (request.method == "limited")
      return Status(StatusCode::kLimitExceeded, "limited by the test");
    return Status::Ok();
  }
};

class MetricsEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Each test registers its own instance: replace the previous test's.
    ASSERT_TRUE(rpc::ProviderFilters()
                    .Register(
                        "metrics-test-reject",
                        [](const Url&) -> Result<std::shared_ptr<rpc::ProviderFilter>> {
                          return std::shared_ptr<rpc::ProviderFilter>(
                              std::make_shared<RejectLimited>());
                        },
                        Replace::kYes)
                    .ok());
    const std::string suffix = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    provider_name_ = "metrics-provider-" + suffix;
    consumer_name_ = "metrics-consumer-" + suffix;
    ApplicationConfig p;
    p.name = provider_name_;
    p.qos_enable = false;
    p.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"shutdown.wait", "200"}};
    provider_ = Application::Create(p).value();
    ASSERT_TRUE(
        provider_
            ->Export(GateService::Definition(), gate_, {{"service.filter", "metrics-test-reject"}})
            .ok());
    ASSERT_TRUE(provider_->Start().ok());
    ApplicationConfig c;
    c.name = consumer_name_;
    c.qos_enable = false;
    consumer_ = Application::Create(c).value();
    auto invoker = consumer_->Refer(
        std::string(kGateInterface),
        {{"url", "dubbo://127.0.0.1:" + std::to_string(provider_->port())}, {"retries", "0"}});
    ASSERT_TRUE(invoker.ok()) << invoker.status();
    invoker_ = *invoker;
  }
  void TearDown() override {
    gate_->Release();
    if (consumer_) consumer_->Stop();
    if (provider_) provider_->Stop();
  }

  std::shared_ptr<GateService> gate_ = std::make_shared<GateService>();
  std::string provider_name_;
  std::string consumer_name_;
  std::unique_ptr<Application> provider_;
  std::unique_ptr<Application> consumer_;
  std::shared_ptr<rpc::Invoker> invoker_;
};

TEST_F(MetricsEndToEndTest, CountersMatchWhatTheCallsDid) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(CallGate(*invoker_, "echo", "x").status.ok());
  for (int i = 0; i < 3; ++i) {
    const rpc::RpcResult r = CallGate(*invoker_, "boom", "no");
    ASSERT_TRUE(r.status.ok()) << r.status;  // a business exception travels as a result
  }
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(CallGate(*invoker_, "limited", "no").status.ok());
  // Held by the provider past the consumer's 100 ms timeout, released afterwards.
  for (int i = 0; i < 2; ++i) {
    const rpc::RpcResult r = CallGate(*invoker_, "hold", "late", 100ms);
    EXPECT_EQ(r.status.code(), StatusCode::kServerTimeout) << r.status;
  }
  ASSERT_TRUE(gate_->WaitHeld(2, 5s));
  gate_->Release();
  ASSERT_TRUE(Eventually(
      [&] { return Cell(MetricsSide::kProvider, provider_name_, "hold").Finished() == 2; }));

  const auto p_echo = Cell(MetricsSide::kProvider, provider_name_, "echo");
  EXPECT_EQ(p_echo.Count(CallKind::kSucceeded), 5);
  EXPECT_EQ(p_echo.Failed(), 0);
  const auto p_boom = Cell(MetricsSide::kProvider, provider_name_, "boom");
  EXPECT_EQ(p_boom.Count(CallKind::kBusinessFailed), 3);
  EXPECT_EQ(p_boom.Finished(), 3);
  const auto p_limited = Cell(MetricsSide::kProvider, provider_name_, "limited");
  EXPECT_EQ(p_limited.Count(CallKind::kLimit), 4);
  EXPECT_EQ(p_limited.Finished(), 4);
  const auto p_hold = Cell(MetricsSide::kProvider, provider_name_, "hold");
  EXPECT_EQ(p_hold.Count(CallKind::kSucceeded), 2);  // the provider did answer, late
  EXPECT_EQ(p_hold.processing, 0);
  // Held until the consumers gave up (100 ms on their clocks, which started a little earlier).
  EXPECT_GE(p_hold.elapsed_min_us, 90'000);

  const auto c_echo = Cell(MetricsSide::kConsumer, consumer_name_, "echo");
  EXPECT_EQ(c_echo.Count(CallKind::kSucceeded), 5);
  EXPECT_EQ(c_echo.Finished(), 5);
  const auto c_boom = Cell(MetricsSide::kConsumer, consumer_name_, "boom");
  EXPECT_EQ(c_boom.Count(CallKind::kBusinessFailed), 3);
  EXPECT_EQ(c_boom.Finished(), 3);
  // The provider's rejection reaches a consumer as status 70 (SERVICE_ERROR), as from Java.
  const auto c_limited = Cell(MetricsSide::kConsumer, consumer_name_, "limited");
  EXPECT_EQ(c_limited.Count(CallKind::kUnknown), 4);
  const auto c_hold = Cell(MetricsSide::kConsumer, consumer_name_, "hold");
  EXPECT_EQ(c_hold.Count(CallKind::kTimeout), 2);
  EXPECT_EQ(c_hold.Finished(), 2);
  EXPECT_GE(c_hold.elapsed_min_us, 100'000);
  EXPECT_LT(c_hold.elapsed_max_us, 5'000'000);

  // The histograms count every finished call once, and their sum is the elapsed sum.
  for (const auto& s : {p_echo, p_boom, p_limited, p_hold, c_echo, c_boom, c_limited, c_hold}) {
    int64_t n = 0;
    for (int64_t b : s.buckets) n += b;
    EXPECT_EQ(n, s.Finished());
    EXPECT_LE(s.elapsed_min_us, s.elapsed_max_us);
    EXPECT_GE(s.elapsed_sum_us, s.elapsed_max_us);
  }
  // Both timeouts took at least 100 ms: no bucket below 100 ms holds one.
  for (size_t i = 0; i < metrics::LatencyBucket(100'000); ++i) EXPECT_EQ(c_hold.buckets[i], 0) << i;

  // And the exposition says the same.
  const std::string text = metrics::PrometheusText(MetricsRegistry::Global());
  const std::string labels =
      "{application_name=\"" + consumer_name_ +
      "\",interface=\"org.apache.dubbo.demo.GateService\",method=\"hold\",group=\"\",version=\"\"}";
  EXPECT_NE(text.find("\ndubbo_consumer_requests_timeout_total" + labels + " 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\ndubbo_consumer_rt_milliseconds_histogram_count" + labels + " 2\n"),
            std::string::npos);
}

TEST_F(MetricsEndToEndTest, InFlightGaugesFollowHeldCalls) {
  std::vector<std::future<rpc::RpcResult>> calls;
  for (int i = 0; i < 3; ++i)
    calls.push_back(CallGateAsync(*invoker_, "hold", "t" + std::to_string(i), 20s));
  ASSERT_TRUE(gate_->WaitHeld(3, 10s));
  // Held in the provider's method: counted in flight on both sides, finished nowhere.
  EXPECT_EQ(Cell(MetricsSide::kProvider, provider_name_, "hold").processing, 3);
  EXPECT_EQ(Cell(MetricsSide::kProvider, provider_name_, "hold").Finished(), 0);
  EXPECT_EQ(Cell(MetricsSide::kConsumer, consumer_name_, "hold").processing, 3);
  EXPECT_EQ(Cell(MetricsSide::kConsumer, consumer_name_, "hold").Total(), 3);
  gate_->Release();
  for (auto& f : calls) EXPECT_TRUE(f.get().status.ok());
  EXPECT_EQ(Cell(MetricsSide::kConsumer, consumer_name_, "hold").processing, 0);
  EXPECT_EQ(Cell(MetricsSide::kConsumer, consumer_name_, "hold").Count(CallKind::kSucceeded), 3);
  ASSERT_TRUE(Eventually(
      [&] { return Cell(MetricsSide::kProvider, provider_name_, "hold").processing == 0; }));
  EXPECT_EQ(Cell(MetricsSide::kProvider, provider_name_, "hold").Count(CallKind::kSucceeded), 3);
}

TEST_F(MetricsEndToEndTest, ServiceFilterMinusMetricsTurnsCountingOff) {
  ApplicationConfig p;
  p.name = provider_name_ + "-off";
  p.qos_enable = false;
  p.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"shutdown.wait", "200"}};
  auto quiet = Application::Create(p).value();
  ASSERT_TRUE(
      quiet->Export(GateService::Definition(), gate_, {{"service.filter", "-metrics"}}).ok());
  ASSERT_TRUE(quiet->Start().ok());
  auto invoker = consumer_->Refer(std::string(kGateInterface),
                                  {{"url", "dubbo://127.0.0.1:" + std::to_string(quiet->port())},
                                   {"reference.filter", "-metrics"}});
  ASSERT_TRUE(invoker.ok()) << invoker.status();
  ASSERT_TRUE(CallGate(**invoker, "echo", "x").status.ok());
  for (const auto& [key, s] : MetricsRegistry::Global().Snapshot()) {
    EXPECT_NE(key.application, p.name);
  }
  EXPECT_EQ(Cell(MetricsSide::kConsumer, consumer_name_, "echo").Total(), 0);
  quiet->Stop();
}

}  // namespace

TEST(CustomMetricsTest, FamiliesWithLabelsInPrometheusText) {
  auto& m = metrics::CustomMetrics::Global();
  auto sent = m.Counter("mt_sent_total", "messages sent", {"topic", "queue"});
  ASSERT_TRUE(sent.ok()) << sent.status();
  (*sent)->With({"orders", "0"}).Add();
  (*sent)->With({"orders", "0"}).Add(2);
  (*sent)->With({"pay\"ments"}).Add();  // a missing label value is ""
  // The same shape again is the same family; another shape is refused.
  EXPECT_EQ(*m.Counter("mt_sent_total", "other help", {"topic", "queue"}), *sent);
  EXPECT_EQ(m.Counter("mt_sent_total", "", {"topic"}).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(m.Gauge("mt_sent_total", "", {"topic", "queue"}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(m.Counter("9lives", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m.Counter("dubbo_mine", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m.Counter("mt_x", "", {"__reserved"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m.Histogram("mt_h_bad", "", {}, {5, 1}).status().code(), StatusCode::kInvalidArgument);

  auto depth = m.Gauge("mt_depth", "queue depth");
  ASSERT_TRUE(depth.ok());
  (*depth)->With().Set(2.5);
  (*depth)->With().Add(1);
  auto latency = m.Histogram("mt_store_ms", "store latency\nin ms", {"topic"}, {1, 5});
  ASSERT_TRUE(latency.ok());
  for (double v : {0.5, 1.0, 3.0, 9.0}) (*latency)->With({"orders"}).Observe(v);

  const std::string text = m.PrometheusText();
  for (const char* expected : {
           "# HELP mt_sent_total messages sent\n# TYPE mt_sent_total counter\n",
           "mt_sent_total{topic=\"orders\",queue=\"0\"} 3\n",
           "mt_sent_total{topic=\"pay\\\"ments\",queue=\"\"} 1\n",
           "# TYPE mt_depth gauge\nmt_depth 3.5\n",
           "# HELP mt_store_ms store latency\\nin ms\n",
           "mt_store_ms_bucket{topic=\"orders\",le=\"1\"} 2\n",
           "mt_store_ms_bucket{topic=\"orders\",le=\"5\"} 3\n",
           "mt_store_ms_bucket{topic=\"orders\",le=\"+Inf\"} 4\n",
           "mt_store_ms_sum{topic=\"orders\"} 13.5\n",
           "mt_store_ms_count{topic=\"orders\"} 4\n",
       }) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
}

TEST(CustomMetricsTest, CellsAreSafeToUseFromManyThreads) {
  auto c = metrics::CustomMetrics::Global().Counter("mt_threads_total", "", {"t"});
  auto h = metrics::CustomMetrics::Global().Histogram("mt_threads_h", "", {}, {10});
  ASSERT_TRUE(c.ok() && h.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        (*c)->With({"x"}).Add();
        (*h)->With().Observe(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*c)->With({"x"}).value(), 40000);
  EXPECT_EQ((*h)->With().count(), 40000);
  EXPECT_EQ((*h)->With().sum(), 40000);
}

}  // namespace dubbo::testing
